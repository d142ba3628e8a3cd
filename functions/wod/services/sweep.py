"""The periodic sweep: finishes follow-ups that failed after a seat was taken, or gives the seat
back when the backend was never told. Run every few minutes by EventBridge (and by the local
stack). Each registration is leased first, so two sweeps running at once act once.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from aws_lambda_powertools import Logger

from wod.domain.errors import DeliveryError, InvalidTransitionError
from wod.domain.registrations import FollowUp, Registration
from wod.domain.states import State
from wod.mail.render import MailKind

from .registrations import RegistrationService

logger = Logger(child=True)

LEASE_SECONDS = 120


class Sweeper:
    def __init__(
        self, service: RegistrationService, *, grace_seconds: int, give_up_seconds: int
    ) -> None:
        self.service = service
        self.grace = timedelta(seconds=grace_seconds)
        self.give_up = timedelta(seconds=give_up_seconds)

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
                report[rid] = self._sweep_one(registration)
        return report

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
