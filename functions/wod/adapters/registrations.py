"""Registrations in DynamoDB: the atomic seat claim and every state transition as a conditional
write. Called by the services; nothing above this module sees a PynamoDB or botocore error.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute
from pynamodb.connection import Connection
from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from wod.domain.errors import (
    DuplicateRegistrationError,
    InvalidTransitionError,
    RegistrationNotFoundError,
    SeatTakenError,
)
from wod.domain.registrations import EndReason, FollowUp, Registration
from wod.domain.states import State, check_transition
from wod_contracts.orders import OrderVerb

from .models import GuardRecord, RegistrationRecord, WorkshopRecord

CONDITION_FAILED = "ConditionalCheckFailed"


def email_guard_id(workshop_id: str, email: str) -> str:
    return f"email#{workshop_id}#{email}"


def to_domain(record: RegistrationRecord) -> Registration:
    return Registration(
        registration_id=record.registration_id,
        workshop_id=record.workshop_id,
        backend=record.backend,
        student=int(record.student),
        email=record.email,
        first_name=record.first_name,
        last_name=record.last_name,
        company=record.company,
        state=State(record.state),
        created_at=record.created_at,
        ends_at=record.ends_at,
        reminder_at=record.reminder_at,
        order_id=record.order_id,
        order_verb=OrderVerb(record.order_verb),
        follow_ups=frozenset(FollowUp(step) for step in record.follow_ups or ()),
        error=record.error or "",
        end_reason=EndReason(record.end_reason) if record.end_reason else None,
    )


def to_record(registration: Registration) -> RegistrationRecord:
    return RegistrationRecord(
        registration.registration_id,
        workshop_id=registration.workshop_id,
        backend=registration.backend,
        student=registration.student,
        email=registration.email,
        first_name=registration.first_name,
        last_name=registration.last_name,
        company=registration.company,
        state=registration.state.value,
        created_at=registration.created_at,
        updated_at=registration.created_at,
        ends_at=registration.ends_at,
        reminder_at=registration.reminder_at,
        order_id=registration.order_id,
        order_verb=registration.order_verb.value,
        follow_ups={step.value for step in registration.follow_ups} or None,
        expires_at=registration.expires_at,
    )


def _state_in(states: Collection[State]) -> Condition:
    values = [state.value for state in states]
    return RegistrationRecord.state.is_in(*values)


class RegistrationStore:
    """Intent-named writes on the registrations, guards and workshop pool tables."""

    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection or Connection()

    # -- the seat claim ------------------------------------------------------------------------

    def claim_seat(self, registration: Registration) -> None:
        """In one transaction: take the student from the pool, write the registration and the
        participant's email guard. Raises SeatTakenError (pick another student) or
        DuplicateRegistrationError (the participant already holds a seat here)."""
        pool = WorkshopRecord(registration.workshop_id)
        guard = GuardRecord(
            email_guard_id(registration.workshop_id, registration.email),
            registration_id=registration.registration_id,
        )
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.update(
                    pool,
                    actions=[
                        WorkshopRecord.free_students.delete({registration.student}),
                        WorkshopRecord.pool_version.add(1),
                    ],
                    condition=WorkshopRecord.free_students.contains(registration.student)
                    & (WorkshopRecord.active == True),  # noqa: E712 (a DynamoDB condition)
                    return_values=ALL_OLD,
                )
                transaction.save(
                    to_record(registration),
                    condition=RegistrationRecord.registration_id.does_not_exist(),
                )
                transaction.save(
                    guard, condition=GuardRecord.guard_id.does_not_exist(), return_values=ALL_OLD
                )
        except TransactWriteError as exc:
            # Which condition failed is told by the item it failed on (its key attribute).
            for reason in exc.cancellation_reasons:
                if reason is None or reason.code != CONDITION_FAILED:
                    continue
                item = reason.raw_item or {}
                if "guard_id" in item:
                    raise DuplicateRegistrationError(item["registration_id"]["S"]) from exc
            for reason in exc.cancellation_reasons:
                if reason is not None and "workshop_id" in (reason.raw_item or {}):
                    raise SeatTakenError(str(registration.student)) from exc
            raise

    # -- reads ---------------------------------------------------------------------------------

    def get(self, registration_id: str) -> Registration:
        try:
            return to_domain(RegistrationRecord.get(registration_id, consistent_read=True))
        except DoesNotExist as exc:
            raise RegistrationNotFoundError(registration_id) from exc

    def active_for(self, workshop_id: str, email: str) -> str | None:
        """The registration holding this participant's seat in the workshop, if any."""
        try:
            guard = GuardRecord.get(email_guard_id(workshop_id, email), consistent_read=True)
        except DoesNotExist:
            return None
        return guard.registration_id

    def in_state(self, state: State, changed_before: datetime) -> Iterator[Registration]:
        query = RegistrationRecord.by_state.query(
            state.value, RegistrationRecord.updated_at < changed_before
        )
        for record in query:
            yield to_domain(record)

    # -- transitions ---------------------------------------------------------------------------

    def transition(
        self,
        registration: Registration,
        to: State,
        now: datetime,
        *,
        from_: Collection[State] | None = None,
        order_id: str | None = None,
        order_verb: OrderVerb | None = None,
        error: str | None = None,
        expect_order_id: str | None = None,
        add_follow_ups: Collection[FollowUp] = (),
        end_reason: EndReason | None = None,
    ) -> Registration:
        """Move to `to` only if the stored state is still one it may come from (and, if given,
        the stored order is still `expect_order_id`). Raises InvalidTransitionError otherwise."""
        sources = set(from_ or {registration.state})
        for source in sources:
            check_transition(source, to)
        condition = _state_in(sources)
        if expect_order_id is not None:
            condition &= RegistrationRecord.order_id == expect_order_id
        actions: list[Any] = [
            RegistrationRecord.state.set(to.value),
            RegistrationRecord.updated_at.set(now),
        ]
        if order_id is not None and order_verb is not None:
            actions += [
                RegistrationRecord.order_id.set(order_id),
                RegistrationRecord.order_verb.set(order_verb.value),
            ]
        if error is not None:
            actions.append(RegistrationRecord.error.set(error[:2000]))
        if add_follow_ups:
            actions.append(RegistrationRecord.follow_ups.add({s.value for s in add_follow_ups}))
        if end_reason is not None:
            actions.append(RegistrationRecord.end_reason.set(end_reason.value))
        record = RegistrationRecord(registration.registration_id)
        try:
            record.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise InvalidTransitionError(
                    f"{registration.registration_id}: not in {sorted(sources)} any more"
                ) from exc
            raise
        return to_domain(record)

    def release_seat(
        self,
        registration: Registration,
        to: State,
        now: datetime,
        *,
        from_: Collection[State],
        error: str | None = None,
        expect_order_id: str | None = None,
    ) -> None:
        """In one transaction: move to a final state, give the student back to the pool and
        drop the email guard. Raises InvalidTransitionError if another writer came first."""
        for source in from_:
            check_transition(source, to)
        condition = _state_in(from_)
        if expect_order_id is not None:
            condition &= RegistrationRecord.order_id == expect_order_id
        actions: list[Any] = [
            RegistrationRecord.state.set(to.value),
            RegistrationRecord.updated_at.set(now),
        ]
        if error is not None:
            actions.append(RegistrationRecord.error.set(error[:2000]))
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.update(
                    RegistrationRecord(registration.registration_id),
                    actions=actions,
                    condition=condition,
                )
                transaction.update(
                    WorkshopRecord(registration.workshop_id),
                    actions=[
                        WorkshopRecord.free_students.add({registration.student}),
                        WorkshopRecord.pool_version.add(1),
                    ],
                    condition=WorkshopRecord.workshop_id.exists(),
                )
                transaction.delete(
                    GuardRecord(email_guard_id(registration.workshop_id, registration.email)),
                    condition=GuardRecord.registration_id == registration.registration_id,
                )
        except TransactWriteError as exc:
            reasons = [getattr(reason, "code", None) for reason in exc.cancellation_reasons]
            if reasons and reasons[0] == CONDITION_FAILED:
                raise InvalidTransitionError(
                    f"{registration.registration_id}: released by another writer"
                ) from exc
            raise

    # -- bookkeeping ---------------------------------------------------------------------------

    def follow_up_done(self, registration_id: str, step: FollowUp) -> frozenset[FollowUp]:
        """Strike a finished follow-up; returns those still to do."""
        record = RegistrationRecord(registration_id)
        record.update(actions=[RegistrationRecord.follow_ups.delete({step.value})])
        return frozenset(FollowUp(s) for s in record.follow_ups or ())

    def touch(self, registration: Registration, now: datetime) -> None:
        """Mark a registration as just looked after, without changing its state."""
        try:
            RegistrationRecord(registration.registration_id).update(
                actions=[RegistrationRecord.updated_at.set(now)],
                condition=RegistrationRecord.state == registration.state.value,
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise InvalidTransitionError(registration.registration_id) from exc
            raise

    @staticmethod
    def _stamp_if(
        registration_id: str, field: NumberAttribute, value: float, condition: Condition
    ) -> bool:
        """Set a timestamp only if `condition` holds (and the registration exists): the one
        writer that wins a race gets True, every other False."""
        try:
            RegistrationRecord(registration_id).update(
                actions=[field.set(value)],
                condition=condition & RegistrationRecord.registration_id.exists(),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def take_lease(self, registration_id: str, now: float, seconds: int) -> bool:
        """Only one sweep works on a registration at a time: take a short lease, or yield."""
        field = RegistrationRecord.sweep_lease_until
        free = field.does_not_exist() | (field < now)
        return self._stamp_if(registration_id, field, now + seconds, free)

    def claim_reminder(self, registration_id: str, now: float) -> bool:
        """The reminder is mailed once, however often its schedule fires."""
        field = RegistrationRecord.reminder_sent_at
        return self._stamp_if(registration_id, field, now, field.does_not_exist())

    def claim_duplicate_notice(self, registration_id: str, now: float, interval: int) -> bool:
        """At most one 'you are already registered' mail per interval, however many retries."""
        field = RegistrationRecord.duplicate_notice_at
        due = field.does_not_exist() | (field < now - interval)
        return self._stamp_if(registration_id, field, now, due)

    def suppress(self, email: str, reason: str) -> None:
        """Never mail this address again (it bounced for good, or its owner complained)."""
        GuardRecord(f"suppressed#{email.lower()}", registration_id=reason).save()

    def is_suppressed(self, email: str) -> bool:
        try:
            GuardRecord.get(f"suppressed#{email.lower()}")
        except DoesNotExist:
            return False
        return True

    def use_once(self, guard_id: str, expires_at: datetime) -> bool:
        """Record a one-time value (e.g. a callback signature); False if it was seen before."""
        try:
            GuardRecord(guard_id, expires_at=expires_at).save(
                condition=GuardRecord.guard_id.does_not_exist()
            )
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
