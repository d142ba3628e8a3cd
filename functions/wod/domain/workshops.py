"""A workshop of the catalog together with its live pool of free students."""

from __future__ import annotations

from dataclasses import dataclass

from wod_contracts.workshop import Workshop


@dataclass(frozen=True)
class WorkshopSeats:
    workshop: Workshop
    free_students: frozenset[int]
    badge_svg: str | None = None

    @property
    def seats_total(self) -> int:
        return self.workshop.capacity

    @property
    def seats_available(self) -> int:
        return len(self.free_students)
