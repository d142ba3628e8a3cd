"""What the one-time schedules do: the reminder before the end, and the end itself.

Called by the lifecycle function (EventBridge Scheduler) and, locally, by the scheduler runner.
Both are safe to fire twice: one reminder mail, one CLEANUP/RESET order.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from wod.adapters.schedules import ScheduleKind
from wod.domain.errors import RegistrationNotFoundError
from wod.domain.registrations import EndReason, end_verb
from wod.domain.states import CANCELLABLE, State
from wod.mail.render import MailKind

from .registrations import RegistrationService

logger = Logger(child=True)


class Lifecycle:
    def __init__(self, service: RegistrationService) -> None:
        self.service = service

    def fire(self, kind: ScheduleKind, registration_id: str) -> str:
        try:
            if kind is ScheduleKind.REMINDER:
                return self.remind(registration_id)
            return self.expire(registration_id)
        except RegistrationNotFoundError:
            return "gone"

    def remind(self, registration_id: str) -> str:
        service = self.service
        registration = service.registrations.get(registration_id)
        if registration.state is not State.READY:
            return f"skipped_{registration.state.value}"
        now = service.clock()
        if not service.registrations.claim_reminder(registration_id, now.timestamp()):
            return "already_sent"
        workshop = service.workshops.get(registration.workshop_id).workshop
        minutes = max(1, round((registration.ends_at - now).total_seconds() / 60))
        hub = service.hubs.get(registration.backend, "")
        service.notifier.send(
            MailKind.REMINDER,
            registration,
            workshop,
            minutes=minutes,
            start_url=service.notifier.links.start(hub),
        )
        logger.info("reminder sent", registration_id=registration_id)
        return "reminded"

    def expire(self, registration_id: str) -> str:
        service = self.service
        registration = service.registrations.get(registration_id)
        if registration.state not in CANCELLABLE:
            return f"skipped_{registration.state.value}"
        workshop = service.workshops.get(registration.workshop_id).workshop
        service.end_session(registration, EndReason.EXPIRED, end_verb(workshop))
        return "ending"
