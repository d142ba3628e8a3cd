"""Registering, following up, showing and ending a participant's registration.

Called by the API routes and the sweep. The seat is taken in one conditional transaction;
everything after it (welcome mail, CREATE order, schedules) is a follow-up that is struck off
when done, so a failure leaves a visible to-do that the sweep finishes.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from wod.adapters.schedules import ScheduleKind
from wod.domain import tokens
from wod.domain.badges import earned
from wod.domain.errors import (
    AlreadyEndedError,
    ConfigurationError,
    DeliveryError,
    DuplicateRegistrationError,
    InvalidTransitionError,
    RegistrationNotFoundError,
    SeatTakenError,
    SuppressedAddressError,
    WorkshopFullError,
    WorkshopNotFoundError,
)
from wod.domain.participants import RegistrationRequest
from wod.domain.registrations import (
    START_FOLLOW_UPS,
    EndReason,
    FollowUp,
    Registration,
    choose_student,
    new_id,
    plan_registration,
)
from wod.domain.states import CANCELLABLE, State
from wod.mail.render import MailKind
from wod_contracts.orders import Order, OrderVerb
from wod_contracts.workshop import Workshop

from .notifications import Notifier
from .ports import Clock, OrderQueues, Registrations, Schedules, Workshops

logger = Logger(child=True)


@dataclass(frozen=True)
class Outcome:
    """What a registration request led to: a new seat, or the participant's existing one."""

    registration: Registration
    duplicate: bool


@dataclass(frozen=True)
class StatusView:
    registration: Registration
    workshop: Workshop
    start_url: str | None


