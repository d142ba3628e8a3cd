"""What the one-time schedules do: the reminder before the end, and the end itself.

Called by the lifecycle function (EventBridge Scheduler) and, locally, by the scheduler runner.
Both are safe to fire twice: one reminder mail, one CLEANUP/RESET order. The reminder counts as
sent only once SES accepted it; the sweep sends one that failed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from aws_lambda_powertools import Logger

from wod.domain.errors import DeliveryError, RegistrationNotFoundError
from wod.domain.registrations import EndReason, end_verb
from wod.domain.schedules import ScheduleKind
from wod.domain.states import CANCELLABLE, State
from wod.mail.render import MailKind

from .links import Hubs
from .notifications import Notifier
from .ports import Catalog, Clock, RegistrationReader, Stamps
from .sessions import Sessions

logger = Logger(child=True)

# How long one sender holds the reminder: longer than a mail takes, short enough for a retry.
REMINDER_LEASE_SECONDS = 120


class Fired(StrEnum):
    """What a schedule's firing did (also the report of the local runner and the tests)."""

    REMINDED = "reminded"
    ALREADY_SENT = "already_sent"
    MAIL_FAILED = "mail_failed"  # SES refused or failed: still owed, the sweep tries again
    ENDING = "ending"
    GONE = "gone"  # the registration's data is gone (retention)
    MOVED = "moved"  # the session was extended: its end is later now
    SKIPPED_PENDING = "skipped_pending"
    SKIPPED_DEPLOYING = "skipped_deploying"
    SKIPPED_READY = "skipped_ready"
    SKIPPED_ENDING = "skipped_ending"
    SKIPPED_ENDED = "skipped_ended"
    SKIPPED_FAILED = "skipped_failed"
    SKIPPED_CANCELLED = "skipped_cancelled"

    @classmethod
    def skipped(cls, state: State) -> Fired:
        """The registration is in a state where this schedule has nothing to do."""
        return cls(f"skipped_{state.value}")


class Lifecycle:
    def __init__(
        self,
        *,
        registrations: RegistrationReader,
        stamps: Stamps,
        catalog: Catalog,
        notifier: Notifier,
        sessions: Sessions,
        hubs: Hubs,
        clock: Clock,
    ) -> None:
        self._registrations = registrations
        self._stamps = stamps
        self._catalog = catalog
        self._notifier = notifier
        self._sessions = sessions
        self._hubs = hubs
        self._clock = clock

    def fire(self, kind: ScheduleKind, registration_id: str, at: datetime | None = None) -> Fired:
        """`at`: the time the schedule was made for (schedules made before it was carried
        have none); a schedule whose time the session no longer has was moved by an extension."""
        try:
            if kind is ScheduleKind.REMINDER:
                return self.remind(registration_id, at)
            return self.expire(registration_id, at)
        except RegistrationNotFoundError:
            return Fired.GONE

    def remind(self, registration_id: str, at: datetime | None = None) -> Fired:
        registration = self._registrations.get(registration_id)
        if registration.state is not State.READY:
            return Fired.skipped(registration.state)
        if at is not None and at != registration.reminder_at:
            return Fired.MOVED
        now = self._clock()
        lease = REMINDER_LEASE_SECONDS
        if not self._stamps.claim_reminder(registration_id, now.timestamp(), lease):
            return Fired.ALREADY_SENT
        workshop = self._catalog.get(registration.workshop_id).workshop
        minutes = max(1, round((registration.ends_at - now).total_seconds() / 60))
        try:
            self._notifier.send(
                MailKind.REMINDER,
                registration,
                workshop,
                minutes=minutes,
                start_url=self._hubs.start(registration.backend),
            )
        except DeliveryError:
            logger.warning("reminder not sent; still owed", registration_id=registration_id)
            return Fired.MAIL_FAILED
        self._stamps.reminder_sent(registration_id, self._clock().timestamp())
        logger.info("reminder sent", registration_id=registration_id)
        return Fired.REMINDED

    def expire(self, registration_id: str, at: datetime | None = None) -> Fired:
        registration = self._registrations.get(registration_id)
        if registration.state not in CANCELLABLE:
            return Fired.skipped(registration.state)
        if at is not None and at != registration.ends_at:
            return Fired.MOVED  # extended after this schedule was made: the new one ends it
        workshop = self._catalog.get(registration.workshop_id).workshop
        ending = self._sessions.end(registration, EndReason.EXPIRED, end_verb(workshop))
        if ending.state is State.ENDING and ending.end_reason is EndReason.EXPIRED:
            return Fired.ENDING
        # Another writer came first: an extension (still running), or an end.
        return Fired.MOVED if ending.state in CANCELLABLE else Fired.skipped(ending.state)
