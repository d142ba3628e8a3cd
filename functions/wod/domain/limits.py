"""The abuse limits as pure rules: how many requests (or mails) one key may cause per window,
and which counter a moment falls in. Fixed windows: a counter per key and window, dropped by
DynamoDB's TTL after its window. Called by the throttle service."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Limit:
    """At most `most` per `window_seconds` for one key of `scope` (0: no limit)."""

    scope: str  # what is counted: "ip", "person" (canonical address), "mail"
    most: int
    window_seconds: int

    @property
    def active(self) -> bool:
        return self.most > 0


@dataclass(frozen=True)
class Window:
    counter_id: str
    expires_at: datetime
    retry_after: int  # whole seconds until the window ends (what Retry-After says)


def window(limit: Limit, key: str, now: datetime) -> Window:
    start = math.floor(now.timestamp() / limit.window_seconds) * limit.window_seconds
    ends = datetime.fromtimestamp(start + limit.window_seconds, tz=UTC)
    return Window(
        counter_id=f"{limit.scope}#{limit.window_seconds}#{key}#{start}",
        # A minute of slack: TTL deletes late anyway, and a counter must outlive its window.
        expires_at=ends + timedelta(minutes=1),
        retry_after=max(1, math.ceil((ends - now).total_seconds())),
    )
