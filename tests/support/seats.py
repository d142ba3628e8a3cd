"""Invariants of a workshop's seats, read straight from the tables (not through the API)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from wod.adapters.models import RegistrationRecord, WorkshopRecord
from wod.domain.states import HOLDS_SEAT


@dataclass(frozen=True)
class SeatAudit:
    capacity: int
    free: frozenset[int]
    holders: dict[str, int]  # registration id -> student

    @property
    def students_held(self) -> Counter[int]:
        return Counter(self.holders.values())

    def violations(self) -> list[str]:
        problems = []
        for student, count in self.students_held.items():
            if count > 1:
                problems.append(f"student {student} is held by {count} registrations")
        if len(self.holders) > self.capacity:
            problems.append(f"{len(self.holders)} registrations hold seats of {self.capacity}")
        both = self.free & set(self.holders.values())
        if both:
            problems.append(f"students {sorted(both)} are both free and held")
        if len(self.free) + len(set(self.holders.values())) != self.capacity:
            problems.append(
                f"free {len(self.free)} + held {len(set(self.holders.values()))} "
                f"!= capacity {self.capacity}"
            )
        return problems


def audit(workshop_id: str) -> SeatAudit:
    pool = WorkshopRecord.get(workshop_id, consistent_read=True)
    holders = {
        r.registration_id: int(r.student)
        for r in RegistrationRecord.scan(
            (RegistrationRecord.workshop_id == workshop_id)
            & RegistrationRecord.state.is_in(*(s.value for s in HOLDS_SEAT)),
            consistent_read=True,
        )
    }
    return SeatAudit(
        capacity=int(pool.capacity),
        free=frozenset(int(s) for s in pool.free_students or ()),
        holders=holders,
    )
