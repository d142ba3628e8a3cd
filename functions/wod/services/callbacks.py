"""What the API does when the backend agent reports an order done or failed.

Authenticated twice: the request is signed with the shared secret (and a signature is accepted
once), and the body carries the one-time token of its order, so a leaked order cannot touch
another registration. Every state change is conditional on the order still being current.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

from aws_lambda_powertools import Logger

from wod.adapters.schedules import ScheduleKind
from wod.domain import tokens
from wod.domain.errors import (
    DeliveryError,
    ForbiddenCallbackError,
    InvalidTransitionError,
    OrderNotCurrentError,
    RegistrationNotFoundError,
    UnauthorizedCallbackError,
)
from wod.domain.registrations import EndReason, FollowUp, Registration
from wod.domain.states import State
from wod.mail.render import MailKind
from wod_contracts import signing
from wod_contracts.callbacks import AgentCallback, Outcome
from wod_contracts.orders import OrderVerb

from .registrations import RegistrationService

logger = Logger(child=True)

REPLAY_WINDOW = timedelta(seconds=2 * signing.TOLERANCE_SECONDS)


class CallbackService:
    def __init__(self, service: RegistrationService, secret: Callable[[], bytes]) -> None:
        self.service = service
        self._secret = secret

    def handle(self, headers: Mapping[str, str], body: bytes) -> Registration:
        callback = self._authenticate(headers, body)
        registration = self._authorize(callback)
        if callback.verb is OrderVerb.CREATE:
            if callback.outcome is Outcome.SUCCEEDED:
                return self._created(registration, callback)
            return self._create_failed(registration, callback)
        if callback.outcome is Outcome.SUCCEEDED:
            return self._ended(registration, callback)
        logger.error(
            "the backend could not wipe a seat",
            registration_id=registration.registration_id,
            error=callback.error,
        )
        return registration

    # -- authentication ------------------------------------------------------------------------

    def _authenticate(self, headers: Mapping[str, str], body: bytes) -> AgentCallback:
        now = self.service.clock()
        try:
            signature = signing.verify(self._secret(), headers, body, now.timestamp())
        except signing.SignatureError as exc:
            raise UnauthorizedCallbackError(str(exc)) from exc
        if not self.service.registrations.use_once(f"signature#{signature}", now + REPLAY_WINDOW):
            raise UnauthorizedCallbackError("replayed request")
        # A signed but malformed body raises ValidationError: a 422 naming the fields.
        return AgentCallback.model_validate_json(body)

    def _authorize(self, callback: AgentCallback) -> Registration:
        expected = tokens.callback_token(self.service.token_key, callback.order_id)
        if not tokens.matches(expected, callback.callback_token):
            raise ForbiddenCallbackError(callback.order_id)
        try:
            registration = self.service.registrations.get(callback.registration_id)
        except RegistrationNotFoundError as exc:
            raise ForbiddenCallbackError(callback.registration_id) from exc
        if (
            registration.order_id != callback.order_id
            or registration.order_verb is not callback.verb
        ):
            raise OrderNotCurrentError(callback.order_id)
        return registration

    # -- outcomes ------------------------------------------------------------------------------

    def _created(self, registration: Registration, callback: AgentCallback) -> Registration:
        service = self.service
        try:
            ready = service.registrations.transition(
                registration,
                State.READY,
                service.clock(),
                from_={State.PENDING, State.DEPLOYING},
                expect_order_id=callback.order_id,
                add_follow_ups=(FollowUp.CREDENTIALS_MAIL,),
            )
        except InvalidTransitionError:
            ready = service.registrations.get(registration.registration_id)
            # A retried callback whose mail failed the first time may mail now; nothing else.
            retry = ready.state is State.READY and FollowUp.CREDENTIALS_MAIL in ready.follow_ups
            if not retry or ready.order_id != callback.order_id:
                raise OrderNotCurrentError(callback.order_id) from None
        assert callback.password is not None  # the contract guarantees it for CREATE success
        workshop = service.workshops.get(ready.workshop_id).workshop
        hub = service.hubs.get(ready.backend)
        if hub is None:
            logger.error("backend has no hub URL", backend=ready.backend)
        service.notifier.send(
            MailKind.CREDENTIALS,
            ready,
            workshop,
            username=ready.username,
            password=callback.password.get_secret_value(),
            start_url=service.notifier.links.start(hub or ""),
        )  # DeliveryError -> 503: the agent retries with the same password
        service.registrations.follow_up_done(ready.registration_id, FollowUp.CREDENTIALS_MAIL)
        logger.info("seat ready", registration_id=ready.registration_id)
        return ready

    def _create_failed(self, registration: Registration, callback: AgentCallback) -> Registration:
        service = self.service
        now = service.clock()
        try:
            service.registrations.release_seat(
                registration,
                State.FAILED,
                now,
                from_={State.PENDING, State.DEPLOYING},
                error=callback.error or "the backend reported a failure",
                expect_order_id=callback.order_id,
            )
        except InvalidTransitionError:
            raise OrderNotCurrentError(callback.order_id) from None
        self._unschedule(registration.registration_id)
        workshop = service.workshops.get(registration.workshop_id).workshop
        try:
            service.notifier.send(MailKind.APOLOGY, registration, workshop)
        except DeliveryError:
            logger.warning("apology not sent", registration_id=registration.registration_id)
        return registration.with_state(State.FAILED)

    def _ended(self, registration: Registration, callback: AgentCallback) -> Registration:
        service = self.service
        try:
            service.registrations.release_seat(
                registration,
                State.ENDED,
                service.clock(),
                from_={State.ENDING},
                expect_order_id=callback.order_id,
            )
        except InvalidTransitionError:
            raise OrderNotCurrentError(callback.order_id) from None
        ended = registration.with_state(State.ENDED)
        if registration.end_reason is not EndReason.STUCK:  # those had their apology already
            service.farewell(ended)
        return ended

    def _unschedule(self, registration_id: str) -> None:
        for kind in ScheduleKind:
            try:
                self.service.schedules.delete(registration_id, kind)
            except DeliveryError:
                logger.warning("schedule not deleted", registration_id=registration_id)
