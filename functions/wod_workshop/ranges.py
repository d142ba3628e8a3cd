"""Student ranges: the first free run of seat numbers on a backend, given the ranges in use.

Pure; called by `wod-workshop new` with every known workshop (public, demo and private).
"""

from __future__ import annotations

from collections.abc import Iterable

from wod_contracts.workshop import StudentRange, Workshop

MAX_STUDENT = 99_999  # the model's bound on student numbers


class NoFreeRangeError(ValueError):
    """No run of `size` free numbers is left on the backend."""


def taken_on(workshops: Iterable[Workshop], backend: str) -> list[StudentRange]:
    return [w.students for w in workshops if w.backend == backend]


def free_range(taken: Iterable[StudentRange], size: int, start: int = 1) -> StudentRange:
    """The lowest range of `size` numbers from `start` that overlaps none of `taken`."""
    if size < 1:
        raise ValueError(f"a workshop needs at least one seat, not {size}")
    first = start
    for used in sorted(taken, key=lambda r: r.first):
        if used.last < first:
            continue
        if used.first > first + size - 1:
            break  # the gap before this range is wide enough
        first = used.last + 1
    last = first + size - 1
    if last > MAX_STUDENT:
        raise NoFreeRangeError(
            f"no {size} consecutive free student numbers left below {MAX_STUDENT + 1}"
        )
    return StudentRange(first=first, last=last)
