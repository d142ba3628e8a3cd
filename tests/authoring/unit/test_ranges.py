"""Allocating a free student range for a new workshop (pure)."""

from __future__ import annotations

import pytest

from tests.conftest import write_workshop
from wod_contracts.catalog import load_catalog
from wod_contracts.workshop import StudentRange
from wod_workshop.ranges import NoFreeRangeError, free_range, taken_on


def r(first: int, last: int) -> StudentRange:
    return StudentRange(first=first, last=last)


def test_an_empty_backend_starts_at_one() -> None:
    assert free_range([], 20) == r(1, 20)


def test_the_range_goes_after_the_ranges_in_use() -> None:
    assert free_range([r(1, 20), r(21, 40)], 20) == r(41, 60)


def test_a_gap_wide_enough_is_used_and_a_narrow_one_is_skipped() -> None:
    taken = [r(1, 10), r(16, 20), r(41, 60)]
    assert free_range(taken, 5) == r(11, 15)  # exactly fits between 10 and 16
    assert free_range(taken, 6) == r(21, 26)  # 11..15 is one short


def test_order_and_overlapping_ranges_in_use_do_not_matter() -> None:
    taken = [r(901, 910), r(30, 50), r(1, 35), r(45, 60)]
    assert free_range(taken, 20) == r(61, 80)
    assert free_range(list(reversed(taken)), 20) == r(61, 80)


def test_the_result_overlaps_nothing_in_use() -> None:
    taken = [r(3, 7), r(9, 9), r(12, 30), r(31, 31), r(40, 44)]
    for size in range(1, 12):
        found = free_range(taken, size)
        assert found.capacity == size
        assert not any(found.overlaps(used) for used in taken), size


def test_no_room_left_is_an_error_and_a_size_below_one_too() -> None:
    with pytest.raises(NoFreeRangeError, match="no 10 consecutive"):
        free_range([r(1, 99_995)], 10)
    with pytest.raises(ValueError, match="at least one seat"):
        free_range([], 0)


def test_only_ranges_of_the_same_backend_count(tmp_path) -> None:  # type: ignore[no-untyped-def]
    write_workshop(tmp_path, "alpha", 1, 20)
    write_workshop(tmp_path, "beta", 1, 50, backend="gpu")
    workshops = load_catalog([tmp_path]).workshops
    assert free_range(taken_on(workshops, "default"), 10) == r(21, 30)
    assert free_range(taken_on(workshops, "gpu"), 10) == r(51, 60)
