"""What the organizer's console shows and decides, computed from the pools and registrations.

Pure: the console service reads the tables and hands them here; `wod-admin` shows the result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .registrations import Registration
from .states import State
from .workshops import WorkshopSeats

# Time-to-credentials is reported over this window (the issue: "of the last hour").
RECENT = timedelta(hours=1)
# An organizer may move an end by at most this much at once (a typo of 6000 is refused).
MAX_EXTENSION_MINUTES = 24 * 60
ON_ITS_WAY = frozenset({State.PENDING, State.DEPLOYING})


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (no interpolation: the figure is one participant's wait)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def seconds_to_credentials(registration: Registration) -> float | None:
    if registration.ready_at is None:
        return None
    return (registration.ready_at - registration.created_at).total_seconds()


@dataclass(frozen=True)
class WorkshopLoad:
    """One workshop's seats by where they stand, and the orders waiting for its backend."""

    workshop_id: str
    title: str
    backend: str
    capacity: int
    closed_reason: str | None
    free: int
    warm: int
    deploying: int
    ready: int
    ending: int
    failed: int
    orders_queued: int
    oldest_order_seconds: float | None
    credentials_p50_seconds: float | None
    credentials_p95_seconds: float | None
    registrations_last_hour: int


@dataclass(frozen=True)
class ConsoleStatus:
    now: datetime
    workshops: list[WorkshopLoad] = field(default_factory=list)

    @property
    def orders_queued(self) -> int:
        return sum(w.orders_queued for w in self.workshops)

    @property
    def oldest_order_seconds(self) -> float | None:
        ages = [w.oldest_order_seconds for w in self.workshops if w.oldest_order_seconds]
        return max(ages) if ages else None


def waiting_since(registration: Registration) -> datetime | None:
    """When the order a registration waits on was queued, if the agent has not finished it:
    a CREATE not taken yet, or an end order not confirmed."""
    if registration.state in ON_ITS_WAY and registration.taken_at is None:
        return registration.created_at
    if registration.state is State.ENDING:
        return registration.updated_at or registration.ends_at
    return None


def load_of(
    seats: WorkshopSeats, registrations: Iterable[Registration], now: datetime
) -> WorkshopLoad:
    counts = dict.fromkeys(State, 0)
    waits: list[datetime] = [p.since for p in seats.preparing.values()]
    recent: list[float] = []
    registered_recently = 0
    for registration in registrations:
        counts[registration.state] += 1
        since = waiting_since(registration)
        if since is not None:
            waits.append(since)
        if now - registration.created_at <= RECENT:
            registered_recently += 1
        waited = seconds_to_credentials(registration)
        if waited is not None and registration.ready_at and now - registration.ready_at <= RECENT:
            recent.append(waited)
    workshop = seats.workshop
    return WorkshopLoad(
        workshop_id=workshop.id,
        title=workshop.title,
        backend=workshop.backend,
        capacity=workshop.capacity,
        closed_reason=seats.closed_reason,
        free=seats.seats_available,
        warm=seats.seats_warm,
        deploying=counts[State.PENDING] + counts[State.DEPLOYING],
        ready=counts[State.READY],
        ending=counts[State.ENDING],
        failed=counts[State.FAILED],
        orders_queued=len(waits),
        oldest_order_seconds=(now - min(waits)).total_seconds() if waits else None,
        credentials_p50_seconds=percentile(recent, 0.50),
        credentials_p95_seconds=percentile(recent, 0.95),
        registrations_last_hour=registered_recently,
    )


def summarize(
    pools: Iterable[WorkshopSeats], registrations: Iterable[Registration], now: datetime
) -> ConsoleStatus:
    by_workshop: dict[str, list[Registration]] = {}
    for registration in registrations:
        by_workshop.setdefault(registration.workshop_id, []).append(registration)
    loads = [
        load_of(seats, by_workshop.get(seats.workshop.id, []), now)
        for seats in sorted(pools, key=lambda s: s.workshop.id)
    ]
    return ConsoleStatus(now=now, workshops=loads)


@dataclass(frozen=True)
class Extension:
    """A session's new end and the reminder before it."""

    ends_at: datetime
    reminder_at: datetime


def plan_extension(registration: Registration, minutes: int, reminder_minutes: int) -> Extension:
    """Move the end by `minutes`; the reminder keeps its distance to the end."""
    ends_at = registration.ends_at + timedelta(minutes=minutes)
    return Extension(ends_at=ends_at, reminder_at=ends_at - timedelta(minutes=reminder_minutes))
