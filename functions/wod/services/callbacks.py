"""What the API does when the backend agent reports an order taken, done or failed.

Authenticated twice: the request is signed with its backend's secret (or the one shared secret;
a signature is accepted once), and the body carries the one-time token of its order, so a leaked
order cannot touch another registration. A backend's own secret signs for its seats only. Every
state change is conditional on the order still being current. A PREPARE's callback is about a
free seat of a workshop's pool, not a registration. A failed end order is never answered as
done and forgotten: a new attempt is queued (see `Sessions.retry_end`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from aws_lambda_powertools import Logger

from wod.domain import tokens
from wod.domain.errors import (
    ForbiddenCallbackError,
    InvalidTransitionError,
    OrderNotCurrentError,
    RegistrationNotFoundError,
    UnauthorizedCallbackError,
    WorkshopNotFoundError,
)
from wod.domain.metrics import Metric
from wod.domain.registrations import EndReason, FollowUp, Registration
from wod.domain.states import State
from wod.domain.tokens import ANY_BACKEND
from wod.domain.transitions import to_ended, to_failed, to_ready
from wod.mail.render import MailKind
from wod_contracts import signing
from wod_contracts.callbacks import AgentCallback, Outcome
from wod_contracts.orders import OrderVerb

from .erasure import Erasure
from .links import Hubs
from .notifications import Notifier
from .ports import Catalog, Clock, Guards, Ledger, Telemetry
from .sessions import Sessions
from .warm_seats import WarmSeats

logger = Logger(child=True)

REPLAY_WINDOW = timedelta(seconds=2 * signing.TOLERANCE_SECONDS)


@dataclass(frozen=True)
class Answer:
    """What the API answers the agent: whose order it was and where it stands now."""

    order_id: str
    status: str
    registration_id: str | None = None


class CallbackService:
    def __init__(
        self,
        *,
        secrets: Callable[[], Mapping[str, bytes]],
        guards: Guards,
        ledger: Ledger,
        catalog: Catalog,
        notifier: Notifier,
        sessions: Sessions,
        warm_seats: WarmSeats,
        erasure: Erasure,
        hubs: Hubs,
        token_key: bytes,
        clock: Clock,
        telemetry: Telemetry | None = None,
    ) -> None:
        self._telemetry = telemetry
        self._secrets = secrets
        self._erasure = erasure
        self._warm_seats = warm_seats
        self._guards = guards
        self._ledger = ledger
        self._catalog = catalog
        self._notifier = notifier
        self._sessions = sessions
        self._hubs = hubs
        self._token_key = token_key
        self._clock = clock

    def handle(self, headers: Mapping[str, str], body: bytes) -> Answer:
        callback, signer = self._authenticate(headers, body)
        if callback.verb is OrderVerb.PREPARE:
            return self._prepare(callback, signer)
        registration = self._authorize(callback)
        _check_signer(signer, registration.backend, callback)
        self._guards.seen(registration.backend, self._clock())
        if callback.outcome is Outcome.FAILED:
            self._count(Metric.FAILED_ORDERS, registration.workshop_id)
        if callback.outcome is Outcome.STARTED:
            return self._started(registration, callback)
        if callback.verb is OrderVerb.CREATE:
            if callback.outcome is Outcome.SUCCEEDED:
                return _answer(self._created(registration, callback), callback)
            return _answer(self._create_failed(registration, callback), callback)
        if callback.verb is OrderVerb.REISSUE:
            if callback.outcome is Outcome.SUCCEEDED:
                return _answer(self._reissued(registration, callback), callback)
            # The sweep asks again once the order is old enough (see Sweeper).
            logger.warning(
                "the backend could not set a fresh password",
                registration_id=registration.registration_id,
                error=callback.error,
            )
            return _answer(registration, callback)
        if callback.outcome is Outcome.SUCCEEDED:
            return _answer(self._ended(registration, callback), callback)
        error = callback.error or "the backend reported a failure"
        retried = self._sessions.retry_end(registration, f"end order failed: {error}")
        if retried.order_id == callback.order_id:  # another writer moved it first
            raise OrderNotCurrentError(callback.order_id)
        return _answer(retried, callback)

    def _count(self, metric: Metric, workshop_id: str) -> None:
        if self._telemetry is not None:
            self._telemetry.count(metric, workshop_id)

    # -- authentication ------------------------------------------------------------------------

    def _authenticate(self, headers: Mapping[str, str], body: bytes) -> tuple[AgentCallback, str]:
        """The callback and who signed it: a backend's name, or ANY_BACKEND (shared secret)."""
        now = self._clock()
        error = signing.SignatureError("no callback secret is configured")
        signed: tuple[str, str] | None = None
        for name, secret in self._secrets().items():
            try:
                signed = (name, signing.verify(secret, headers, body, now.timestamp()))
                break
            except signing.SignatureError as exc:
                error = exc
        if signed is None:
            raise UnauthorizedCallbackError(str(error)) from error
        signer, signature = signed
        if not self._guards.use_once(f"signature#{signature}", now + REPLAY_WINDOW):
            raise UnauthorizedCallbackError("replayed request")
        # A signed but malformed body raises ValidationError: a 422 naming the fields.
        return AgentCallback.model_validate_json(body), signer

    def _check_token(self, callback: AgentCallback) -> None:
        expected = tokens.callback_token(self._token_key, callback.order_id)
        if not tokens.matches(expected, callback.callback_token):
            raise ForbiddenCallbackError(callback.order_id)

    def _authorize(self, callback: AgentCallback) -> Registration:
        self._check_token(callback)
        assert callback.registration_id is not None  # the contract: all but PREPARE have one
        try:
            registration = self._ledger.get(callback.registration_id)
        except RegistrationNotFoundError as exc:
            raise ForbiddenCallbackError(callback.registration_id) from exc
        if (
            registration.order_id != callback.order_id
            or registration.order_verb is not callback.verb
        ):
            raise OrderNotCurrentError(callback.order_id)
        return registration

    # -- outcomes ------------------------------------------------------------------------------

    def _prepare(self, callback: AgentCallback, signer: str) -> Answer:
        """A PREPARE is answered by the pool: its seat must still be waiting for this order."""
        self._check_token(callback)
        assert callback.workshop_id is not None and callback.student is not None
        try:
            seats = self._catalog.get(callback.workshop_id)
        except WorkshopNotFoundError as exc:
            raise ForbiddenCallbackError(callback.order_id) from exc
        _check_signer(signer, seats.workshop.backend, callback)
        self._guards.seen(seats.workshop.backend, self._clock())
        if callback.outcome is Outcome.STARTED:
            return Answer(callback.order_id, "preparing")
        args = (callback.workshop_id, callback.student, callback.order_id)
        if callback.outcome is Outcome.SUCCEEDED:
            if not self._warm_seats.prepared(*args):
                raise OrderNotCurrentError(callback.order_id)
            return Answer(callback.order_id, "warm")
        self._count(Metric.FAILED_ORDERS, callback.workshop_id)
        logger.error(
            "the backend could not prepare a seat",
            workshop_id=callback.workshop_id,
            student=callback.student,
            error=callback.error,
        )
        if not self._warm_seats.failed(*args):
            raise OrderNotCurrentError(callback.order_id)
        return Answer(callback.order_id, "cold")

    def _started(self, registration: Registration, callback: AgentCallback) -> Answer:
        """The agent took the order: from now on, a seat not ready in time is stuck."""
        if callback.verb is OrderVerb.CREATE:
            self._ledger.note_taken(registration, callback.order_id, self._clock())
        return _answer(registration, callback)

    def _created(self, registration: Registration, callback: AgentCallback) -> Registration:
        try:
            ready = self._ledger.apply(registration, to_ready(callback.order_id), self._clock())
            if ready.ready_at is not None and self._telemetry is not None:
                waited = (ready.ready_at - ready.created_at).total_seconds()
                self._telemetry.seconds(Metric.TIME_TO_CREDENTIALS, ready.workshop_id, waited)
        except InvalidTransitionError:
            ready = self._ledger.get(registration.registration_id)
            # A retried callback whose mail failed the first time may mail now; nothing else.
            retry = ready.state is State.READY and FollowUp.CREDENTIALS_MAIL in ready.follow_ups
            if not retry or ready.order_id != callback.order_id:
                raise OrderNotCurrentError(callback.order_id) from None
        self._mail_credentials(ready, callback)
        logger.info("seat ready", registration_id=ready.registration_id)
        return ready

    def _reissued(self, registration: Registration, callback: AgentCallback) -> Registration:
        """The agent set a fresh password on the running seat: mail it (once)."""
        if FollowUp.CREDENTIALS_MAIL not in registration.follow_ups:
            raise OrderNotCurrentError(callback.order_id)  # mailed already: a repeat
        self._mail_credentials(registration, callback)
        logger.info("credentials mailed again", registration_id=registration.registration_id)
        return registration

    def _mail_credentials(self, ready: Registration, callback: AgentCallback) -> None:
        """Mail the password, then strike the mail off; DeliveryError -> 503, and the agent
        retries with the same password (the sweep re-issues if it gives up)."""
        assert callback.password is not None  # the contract: CREATE and REISSUE successes
        workshop = self._catalog.get(ready.workshop_id).workshop
        if not self._hubs.knows(ready.backend):
            logger.error("backend has no hub URL", backend=ready.backend)
        self._notifier.send(
            MailKind.CREDENTIALS,
            ready,
            workshop,
            username=ready.username,
            password=callback.password.get_secret_value(),
            start_url=self._hubs.start(ready.backend),
        )
        self._ledger.follow_up_done(ready.registration_id, FollowUp.CREDENTIALS_MAIL)

    def _create_failed(self, registration: Registration, callback: AgentCallback) -> Registration:
        error = callback.error or "the backend reported a failure"
        try:
            failed = self._ledger.apply(
                registration, to_failed(callback.order_id, error), self._clock()
            )
        except InvalidTransitionError:
            raise OrderNotCurrentError(callback.order_id) from None
        self._sessions.unschedule(registration.registration_id)
        workshop = self._catalog.get(registration.workshop_id).workshop
        self._notifier.send_best_effort(MailKind.APOLOGY, registration, workshop)
        self._warm_seats.top_up(registration.workshop_id)
        return failed

    def _ended(self, registration: Registration, callback: AgentCallback) -> Registration:
        try:
            ended = self._ledger.apply(registration, to_ended(callback.order_id), self._clock())
        except InvalidTransitionError:
            raise OrderNotCurrentError(callback.order_id) from None
        if self._ledger.get(registration.registration_id).erase_requested:
            self._erasure.settled(registration.registration_id)  # no more mail: they asked so
        elif registration.end_reason is not EndReason.STUCK:  # those had their apology already
            self._sessions.farewell(ended)
        self._warm_seats.top_up(registration.workshop_id)  # the seat is back, cold
        return ended


def _check_signer(signer: str, backend: str, callback: AgentCallback) -> None:
    """A backend's own secret opens only orders of its seats (a leaked secret or a confused
    agent cannot touch another backend's)."""
    if signer not in (ANY_BACKEND, backend):
        logger.warning("callback signed by another backend", signer=signer, backend=backend)
        raise ForbiddenCallbackError(callback.order_id)


def _answer(registration: Registration, callback: AgentCallback) -> Answer:
    return Answer(callback.order_id, registration.state.value, registration.registration_id)