class RegistrationService:
    def __init__(
        self,
        *,
        workshops: Workshops,
        registrations: Registrations,
        notifier: Notifier,
        queues: OrderQueues,
        schedules: Schedules,
        hubs: dict[str, str],
        token_key: bytes,
        clock: Clock,
        duplicate_notice_interval: int = 600,
    ) -> None:
        self.workshops = workshops
        self.registrations = registrations
        self.notifier = notifier
        self.queues = queues
        self.schedules = schedules
        self.hubs = hubs
        self.token_key = token_key
        self.clock = clock
        self.duplicate_notice_interval = duplicate_notice_interval

    # -- registering ---------------------------------------------------------------------------

    def register(self, request: RegistrationRequest) -> Outcome:
        seats = self.workshops.get(request.workshop_id, consistent=True)
        if not seats.workshop.active:
            raise WorkshopNotFoundError(request.workshop_id)
        email = request.normalized_email
        if self.registrations.is_suppressed(email):
            raise SuppressedAddressError(email)
        # Every failed claim means another participant took a seat (or left the guard), so the
        # loop ends: the pool empties or a claim succeeds. The bound only guards against bugs.
        for _ in range(2 * seats.workshop.capacity + 10):
            try:
                student = choose_student(seats.free_students)
            except WorkshopFullError:
                holder = self.registrations.active_for(request.workshop_id, email)
                if holder:
                    return self._duplicate(holder, seats.workshop)
                raise
            registration = plan_registration(request, seats.workshop, student, self.clock())
            try:
                self.registrations.claim_seat(registration)
            except SeatTakenError:
                seats = self.workshops.get(request.workshop_id, consistent=True)
                continue
            except DuplicateRegistrationError as exc:
                return self._duplicate(exc.registration_id, seats.workshop)
            logger.info(
                "seat claimed",
                registration_id=registration.registration_id,
                workshop_id=registration.workshop_id,
                student=student,
            )
            return Outcome(self.follow_up(registration, seats.workshop), duplicate=False)
        raise WorkshopFullError(request.workshop_id)

    def _duplicate(self, registration_id: str, workshop: Workshop) -> Outcome:
        registration = self.registrations.get(registration_id)
        now = self.clock().timestamp()
        if self.registrations.claim_duplicate_notice(
            registration_id, now, self.duplicate_notice_interval
        ):
            try:
                self.notifier.send(MailKind.ALREADY_REGISTERED, registration, workshop)
            except DeliveryError:
                logger.warning("duplicate notice not sent", registration_id=registration_id)
        return Outcome(registration, duplicate=True)

    # -- follow-ups ----------------------------------------------------------------------------

    def follow_up(self, registration: Registration, workshop: Workshop) -> Registration:
        """Do what is left to do after the seat was taken; returns the registration as stored.

        Safe to repeat: the order keeps its id (SQS deduplicates it, the agent is idempotent by
        it), schedules have fixed names, and a step is struck off only once it succeeded.
        """
        remaining = set(registration.follow_ups)
        for step in (*START_FOLLOW_UPS, FollowUp.END_ORDER):
            if step not in remaining:
                continue
            try:
                self._do(step, registration, workshop)
            except (DeliveryError, ConfigurationError) as exc:
                # A misrouted backend is an operator's fix away: keep the to-do, like a failed
                # delivery, so the sweep finishes it (or gives the seat back) once it is fixed.
                logger.warning(
                    "follow-up failed; the sweep will retry",
                    registration_id=registration.registration_id,
                    step=step.value,
                    error=str(exc),
                )
                continue
            remaining = set(self.registrations.follow_up_done(registration.registration_id, step))
        if not remaining & set(START_FOLLOW_UPS) and registration.state is State.PENDING:
            try:
                return self.registrations.transition(registration, State.DEPLOYING, self.clock())
            except InvalidTransitionError:
                pass  # the agent's callback (or an early end) came first
        return self.registrations.get(registration.registration_id)

    def _do(self, step: FollowUp, registration: Registration, workshop: Workshop) -> None:
        if step is FollowUp.WELCOME_MAIL:
            self.notifier.send(MailKind.WELCOME, registration, workshop)
        elif step in (FollowUp.CREATE_ORDER, FollowUp.END_ORDER):
            self.queues.send(self.order_for(registration))
        elif step is FollowUp.SCHEDULES:
            self.schedules.create(
                registration.registration_id, ScheduleKind.REMINDER, registration.reminder_at
            )
            self.schedules.create(
                registration.registration_id, ScheduleKind.EXPIRY, registration.ends_at
            )

    def order_for(self, registration: Registration) -> Order:
        return Order(
            order_id=registration.order_id,
            verb=registration.order_verb,
            registration_id=registration.registration_id,
            workshop_id=registration.workshop_id,
            backend=registration.backend,
            student=registration.student,
            callback_token=tokens.callback_token(self.token_key, registration.order_id),
            issued_at=self.clock(),
            ends_at=registration.ends_at,
        )

    def farewell(self, registration: Registration) -> None:
        """The thank-you mail once the seat is wiped: survey, badge, a LinkedIn share link."""
        workshop = self.workshops.get(registration.workshop_id).workshop
        links = self.notifier.links
        badge_url = links.badge(
            registration.registration_id,
            tokens.badge_token(self.token_key, registration.registration_id),
        )
        try:
            self.notifier.send(
                MailKind.THANKS,
                registration,
                workshop,
                survey_url=str(workshop.survey_url or self.notifier.branding.survey_url),
                badge_url=badge_url,
                linkedin_url=links.linkedin_share(badge_url),
            )
        except DeliveryError:
            logger.warning("thanks mail not sent", registration_id=registration.registration_id)

    # -- the participant's view ----------------------------------------------------------------

    def authorized(self, registration_id: str, token: str | None) -> Registration:
        """The registration, if the token is its status token; otherwise 'not found' (no hint)."""
        expected = tokens.status_token(self.token_key, registration_id)
        if not tokens.matches(expected, token):
            raise RegistrationNotFoundError(registration_id)
        return self.registrations.get(registration_id)

    def status(self, registration_id: str, token: str | None) -> StatusView:
        registration = self.authorized(registration_id, token)
        workshop = self.workshops.get(registration.workshop_id).workshop
        start_url = None
        if registration.state is State.READY and registration.backend in self.hubs:
            start_url = self.notifier.links.start(self.hubs[registration.backend])
        return StatusView(registration, workshop, start_url)

    def badge(self, registration_id: str, token: str | None) -> tuple[Registration, Workshop]:
        """A finished session's badge; 'not found' for a wrong token or an unfinished session."""
        expected = tokens.badge_token(self.token_key, registration_id)
        if not tokens.matches(expected, token):
            raise RegistrationNotFoundError(registration_id)
        registration = self.registrations.get(registration_id)
        if not earned(registration):
            raise RegistrationNotFoundError(registration_id)
        return registration, self.workshops.get(registration.workshop_id).workshop

    def end_early(self, registration_id: str, token: str | None) -> Registration:
        """The participant ends the session: a CLEANUP order wipes the seat and frees it."""
        registration = self.authorized(registration_id, token)
        if registration.state is State.ENDING:
            return registration
        if registration.state not in CANCELLABLE:
            raise AlreadyEndedError(registration_id)
        return self.end_session(registration, EndReason.ENDED_EARLY, OrderVerb.CLEANUP)

    def end_session(
        self, registration: Registration, reason: EndReason, verb: OrderVerb
    ) -> Registration:
        """Queue the order that wipes (or resets) the seat; the seat is freed by its callback.

        Conditional on the state read: if another writer moved the registration meanwhile,
        the latest state decides (an ending or ended session is left alone)."""
        workshop = self.workshops.get(registration.workshop_id).workshop
        try:
            ending = self.registrations.transition(
                registration,
                State.ENDING,
                self.clock(),
                order_id=new_id(),
                order_verb=verb,
                add_follow_ups=(FollowUp.END_ORDER,),
                end_reason=reason,
            )
        except InvalidTransitionError:
            latest = self.registrations.get(registration.registration_id)
            if latest.state in CANCELLABLE:
                return self.end_session(latest, reason, verb)
            return latest
        if reason is not EndReason.EXPIRED:  # an expiry's own schedule has fired already
            for kind in ScheduleKind:
                try:
                    self.schedules.delete(registration.registration_id, kind)
                except DeliveryError:
                    logger.warning("schedule not deleted", registration_id=ending.registration_id)
        logger.info("session ending", registration_id=ending.registration_id, reason=reason.value)
        return self.follow_up(ending, workshop)
