"""Ending a session (early, at expiry, or because it never got going), retrying an end order
that failed, re-issuing credentials that could not be mailed, and the last mail.

Called by the participant's early end, the expiry schedule, the sweep, the agent's callback and
(for `reissue`) an organizer's tool.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from wod.domain import tokens
from wod.domain.console import plan_extension
from wod.domain.errors import AlreadyEndedError, DeliveryError, InvalidTransitionError
from wod.domain.registrations import MAX_END_ATTEMPTS, EndReason, Registration
from wod.domain.schedules import ScheduleKind
from wod.domain.states import CANCELLABLE, State
from wod.domain.transitions import to_end_retried, to_ending, to_reissued
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

    def retry_end(
        self, registration: Registration, error: str, *, queue_if_escalated: bool = False
    ) -> Registration:
        """The current end order failed (or went unanswered): queue a new attempt with a new
        order id, so that the agent, whose journal holds the old one as done, carries it out.
        The seat stays held; past MAX_END_ATTEMPTS the registration is escalated (an operator
        should look) and still retried, but at the sweep's pace (`queue_if_escalated` is the
        sweep's), not at once: a backend that fails at once must not make a loop of it.
        Returns the registration as stored; unchanged if another writer moved it first."""
        workshop = self._catalog.get(registration.workshop_id).workshop
        change = to_end_retried(registration.order_id, registration.order_verb, error)
        try:
            retried = self._ledger.apply(registration, change, self._clock())
        except InvalidTransitionError:
            return self._ledger.get(registration.registration_id)
        log = logger.error if retried.escalated else logger.warning
        log(
            "end order failed; a new attempt is queued",
            registration_id=retried.registration_id,
            attempts=retried.end_attempts,
            escalated=retried.escalated,
            max_attempts=MAX_END_ATTEMPTS,
        )
        if retried.escalated and not queue_if_escalated:
            return retried  # the END_ORDER follow-up waits for the sweep
        return self._follow_ups.finish(retried, workshop)

    def reissue(self, registration_id: str) -> Registration:
        """A fresh password for a running seat, set by the agent (a REISSUE order) and mailed
        by its callback: for credentials that could not be mailed (the sweep) or were lost (an
        organizer). Returns the registration as stored. Raises RegistrationNotFoundError,
        AlreadyEndedError (no running session) or InvalidTransitionError (it changed
        meanwhile)."""
        registration = self._ledger.get(registration_id)
        if registration.state is not State.READY:
            raise AlreadyEndedError(f"{registration_id} is {registration.state.value}, not ready")
        workshop = self._catalog.get(registration.workshop_id).workshop
        reissued = self._ledger.apply(
            registration, to_reissued(registration.order_id), self._clock()
        )
        logger.info("credentials re-issued", registration_id=registration_id)
        return self._follow_ups.finish(reissued, workshop)

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
