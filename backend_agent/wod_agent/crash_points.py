"""Fault injection for the fault-recovery tests: the agent exits at once, as if killed -9, the
first time it reaches a named point of an order's life (`crash_at: ["CREATE:deployed"]`).

Points: `taken` (journal says started, nothing done yet), `deployed` (work done, callback not
sent), `reported` (callback accepted, message not deleted yet). Each fires once: a marker file
in state_dir, written before exiting, keeps the restarted agent going. Never set in production.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection
from enum import StrEnum
from pathlib import Path

from wod_contracts.orders import OrderVerb

log = logging.getLogger(__name__)
KILLED_EXIT_CODE = 137  # what a shell reports for a process killed by SIGKILL


class CrashPoint(StrEnum):
    TAKEN = "taken"
    DEPLOYED = "deployed"
    REPORTED = "reported"


def parse_point(value: str) -> tuple[OrderVerb, CrashPoint]:
    """`VERB:point`, e.g. `CLEANUP:reported`; ValueError names what is wrong."""
    verb, _, point = value.partition(":")
    try:
        return OrderVerb(verb), CrashPoint(point)
    except ValueError:
        points = ", ".join(p.value for p in CrashPoint)
        raise ValueError(f"{value!r} is not VERB:point (points: {points})") from None


class CrashPoints:
    def __init__(self, points: Collection[str], state_dir: Path) -> None:
        self._points = {parse_point(point) for point in points}
        self._markers = state_dir / "crash-points"

    def reach(self, verb: OrderVerb, point: CrashPoint) -> None:
        """Exit abruptly here if asked to and not done before (no cleanup, no flush)."""
        if (verb, point) not in self._points:
            return
        marker = self._markers / f"{verb.value}-{point.value}"
        if marker.exists():
            return
        self._markers.mkdir(parents=True, exist_ok=True)
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT, 0o600)
        os.fsync(fd)
        os.close(fd)
        log.warning("crash point %s:%s reached: exiting as if killed", verb.value, point.value)
        os._exit(KILLED_EXIT_CODE)
