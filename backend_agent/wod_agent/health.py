"""What `/healthz` answers: is the loop polling its queue?

The loop reports each poll (and the waits while every worker is busy, when it does not poll
on purpose); `report` turns that into 200 or 503 with the reason. The clock is injectable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HealthReport:
    healthy: bool
    body: dict[str, Any]


class PollHealth:
    def __init__(self, stale_after: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._stale_after = stale_after
        self._clock = clock
        self._lock = threading.Lock()
        self._last_ok: float | None = None
        self._last_busy: float | None = None
        self._last_error: str | None = None
        self._stopping = False

    def polled(self) -> None:
        with self._lock:
            self._last_ok = self._clock()
            self._last_error = None

    def poll_failed(self, error: str) -> None:
        with self._lock:
            self._last_error = error

    def busy(self) -> None:
        """Every worker is busy: the loop waits instead of polling, and that is healthy."""
        with self._lock:
            self._last_busy = self._clock()

    def stopping(self) -> None:
        with self._lock:
            self._stopping = True

    def report(self) -> HealthReport:
        with self._lock:
            now = self._clock()
            seen = [t for t in (self._last_ok, self._last_busy) if t is not None]
            alive = max(seen) if seen else None
            error, stopping = self._last_error, self._stopping
            since_poll = None if self._last_ok is None else round(now - self._last_ok, 1)
        body: dict[str, Any] = {
            "seconds_since_last_poll": since_poll,
            "stale_after_seconds": self._stale_after,
        }
        if error:
            body["last_error"] = error
        if stopping:
            reason = "stopping: finishing the orders in hand, polling no more"
        elif alive is None:
            reason = "no successful poll of the order queue yet"
        elif now - alive > self._stale_after:
            reason = f"no successful poll of the order queue for {now - alive:.0f}s"
        else:
            return HealthReport(True, {"status": "ok", **body})
        return HealthReport(False, {"status": "unhealthy", "reason": reason, **body})
