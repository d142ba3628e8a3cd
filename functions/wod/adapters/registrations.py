"""Registrations in DynamoDB: the atomic seat claim and every state transition as a conditional
write. Called by the services; nothing above this module sees a PynamoDB or botocore error.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute
from pynamodb.connection import Connection
from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition, size
from pynamodb.transactions import TransactWrite

from wod.domain.addresses import domain_of
from wod.domain.console import Extension
from wod.domain.errors import (
    DomainFullError,
    DuplicateRegistrationError,
    InvalidTransitionError,
    RegistrationNotFoundError,
    SeatTakenError,
)
from wod.domain.locales import DEFAULT_LANGUAGE, DEFAULT_TIME_ZONE
from wod.domain.registrations import RETENTION, EndReason, FollowUp, Registration
from wod.domain.states import CANCELLABLE, FINAL, HOLDS_SEAT, State
from wod.domain.transitions import Transition
from wod_contracts.orders import OrderVerb

from .conditions import CONDITION_FAILED_REASON, condition_failed
from .models import GuardRecord, RegistrationRecord, WorkshopRecord


def email_guard_id(workshop_id: str, email: str) -> str:
    return f"email#{workshop_id}#{email}"


def domain_guard_id(workshop_id: str, email: str) -> str:
    return f"domain#{workshop_id}#{domain_of(email)}"


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
        warm_seat=bool(record.warm_seat),
        taken_at=record.taken_at,
        time_zone=record.time_zone or DEFAULT_TIME_ZONE,
        language=record.language or DEFAULT_LANGUAGE,
        email_key=record.email_key or "",
        updated_at=record.updated_at,
        ready_at=record.ready_at,
        self_extended=bool(record.self_extended),
        end_attempts=int(record.end_attempts or 0),
        reminder_sent=record.reminder_sent_at is not None,
        erase_requested=bool(record.erase_requested),
        erased=record.erased_at is not None,
    )


def to_record(registration: Registration, retention: timedelta = RETENTION) -> RegistrationRecord:
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
        warm_seat=registration.warm_seat or None,
        time_zone=registration.time_zone,
        language=registration.language,
        email_key=registration.email_key or None,
        expires_at=registration.expires_at(retention),
    )


def _condition_of(change: Transition) -> Condition:
    """What the stored registration must still be for the change to apply."""
    condition = RegistrationRecord.state.is_in(*(state.value for state in change.sources))
    if change.expect_order_id is not None:
        condition &= RegistrationRecord.order_id == change.expect_order_id
    if change.expect_ends_at is not None:
        condition &= RegistrationRecord.ends_at == change.expect_ends_at
    return condition


def _actions_of(change: Transition, now: datetime) -> list[Any]:
    actions: list[Any] = [
        RegistrationRecord.state.set(change.to.value),
        RegistrationRecord.updated_at.set(now),
    ]
    if change.new_order is not None:
        actions += [
            RegistrationRecord.order_id.set(change.new_order.order_id),
            RegistrationRecord.order_verb.set(change.new_order.verb.value),
        ]
    if change.error is not None:
        actions.append(RegistrationRecord.error.set(change.error))
    if change.add_follow_ups:
        actions.append(
            RegistrationRecord.follow_ups.add({step.value for step in change.add_follow_ups})
        )
    if change.end_reason is not None:
        actions.append(RegistrationRecord.end_reason.set(change.end_reason.value))
    if change.to is State.READY and State.READY not in change.sources:
        actions.append(RegistrationRecord.ready_at.set(now))
    if change.counts_end_attempt:
        actions.append(RegistrationRecord.end_attempts.add(1))
    return actions


class RegistrationStore:
    """Intent-named writes on the registrations, the email guards and the workshop pools.

    Implements the SeatClaims, Ledger, Backlog and Stamps ports."""

    def __init__(
        self, connection: Connection | None = None, retention: timedelta = RETENTION
    ) -> None:
        self._connection = connection or Connection()
        self._retention = retention  # how long after its end a registration is kept (TTL)

    # -- the seat claim ------------------------------------------------------------------------

    def claim_seat(self, registration: Registration, *, domain_cap: int | None = None) -> None:
        """In one transaction: take the student from the pool, write the registration and the
        participant's email guard (and, with a cap, count the seat in its domain's share).
        Raises SeatTakenError (pick another student), DuplicateRegistrationError (the
        participant already holds a seat here) or DomainFullError."""
        pool = WorkshopRecord(registration.workshop_id)
        guard = GuardRecord(
            email_guard_id(registration.workshop_id, registration.person),
            registration_id=registration.registration_id,
            # Dropped with the seat; the TTL is a backstop, never before the registration's own.
            expires_at=registration.expires_at(self._retention),
        )
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.update(
                    pool,
                    actions=[
                        WorkshopRecord.free_students.delete({registration.student}),
                        # A warm seat stops being warm, a seat being prepared stops waiting
                        # for its PREPARE (the agent runs it, then this CREATE, in order).
                        WorkshopRecord.warm_students.delete({registration.student}),
                        WorkshopRecord.preparing[str(registration.student)].remove(),
                        WorkshopRecord.pool_version.add(1),
                    ],
                    condition=WorkshopRecord.free_students.contains(registration.student)
                    & (WorkshopRecord.active == True)  # noqa: E712 (a DynamoDB condition)
                    & WorkshopRecord.closed_reason.does_not_exist(),
                    return_values=ALL_OLD,
                )
                transaction.save(
                    to_record(registration, self._retention),
                    condition=RegistrationRecord.registration_id.does_not_exist(),
                )
                transaction.save(
                    guard, condition=GuardRecord.guard_id.does_not_exist(), return_values=ALL_OLD
                )
                if domain_cap is not None:
                    transaction.update(
                        GuardRecord(domain_guard_id(registration.workshop_id, registration.person)),
                        actions=[GuardRecord.holders.add({registration.registration_id})],
                        condition=GuardRecord.holders.does_not_exist()
                        | (size(GuardRecord.holders) < domain_cap),  # type: ignore[no-untyped-call]
                        return_values=ALL_OLD,
                    )
        except TransactWriteError as exc:
            # Which condition failed is told by the item it failed on (its key attribute; the
            # reasons' order is not relied on: moto does not keep it). A duplicate wins.
            failed = [
                reason.raw_item or {}
                for reason in exc.cancellation_reasons
                if reason is not None and reason.code == CONDITION_FAILED_REASON
            ]
            for item in failed:
                if item.get("guard_id", {}).get("S", "").startswith("email#"):
                    raise DuplicateRegistrationError(item["registration_id"]["S"]) from exc
            for item in failed:
                if item.get("guard_id", {}).get("S", "").startswith("domain#"):
                    raise DomainFullError(domain_of(registration.person)) from exc
            for item in failed:
                if "workshop_id" in item and "registration_id" not in item:
                    raise SeatTakenError(str(registration.student)) from exc
            raise

    # -- reads ---------------------------------------------------------------------------------

    def get(self, registration_id: str) -> Registration:
        try:
            return to_domain(RegistrationRecord.get(registration_id, consistent_read=True))
        except DoesNotExist as exc:
            raise RegistrationNotFoundError(registration_id) from exc

    def holder(self, workshop_id: str, person: str) -> str | None:
        """The registration holding this participant's seat in the workshop, if any."""
        try:
            guard = GuardRecord.get(email_guard_id(workshop_id, person), consistent_read=True)
        except DoesNotExist:
            return None
        return guard.registration_id

    def roster(
        self, workshop_id: str | None = None, state: State | None = None
    ) -> Iterator[Registration]:
        """A scan (the organizer's list, status and report: rare reads of a small table)."""
        condition: Condition | None = None
        if workshop_id is not None:
            condition = RegistrationRecord.workshop_id == workshop_id
        if state is not None:
            by_state = RegistrationRecord.state == state.value
            condition = by_state if condition is None else condition & by_state
        for record in RegistrationRecord.scan(condition, consistent_read=True):
            yield to_domain(record)

    def in_state(self, state: State, changed_before: datetime) -> Iterator[Registration]:
        query = RegistrationRecord.by_state.query(
            state.value, RegistrationRecord.updated_at < changed_before
        )
        for record in query:
            yield to_domain(record)

    def of_address(self, email: str) -> list[Registration]:
        """Every registration of this address (a scan: an organizer's rare purge, not a hot
        path; the table holds only the retention period's registrations)."""
        scan = RegistrationRecord.scan(RegistrationRecord.email == email, consistent_read=True)
        return [to_domain(record) for record in scan]

    # -- personal data -------------------------------------------------------------------------

    def request_erasure(self, registration_id: str) -> bool:
        """Erase once the seat is back; False if it does not hold a seat (any more)."""
        try:
            RegistrationRecord(registration_id).update(
                actions=[RegistrationRecord.erase_requested.set(True)],
                condition=RegistrationRecord.state.is_in(*(s.value for s in HOLDS_SEAT)),
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def erase(self, registration_id: str, now: datetime) -> bool:
        """Wipe the personal fields of a settled registration (what is left: workshop, seat,
        times, state, for the seat accounting); False if it still holds a seat."""
        try:
            RegistrationRecord(registration_id).update(
                actions=[
                    RegistrationRecord.email.set(""),
                    RegistrationRecord.email_key.remove(),
                    RegistrationRecord.first_name.set(""),
                    RegistrationRecord.last_name.set(""),
                    RegistrationRecord.company.set(""),
                    RegistrationRecord.error.remove(),
                    RegistrationRecord.erase_requested.remove(),
                    RegistrationRecord.erased_at.set(now),
                ],
                condition=RegistrationRecord.state.is_in(*(s.value for s in FINAL)),
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    # -- transitions ---------------------------------------------------------------------------

    def apply(self, registration: Registration, change: Transition, now: datetime) -> Registration:
        """One conditional write; a change to a final state is one transaction with the pool
        (the student goes back) and the email guard (dropped)."""
        if change.releases_seat:
            self._release(registration, change, now)
            return registration.with_state(change.to)
        record = RegistrationRecord(registration.registration_id)
        try:
            record.update(actions=_actions_of(change, now), condition=_condition_of(change))
        except UpdateError as exc:
            if condition_failed(exc):
                raise InvalidTransitionError(
                    f"{registration.registration_id}: not in {sorted(change.sources)} any more"
                ) from exc
            raise
        return to_domain(record)

    def _release(self, registration: Registration, change: Transition, now: datetime) -> None:
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.update(
                    RegistrationRecord(registration.registration_id),
                    actions=_actions_of(change, now),
                    condition=_condition_of(change),
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
                    GuardRecord(email_guard_id(registration.workshop_id, registration.person)),
                    condition=GuardRecord.registration_id == registration.registration_id,
                )
                # Unconditional: a no-op for a seat that was not counted (exempt domain).
                transaction.update(
                    GuardRecord(domain_guard_id(registration.workshop_id, registration.person)),
                    actions=[GuardRecord.holders.delete({registration.registration_id})],
                )
        except TransactWriteError as exc:
            reasons = [getattr(reason, "code", None) for reason in exc.cancellation_reasons]
            if reasons and reasons[0] == CONDITION_FAILED_REASON:
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

    def note_taken(self, registration: Registration, order_id: str, now: datetime) -> bool:
        """The agent took the registration's current order: the stuck clock starts now. Once
        per order (a repeated progress report keeps the first time); False if it is not the
        current order of a seat on its way any more."""
        condition = (
            RegistrationRecord.state.is_in(State.PENDING.value, State.DEPLOYING.value)
            & (RegistrationRecord.order_id == order_id)
            & RegistrationRecord.taken_at.does_not_exist()
        )
        try:
            RegistrationRecord(registration.registration_id).update(
                actions=[RegistrationRecord.taken_at.set(now)], condition=condition
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def extend(
        self,
        registration: Registration,
        extension: Extension,
        now: datetime,
        *,
        by_participant: bool = False,
    ) -> Registration:
        """Move the end, if the session still runs towards the end that was read: of an
        extension and an expiry racing, the first write wins and the other sees it."""
        condition = RegistrationRecord.state.is_in(*(s.value for s in CANCELLABLE)) & (
            RegistrationRecord.ends_at == registration.ends_at
        )
        actions: list[Any] = [
            RegistrationRecord.ends_at.set(extension.ends_at),
            RegistrationRecord.reminder_at.set(extension.reminder_at),
            RegistrationRecord.expires_at.set(extension.ends_at + RETENTION),
            # The reminder is due again before the new end.
            RegistrationRecord.reminder_sent_at.remove(),
            RegistrationRecord.reminder_lease_until.remove(),
        ]
        if by_participant:
            condition &= RegistrationRecord.self_extended.does_not_exist()
            actions.append(RegistrationRecord.self_extended.set(True))
        record = RegistrationRecord(registration.registration_id)
        try:
            record.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if condition_failed(exc):
                raise InvalidTransitionError(
                    f"{registration.registration_id}: ended or moved meanwhile"
                ) from exc
            raise
        return to_domain(record)

    def touch(self, registration: Registration, now: datetime) -> None:
        """Mark a registration as just looked after, without changing its state."""
        try:
            RegistrationRecord(registration.registration_id).update(
                actions=[RegistrationRecord.updated_at.set(now)],
                condition=RegistrationRecord.state == registration.state.value,
            )
        except UpdateError as exc:
            if condition_failed(exc):
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
            if condition_failed(exc):
                return False
            raise
        return True

    def take_lease(self, registration_id: str, now: float, seconds: int) -> bool:
        """Only one sweep works on a registration at a time: take a short lease, or yield."""
        field = RegistrationRecord.sweep_lease_until
        free = field.does_not_exist() | (field < now)
        return self._stamp_if(registration_id, field, now + seconds, free)

    def claim_reminder(self, registration_id: str, now: float, seconds: int) -> bool:
        """A short lease on sending the reminder: one sender at a time, and none once it was
        sent. A sender that failed (or died) leaves it to the next after the lease."""
        lease = RegistrationRecord.reminder_lease_until
        due = RegistrationRecord.reminder_sent_at.does_not_exist() & (
            lease.does_not_exist() | (lease < now)
        )
        return self._stamp_if(registration_id, lease, now + seconds, due)

    def reminder_sent(self, registration_id: str, now: float) -> None:
        """SES accepted the reminder: it is never sent again."""
        field = RegistrationRecord.reminder_sent_at
        self._stamp_if(registration_id, field, now, field.does_not_exist())

    def claim_duplicate_notice(self, registration_id: str, now: float, interval: int) -> bool:
        """At most one 'you are already registered' mail per interval, however many retries."""
        field = RegistrationRecord.duplicate_notice_at
        due = field.does_not_exist() | (field < now - interval)
        return self._stamp_if(registration_id, field, now, due)

    def release_duplicate_notice(self, registration_id: str, claimed: float) -> None:
        """The notice was not sent after all: the next attempt may send it."""
        field = RegistrationRecord.duplicate_notice_at
        try:
            RegistrationRecord(registration_id).update(
                actions=[field.remove()], condition=field == claimed
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
