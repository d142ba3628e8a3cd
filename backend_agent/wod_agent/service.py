"""What the agent does with one delivered order message: the journal-guarded state machine.

Called by `loop` from a worker thread; sees only the `ports` roles, so unit tests use fakes.
A PREPARE deploys a free seat ahead of time and notes it as warm; a CREATE of a seat still as
prepared only sets the password (the warm path), any other one deploys it in full (cold). A
REISSUE sets a fresh password on the seat as it is (credentials that could not be mailed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import SecretStr, ValidationError

from wod_contracts.callbacks import AgentCallback, Outcome
from wod_contracts.orders import SETS_PASSWORD, Order, OrderVerb, order_expired, parse_order

from .crash_points import CrashPoint, CrashPoints
from .journal import Journal, JournalEntry, JournalState
from .metrics import UNKNOWN_VERB, AgentMetrics, Failure, Step
from .ports import (
    CallbackClient,
    Delivery,
    Deployer,
    DeploymentError,
    HubClient,
    HubError,
    PermanentOrderError,
    ReceivedMessage,
)
from .secrets_box import SecretBox, new_password

log = logging.getLogger(__name__)
MAX_ERROR_LENGTH = 2000


class Disposition(StrEnum):
    DONE = "done"  # delete the message
    RETRY = "retry"  # keep it: visible again after the retry delay
    TO_DLQ = "to_dlq"  # keep it, visible now: the queue's redrive moves it to the DLQ


@dataclass(frozen=True)
class OrderTimings:
    """Where an order spent its time (seconds), for the log and the benchmark."""

    order_id: str
    verb: str
    outcome: str
    queue_seconds: float
    hub_seconds: float
    ansible_seconds: float
    callback_seconds: float
    deployed: bool  # False when the journal made this delivery a replay
    warm: bool = False  # a CREATE that found its seat prepared and only opened it


class OrderService:
    def __init__(
        self,
        journal: Journal,
        box: SecretBox,
        hub: HubClient,
        deployer: Deployer,
        callbacks: CallbackClient,
        max_receives: int,
        on_finished: Callable[[OrderTimings], None] | None = None,
        metrics: AgentMetrics | None = None,
        crash: CrashPoints | None = None,
    ) -> None:
        self._crash = crash
        self._journal = journal
        self._box = box
        self._hub = hub
        self._deployer = deployer
        self._callbacks = callbacks
        self._max_receives = max_receives
        self._on_finished = on_finished
        self._metrics = metrics or AgentMetrics()

    def handle(self, message: ReceivedMessage) -> Disposition:
        last_try = message.receive_count >= self._max_receives
        try:
            order = parse_order(message.body)
        except ValidationError as exc:
            # Nobody to report to: leave it to the redrive, which parks it in the DLQ.
            log.error(
                "message %s is not an order (%d errors); leaving it for the DLQ",
                message.message_id,
                exc.error_count(),
            )
            self._metrics.failure(UNKNOWN_VERB, Failure.UNREADABLE)
            return Disposition.TO_DLQ if last_try else Disposition.RETRY
        queue_seconds = max(0.0, time.time() - message.sent_at)
        if message.receive_count == 1:
            self._metrics.queue_lag(queue_seconds)  # redeliveries would add the retry delay
        with self._metrics.order(order.verb.value):
            return self._handle(order, message, queue_seconds, last_try)

    def _handle(
        self, order: Order, message: ReceivedMessage, queue_seconds: float, last_try: bool
    ) -> Disposition:
        verb = order.verb.value
        entry = self._journal.get(order.order_id)
        if entry is not None and entry.state is JournalState.REPORTED:
            log.info("order %s was already reported; deleting the redelivery", order.order_id)
            return Disposition.DONE

        hub_seconds = ansible_seconds = 0.0
        deployed = warm = False
        if entry is None or entry.state is JournalState.STARTED:
            started = time.monotonic()
            result = self._carry_out(order, message, entry)
            if result is None:
                self._metrics.failure(verb, Failure.RETRY)
                return Disposition.RETRY
            callback, hub_seconds, warm = result
            ansible_seconds = time.monotonic() - started - hub_seconds
            deployed = True
            self._metrics.step(verb, Step.HUB, hub_seconds)
            self._metrics.step(verb, Step.ANSIBLE, ansible_seconds)
        else:
            log.info("order %s was deployed before a restart; reporting it again", order.order_id)
            callback = self._replay(order, entry)

        sent = time.monotonic()
        delivery = self._callbacks.send(callback)
        callback_seconds = time.monotonic() - sent
        self._metrics.step(verb, Step.CALLBACK, callback_seconds)
        if delivery in (Delivery.REJECTED, Delivery.UNAVAILABLE):
            self._metrics.failure(verb, Failure.CALLBACK)
            log.error(
                "callback of order %s was %s; the message stays (receive %d of %d)",
                order.order_id,
                delivery.value,
                message.receive_count,
                self._max_receives,
            )
            return Disposition.TO_DLQ if last_try else Disposition.RETRY
        if delivery is Delivery.NOT_CURRENT:
            log.info(
                "order %s is no longer current at the API; treating it as done", order.order_id
            )
        self._journal.reported(order.order_id)
        self._reach(order, CrashPoint.REPORTED)
        self._metrics.finished(verb, callback.outcome.value)
        if callback.outcome is Outcome.FAILED:
            self._metrics.failure(verb, Failure.FAILED)
        if self._on_finished is not None:
            self._on_finished(
                OrderTimings(
                    order_id=order.order_id,
                    verb=verb,
                    outcome=callback.outcome.value,
                    queue_seconds=queue_seconds,
                    hub_seconds=hub_seconds,
                    ansible_seconds=ansible_seconds,
                    callback_seconds=callback_seconds,
                    deployed=deployed,
                    warm=warm,
                )
            )
        log.info(
            "order %s (%s%s %s) %s: hub %.1fs, ansible %.1fs, callback %.2fs",
            order.order_id,
            verb,
            " warm" if warm else "",
            order.username,
            callback.outcome.value,
            hub_seconds,
            ansible_seconds,
            callback_seconds,
        )
        if callback.outcome is Outcome.FAILED and last_try:
            return Disposition.TO_DLQ  # reported as failed, and kept for an operator to look at
        return Disposition.DONE

    def _carry_out(
        self, order: Order, message: ReceivedMessage, entry: JournalEntry | None
    ) -> tuple[AgentCallback, float, bool] | None:
        """Deploy; None means "failed, try again on a later delivery"."""
        # The first attempt fixes the password: a retry never sets a different one.
        sealed = entry.sealed_password if entry and entry.sealed_password else None
        entry = self._journal.start(order, sealed or self._box.seal(new_password()))
        self._reach(order, CrashPoint.TAKEN)
        assert entry.sealed_password is not None
        password = self._box.open(entry.sealed_password)
        hub_seconds = 0.0
        warm = False
        error: str | None = None
        try:
            if order_expired(order, datetime.now(UTC)):
                raise PermanentOrderError("the session ended before the seat was ready")
            hub_seconds, warm = self._deploy(order, password)
            outcome = Outcome.SUCCEEDED
        except PermanentOrderError as exc:
            outcome, error = Outcome.FAILED, str(exc)
        except (DeploymentError, HubError) as exc:
            if message.receive_count < self._max_receives:
                log.warning(
                    "order %s failed (receive %d of %d), will retry: %s",
                    order.order_id,
                    message.receive_count,
                    self._max_receives,
                    exc,
                )
                return None
            outcome = Outcome.FAILED
            error = f"gave up after {message.receive_count} attempts: {exc}"
        keep_password = order.verb in SETS_PASSWORD and outcome is Outcome.SUCCEEDED
        finished_at = datetime.now(UTC)
        error = error[:MAX_ERROR_LENGTH] if error else None
        self._journal.deployed(order.order_id, outcome, error, finished_at, keep_password)
        self._reach(order, CrashPoint.DEPLOYED)
        callback = self._callback(
            order, outcome, password if keep_password else None, error, finished_at
        )
        return callback, hub_seconds, warm

    def _reach(self, order: Order, point: CrashPoint) -> None:
        if self._crash is not None:
            self._crash.reach(order.verb, point)

    def _deploy(self, order: Order, password: SecretStr) -> tuple[float, bool]:
        """Carry the order out; seconds spent with the hub, and whether a warm seat was opened."""
        hub_seconds = 0.0
        if order.verb is OrderVerb.REISSUE:
            self._deployer.reissue(order, password)  # the seat and its server stay as they are
            return hub_seconds, False
        if order.verb is OrderVerb.CREATE:
            warm = self._journal.warm_seat(order.seat)
            if warm is not None and self._deployer.activate(order, password, warm):
                self._journal.warm_forget(order.seat)
                started = time.monotonic()
                # A warm server is running already; otherwise start it and let the hub show its
                # progress to the participant: the credentials need not wait for it.
                self._hub.open_user(order.username, wait=False)
                return time.monotonic() - started, True
        # Any other order changes the seat: it is no longer as prepared.
        self._journal.warm_forget(order.seat)
        self._report_progress(order)
        started = time.monotonic()
        self._hub.retire_user(order.username)
        hub_seconds += time.monotonic() - started
        if order.verb is OrderVerb.PREPARE:
            prepared = self._deployer.prepare(order)
            hub_seconds += self._retire_again(order)
            if prepared.server:
                started = time.monotonic()
                self._hub.open_user(order.username)
                hub_seconds += time.monotonic() - started
            self._journal.warm_prepared(order.seat, prepared)
            return hub_seconds, False
        self._deployer.deploy(order, password)
        hub_seconds += self._retire_again(order)
        if order.verb is OrderVerb.CREATE:
            # A warm server: the mailed Start link lands straight in JupyterLab.
            started = time.monotonic()
            self._hub.open_user(order.username)
            hub_seconds += time.monotonic() - started
        return hub_seconds, False

    def _retire_again(self, order: Order) -> float:
        """A login with the old password between the first retire and the playbook's lock would
        have made a new hub user (and cookie): forget it, now that none can come."""
        started = time.monotonic()
        self._hub.retire_user(order.username)
        return time.monotonic() - started

    def _report_progress(self, order: Order) -> None:
        """Tell the API the order is taken (its stuck clock starts); best effort."""
        started = self._callback(order, Outcome.STARTED, None, None, datetime.now(UTC))
        delivery = self._callbacks.send(started)
        if delivery is not Delivery.ACCEPTED:
            log.info("progress of order %s not reported (%s)", order.order_id, delivery.value)

    def _replay(self, order: Order, entry: JournalEntry) -> AgentCallback:
        outcome = entry.outcome or Outcome.FAILED
        password = None
        if order.verb in SETS_PASSWORD and outcome is Outcome.SUCCEEDED:
            if entry.sealed_password is None:
                raise RuntimeError(f"journal lost the password of order {order.order_id}")
            password = self._box.open(entry.sealed_password)
        return self._callback(
            order, outcome, password, entry.error, entry.finished_at or datetime.now(UTC)
        )

    @staticmethod
    def _callback(
        order: Order,
        outcome: Outcome,
        password: SecretStr | None,
        error: str | None,
        finished_at: datetime,
    ) -> AgentCallback:
        prepare = order.verb is OrderVerb.PREPARE  # about a seat of a workshop, no registration
        return AgentCallback(
            order_id=order.order_id,
            registration_id=order.registration_id,
            workshop_id=order.workshop_id if prepare else None,
            student=order.student if prepare else None,
            verb=order.verb,
            callback_token=order.callback_token,
            outcome=outcome,
            password=password,
            error=error,
            finished_at=finished_at,
        )
