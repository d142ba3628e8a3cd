"""A workshop of the catalog together with its live pool: free students, the warm ones among
them, and the seats being prepared (a PREPARE order on its way)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wod_contracts.workshop import Workshop


@dataclass(frozen=True)
class Preparation:
    """A PREPARE order sent for a free student and not answered yet."""

    order_id: str
    since: datetime


@dataclass(frozen=True)
class WorkshopSeats:
    workshop: Workshop
    free_students: frozenset[int]
    badge_svg: str | None = None
    # Free students whose seat the backend has prepared (a subset of free_students).
    warm_students: frozenset[int] = frozenset()
    preparing: Mapping[int, Preparation] = field(default_factory=dict)
    # Bumped by every change of the pool: a write conditional on it sees no concurrent change.
    version: int = 0
    # After a failed PREPARE, no new one is sent before this time (a broken setup is not hammered).
    warm_paused_until: datetime | None = None
    # Closed by the organizer (`organizer`) or because it left the catalog (`removed`): listed
    # as closed, and no seat is claimed (the claim itself checks it, so no race lets one in).
    closed_reason: str | None = None

    @property
    def closed(self) -> bool:
        return self.closed_reason is not None

    @property
    def seats_total(self) -> int:
        return self.workshop.capacity

    @property
    def seats_available(self) -> int:
        return len(self.free_students)

    @property
    def seats_warm(self) -> int:
        return len(self.warm_students)

    def to_prepare(self, now: datetime) -> list[int]:
        """The cold free students to prepare now to bring the warm pool to its target."""
        if self.warm_paused_until is not None and now < self.warm_paused_until:
            return []
        if self.closed:  # nobody can take a seat: preparing one would only cost the backend
            return []
        deficit = self.workshop.warm_target - len(self.warm_students) - len(self.preparing)
        if deficit <= 0:
            return []
        cold = sorted(self.free_students - self.warm_students - set(self.preparing))
        return cold[:deficit]

    def stale_preparations(self, now: datetime, timeout: timedelta) -> dict[int, Preparation]:
        """PREPAREs unanswered for too long (lost, or the backend is down): given up on."""
        return {s: p for s, p in self.preparing.items() if now - p.since > timeout}
