"""Ending a session (early, at expiry, or because it never got going) and the last mail.

Called by the participant's early end, the expiry schedule, the sweep and the agent's callback.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from wod.domain import tokens
from wod.domain.console import plan_extension
from wod.domain.errors import DeliveryError, InvalidTransitionError
from wod.domain.registrations import EndReason, Registration
from wod.domain.schedules import ScheduleKind
from wod.domain.states import CANCELLABLE
from wod.domain.transitions import to_ending
from wod.mail.render import MailKind
from wod_contracts.orders import OrderVerb
from wod_contracts.workshop import Workshop

from .follow_ups import FollowUps
from .notifications import Notifier
from .ports import Catalog, Clock, Ledger, Schedules

logger = Logger(child=True)


class Sessions:
    def __init__(
        self,
        *,
        catalog: Catalog,
        ledger: Ledger,
        schedules: Schedules,
        follow_ups: FollowUps,
        notifier: Notifier,
        token_key: bytes,
        clock: Clock,
    ) -> None:
        self._catalog = catalog
        self._ledger = ledger
        self._schedules = schedules
        self._follow_ups = follow_ups
        self._notifier = notifier
        self._token_key = token_key
        self._clock = clock

    def end(self, registration: Registration, reason: EndReason, verb: OrderVerb) -> Registration:
        """Queue the order that wipes (or resets) the seat; the seat is freed by its callback.

        Conditional on the state read: if another writer moved the registration meanwhile,
        the latest state decides (an ending or ended session is left alone). An expiry is also
        conditional on the end read: an extension written first wins, and this does nothing."""
        workshop = self._catalog.get(registration.workshop_id).workshop
        expect_ends_at = registration.ends_at if reason is EndReason.EXPIRED else None
        try:
            ending = self._ledger.apply(
                registration,
                to_ending(registration.state, reason, verb, expect_ends_at),
                self._clock(),
            )
        except InvalidTransitionError:
            latest = self._ledger.get(registration.registration_id)
            moved = expect_ends_at is not None and latest.ends_at != expect_ends_at
            if latest.state in CANCELLABLE and not moved:
                return self.end(latest, reason, verb)
            return latest
        if reason is not EndReason.EXPIRED:  # an expiry's own schedule has fired already
            self.unschedule(registration.registration_id)
        logger.info("session ending", registration_id=ending.registration_id, reason=reason.value)
        return self._follow_ups.finish(ending, workshop)

    def extend(
        self,
        registration: Registration,
        minutes: int,
        workshop: Workshop,
        *,
        by_participant: bool = False,
    ) -> Registration:
        """Move the end by `minutes`: the stored end first (conditional on the end read, so a
        racing expiry and this never both win), then the schedules, then the mail with the new
        end. Raises InvalidTransitionError if the session ended or moved meanwhile."""
        extension = plan_extension(registration, minutes, workshop.reminder_minutes)
        extended = self._ledger.extend(
            registration, extension, self._clock(), by_participant=by_participant
        )
        self.reschedule(extended)
        self._notifier.send_best_effort(MailKind.EXTENDED, extended, workshop, minutes=minutes)
        logger.info(
            "session extended",
            registration_id=extended.registration_id,
            minutes=minutes,
            by_participant=by_participant,
        )
        return extended

    def reschedule(self, registration: Registration) -> None:
        """The reminder and expiry at the registration's (new) times. A schedule that stays
        behind (a failed delete) finds the end moved and does nothing; the sweep ends a session
        whose expiry was lost."""
        self.unschedule(registration.registration_id)
        when = {
            ScheduleKind.REMINDER: registration.reminder_at,
            ScheduleKind.EXPIRY: registration.ends_at,
        }
        for kind, at in when.items():
            try:
                self._schedules.create(registration.registration_id, kind, at)
            except DeliveryError:
                logger.warning("schedule not created", registration_id=registration.registration_id)

    def unschedule(self, registration_id: str) -> None:
        """Drop the reminder and the expiry (best effort: a stray one finds nothing to do)."""
        for kind in ScheduleKind:
            try:
                self._schedules.delete(registration_id, kind)
            except DeliveryError:
                logger.warning("schedule not deleted", registration_id=registration_id)

    def farewell(self, registration: Registration) -> None:
        """The thank-you mail once the seat is wiped: survey, badge, a LinkedIn share link."""
        workshop = self._catalog.get(registration.workshop_id).workshop
        links = self._notifier.links
        badge_url = links.badge(
            registration.registration_id,
            tokens.badge_token(self._token_key, registration.registration_id),
        )
        self._notifier.send_best_effort(
            MailKind.THANKS,
            registration,
            workshop,
            survey_url=str(workshop.survey_url or self._notifier.branding.survey_url),
            badge_url=badge_url,
            linkedin_url=links.linkedin_share(badge_url),
        )
