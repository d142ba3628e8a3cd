"""The periodic sweep: finishes follow-ups that failed after a seat was taken, or gives the seat
back when the backend was never told. Run every few minutes by EventBridge (and by the local
stack). Each registration is leased first, so two sweeps running at once act once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from wod.domain.errors import DeliveryError, InvalidTransitionError
from wod.domain.registrations import EndReason, FollowUp, Registration, end_verb
from wod.domain.states import State
from wod.mail.render import MailKind
from wod_contracts.orders import OrderVerb

from .registrations import RegistrationService

logger = Logger(child=True)

LEASE_SECONDS = 120


class Sweeper:
    def __init__(
        self,
        service: RegistrationService,
        *,
        grace_seconds: int,
        give_up_seconds: int,
        stuck_after_seconds: int = 600,
    ) -> None:
        self.service = service
        self.grace = timedelta(seconds=grace_seconds)
        self.give_up = timedelta(seconds=give_up_seconds)
        self.stuck_after = timedelta(seconds=stuck_after_seconds)

    def run(self) -> dict[str, str]:
        """One pass; returns what was done to each registration it looked at, by id."""
        now = self.service.clock()
        report: dict[str, str] = {}
        store = self.service.registrations
        for state in (State.PENDING, State.ENDING):
            for registration in store.in_state(state, now - self.grace):
                if not registration.follow_ups:
                    continue
                rid = registration.registration_id
                if not store.take_lease(rid, now.timestamp(), LEASE_SECONDS):
                    report[rid] = "leased_elsewhere"
                    continue
                report[rid] = self._guarded(self._sweep_one, registration)
        for registration in self._overdue(now):
            rid = registration.registration_id
            if rid in report:
                continue
            if not store.take_lease(rid, now.timestamp(), LEASE_SECONDS):
                report[rid] = "leased_elsewhere"
                continue
            report[rid] = self._guarded(self._end_overdue, registration)
        return report

    @staticmethod
    def _guarded(step: Callable[[Registration], str], registration: Registration) -> str:
        """One registration's trouble is logged and reported; the sweep goes on with the rest."""
        try:
            return step(registration)
        except Exception:
            logger.exception("sweep step failed", registration_id=registration.registration_id)
            return "error"

    def _overdue(self, now: datetime) -> Iterator[Registration]:
        """Seats never ready in time, sessions past their end, and ends never confirmed."""
        store = self.service.registrations
        for state in (State.PENDING, State.DEPLOYING):
            for registration in store.in_state(state, now - self.stuck_after):
                if FollowUp.CREATE_ORDER not in registration.follow_ups:
                    yield registration
        for registration in store.in_state(State.READY, now):
            if registration.ends_at < now - self.grace:  # its expiry schedule was lost
                yield registration
        yield from store.in_state(State.ENDING, now - self.stuck_after)

    def _end_overdue(self, registration: Registration) -> str:
        service = self.service
        workshop = service.workshops.get(registration.workshop_id).workshop
        if registration.state is State.ENDING:
            # The agent never confirmed: send the same order again (it is idempotent by id).
            try:
                service.registrations.touch(registration, service.clock())
            except InvalidTransitionError:
                return "moved_meanwhile"
            service.queues.send(service.order_for(registration))
            return "end_order_resent"
        if registration.state is State.READY:
            service.end_session(registration, EndReason.EXPIRED, end_verb(workshop))
            return "expired"
        ending = service.end_session(registration, EndReason.STUCK, OrderVerb.CLEANUP)
        if ending.end_reason is EndReason.STUCK:
            try:
                service.notifier.send(MailKind.APOLOGY, registration, workshop)
            except DeliveryError:
                logger.warning("apology not sent", registration_id=registration.registration_id)
        return "stuck"

    def _sweep_one(self, registration: Registration) -> str:
        service = self.service
        workshop = service.workshops.get(registration.workshop_id).workshop
        now = service.clock()
        never_ordered = FollowUp.CREATE_ORDER in registration.follow_ups
        if (
            registration.state is State.PENDING
            and never_ordered
            and (now - registration.created_at > self.give_up)
        ):
            # The backend never heard of this seat, so nothing needs wiping: give it back.
            try:
                service.registrations.release_seat(
                    registration,
                    State.CANCELLED,
                    now,
                    from_={State.PENDING},
                    error="the order could not be queued",
                )
            except InvalidTransitionError:
                return "moved_meanwhile"
            try:
                service.notifier.send(MailKind.APOLOGY, registration, workshop)
            except DeliveryError:
                logger.warning("apology not sent", registration_id=registration.registration_id)
            logger.warning("seat given back", registration_id=registration.registration_id)
            return "cancelled"
        after = service.follow_up(registration, workshop)
        return "repaired" if not after.follow_ups else "still_failing"


def tally(report: dict[str, str]) -> dict[str, int]:
    return dict(Counter(report.values()))
