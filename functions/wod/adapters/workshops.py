"""Workshops in DynamoDB: the catalog as seeded from `workshop.yml` files, with live seats and
the warm pool. Read by the API; the pool's warm side is written by the warm-seat service; the
catalog by the seeding step (`wod.seed`) at deploy time and by `make demo`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition

from wod.domain.errors import WorkshopNotFoundError
from wod.domain.states import HOLDS_SEAT
from wod.domain.workshops import Preparation, WorkshopSeats
from wod_contracts.workshop import Visibility, Workshop

from .conditions import condition_failed
from .models import RegistrationRecord, WorkshopRecord


def _preparations(raw: Any) -> dict[int, Preparation]:
    entries = _raw_map(raw)
    return {
        int(student): Preparation(
            str(entry["order_id"]), datetime.fromtimestamp(float(entry["since"]), UTC)
        )
        for student, entry in entries.items()
    }


def _to_seats(record: WorkshopRecord) -> WorkshopSeats:
    return WorkshopSeats(
        workshop=Workshop.model_validate(record.meta),
        free_students=frozenset(int(s) for s in record.free_students or ()),
        badge_svg=record.badge_svg,
        warm_students=frozenset(int(s) for s in record.warm_students or ()),
        preparing=_preparations(record.preparing),
        version=int(record.pool_version or 0),
        warm_paused_until=record.warm_paused_until,
        closed_reason=record.closed_reason,
    )


def _conditional_update(record: WorkshopRecord, actions: list[Any], condition: Condition) -> bool:
    try:
        record.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


class WorkshopStore:
    """Implements the Catalog and WarmPool ports; `seed` is the deploy step's."""

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

    def set_closed(self, workshop_id: str, reason: str | None) -> WorkshopSeats:
        """Close or open at once: a claim racing this write is decided by the claim's own
        condition on `closed_reason`, whichever comes first."""
        attribute = WorkshopRecord.closed_reason
        record = WorkshopRecord(workshop_id)
        try:
            record.update(
                actions=[
                    attribute.set(reason) if reason is not None else attribute.remove(),
                    WorkshopRecord.pool_version.add(1),
                ],
                condition=WorkshopRecord.workshop_id.exists(),
            )
        except UpdateError as exc:
            if condition_failed(exc):
                raise WorkshopNotFoundError(workshop_id) from exc
            raise
        return self.get(workshop_id, consistent=True)

    # -- the warm pool -------------------------------------------------------------------------

    def every(self) -> list[WorkshopSeats]:
        return [_to_seats(record) for record in WorkshopRecord.scan(consistent_read=True)]

    def reserve_preparations(
        self, workshop_id: str, orders: Mapping[int, str], now: datetime, version: int
    ) -> bool:
        """Note PREPARE orders for these free students, if the pool is still as read (so two
        top-ups never prepare more than the target). False if it changed meanwhile."""
        preparing = WorkshopRecord.preparing
        actions: list[Any] = [
            preparing[str(student)].set({"order_id": order_id, "since": now.timestamp()})
            for student, order_id in orders.items()
        ]
        actions.append(WorkshopRecord.pool_version.add(1))
        return _conditional_update(
            WorkshopRecord(workshop_id), actions, WorkshopRecord.pool_version == version
        )

    def mark_warm(self, workshop_id: str, student: int, order_id: str) -> bool:
        """The backend prepared the seat: warm, if this PREPARE is still the seat's and the
        student still free (a registration may have taken it meanwhile)."""
        entry = WorkshopRecord.preparing[str(student)]
        return _conditional_update(
            WorkshopRecord(workshop_id),
            [
                WorkshopRecord.warm_students.add({student}),
                entry.remove(),
                WorkshopRecord.pool_version.add(1),
            ],
            (entry["order_id"] == order_id) & WorkshopRecord.free_students.contains(student),
        )

    def drop_preparation(
        self, workshop_id: str, student: int, order_id: str, pause_until: datetime | None = None
    ) -> bool:
        """Forget a PREPARE that failed or was lost: the seat stays cold. A failure may pause
        the workshop's top-ups for a while."""
        entry = WorkshopRecord.preparing[str(student)]
        actions: list[Any] = [entry.remove(), WorkshopRecord.pool_version.add(1)]
        if pause_until is not None:
            actions.append(WorkshopRecord.warm_paused_until.set(pause_until))
        return _conditional_update(
            WorkshopRecord(workshop_id), actions, entry["order_id"] == order_id
        )

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
            warm = {int(s) for s in record.warm_students or ()} & new_free
            preparing = {
                student: entry
                for student, entry in _raw_map(record.preparing).items()
                if int(student) in new_free
            }
            condition: Condition = WorkshopRecord.pool_version == record.pool_version
            record.pool_version = int(record.pool_version or 0) + 1
        except DoesNotExist:
            record = WorkshopRecord(workshop.id, pool_version=0)
            new_free, warm, preparing = wanted, set(), {}
            condition = WorkshopRecord.workshop_id.does_not_exist()
        record.meta = workshop.model_dump(mode="json")
        record.active = workshop.active
        record.public = workshop.visibility is Visibility.PUBLIC
        record.capacity = workshop.capacity
        record.badge_svg = badge_svg
        # NumberSetAttribute is typed as floats; student numbers are ints and stay ints.
        record.free_students = new_free or None  # type: ignore[assignment]
        record.warm_students = warm or None  # type: ignore[assignment]
        record.preparing = preparing
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


def _raw_map(raw: Any) -> dict[str, Any]:
    return dict(raw.as_dict() if hasattr(raw, "as_dict") else raw or {})
