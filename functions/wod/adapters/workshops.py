"""Workshops in DynamoDB: the catalog as seeded from `workshop.yml` files, with live seats.

Read by the API; written by the seeding step (`wod.seed`) at deploy time and by `make demo`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.expressions.condition import Condition

from wod.domain.errors import WorkshopNotFoundError
from wod.domain.states import HOLDS_SEAT
from wod.domain.workshops import WorkshopSeats
from wod_contracts.workshop import Visibility, Workshop

from .conditions import condition_failed
from .models import RegistrationRecord, WorkshopRecord


def _to_seats(record: WorkshopRecord) -> WorkshopSeats:
    return WorkshopSeats(
        workshop=Workshop.model_validate(record.meta),
        free_students=frozenset(int(s) for s in record.free_students or ()),
        badge_svg=record.badge_svg,
    )


class WorkshopStore:
    """Implements the Catalog port; `seed` is the deploy step's."""

    def get(self, workshop_id: str, *, consistent: bool = False) -> WorkshopSeats:
        """One workshop (active or not, public or private); WorkshopNotFoundError if unknown."""
        try:
            return _to_seats(WorkshopRecord.get(workshop_id, consistent_read=consistent))
        except DoesNotExist as exc:
            raise WorkshopNotFoundError(workshop_id) from exc

    def listed(self) -> list[WorkshopSeats]:
        """The active public workshops, in catalog order (by title)."""
        records = WorkshopRecord.scan(
            (WorkshopRecord.active == True) & (WorkshopRecord.public == True)  # noqa: E712
        )
        return sorted((_to_seats(r) for r in records), key=lambda s: s.workshop.title.lower())

    def seed(
        self, workshops: Iterable[Workshop], now: datetime, badges: Mapping[str, str] | None = None
    ) -> None:
        """Write the catalog without disturbing seats in use.

        A new workshop gets its whole range as free students. For a known one, the metadata is
        replaced, students that left the range stop being free, and students that joined it
        become free unless a registration holds them.
        """
        for workshop in workshops:
            # A registration that claims or releases meanwhile bumps pool_version: start over.
            while not self._seed_one(workshop, now, (badges or {}).get(workshop.id)):
                pass

    def _seed_one(self, workshop: Workshop, now: datetime, badge_svg: str | None) -> bool:
        wanted = set(workshop.students.numbers())
        try:
            record = WorkshopRecord.get(workshop.id, consistent_read=True)
            free = {int(s) for s in record.free_students or ()}
            held = self._held_students(workshop.id)
            new_free = (free & wanted) | (wanted - held - free)
            condition: Condition = WorkshopRecord.pool_version == record.pool_version
        except DoesNotExist:
            record = WorkshopRecord(workshop.id, pool_version=0)
            new_free = wanted
            condition = WorkshopRecord.workshop_id.does_not_exist()
        record.meta = workshop.model_dump(mode="json")
        record.active = workshop.active
        record.public = workshop.visibility is Visibility.PUBLIC
        record.capacity = workshop.capacity
        record.badge_svg = badge_svg
        # NumberSetAttribute is typed as floats; student numbers are ints and stay ints.
        record.free_students = new_free or None  # type: ignore[assignment]
        record.updated_at = now
        try:
            record.save(condition=condition)
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    @staticmethod
    def _held_students(workshop_id: str) -> set[int]:
        held: set[int] = set()
        for record in RegistrationRecord.scan(
            (RegistrationRecord.workshop_id == workshop_id)
            & RegistrationRecord.state.is_in(*(s.value for s in HOLDS_SEAT))
        ):
            held.add(int(record.student))
        return held
