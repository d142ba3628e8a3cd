"""What the agent does with one delivered order message: the journal-guarded state machine.

Called by `loop` from a worker thread; sees only the `ports` roles, so unit tests use fakes.
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
from wod_contracts.orders import Order, OrderVerb, order_expired, parse_order

from .journal import Journal, JournalEntry, JournalState
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
    ) -> None:
        self._journal = journal
        self._box = box
        self._hub = hub
        self._deployer = deployer
        self._callbacks = callbacks
        self._max_receives = max_receives
        self._on_finished = on_finished

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
            return Disposition.TO_DLQ if last_try else Disposition.RETRY
        queue_seconds = max(0.0, time.time() - message.sent_at)
        entry = self._journal.get(order.order_id)
        if entry is not None and entry.state is JournalState.REPORTED:
            log.info("order %s was already reported; deleting the redelivery", order.order_id)
            return Disposition.DONE

        hub_seconds = ansible_seconds = 0.0
        deployed = False
        if entry is None or entry.state is JournalState.STARTED:
            started = time.monotonic()
            result = self._carry_out(order, message, entry)
            if result is None:
                return Disposition.RETRY
            callback, hub_seconds = result
            ansible_seconds = time.monotonic() - started - hub_seconds
            deployed = True
        else:
            log.info("order %s was deployed before a restart; reporting it again", order.order_id)
            callback = self._replay(order, entry)

        sent = time.monotonic()
        delivery = self._callbacks.send(callback)
        callback_seconds = time.monotonic() - sent
        if delivery in (Delivery.REJECTED, Delivery.UNAVAILABLE):
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
        if self._on_finished is not None:
            self._on_finished(
                OrderTimings(
                    order_id=order.order_id,
                    verb=order.verb.value,
                    outcome=callback.outcome.value,
                    queue_seconds=queue_seconds,
                    hub_seconds=hub_seconds,
                    ansible_seconds=ansible_seconds,
                    callback_seconds=callback_seconds,
                    deployed=deployed,
                )
            )
        log.info(
            "order %s (%s %s) %s: hub %.1fs, ansible %.1fs, callback %.2fs",
            order.order_id,
            order.verb.value,
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
    ) -> tuple[AgentCallback, float] | None:
        """Deploy; None means "failed, try again on a later delivery"."""
        # The first attempt fixes the password: a retry never sets a different one.
        sealed = entry.sealed_password if entry and entry.sealed_password else None
        entry = self._journal.start(order, sealed or self._box.seal(new_password()))
        assert entry.sealed_password is not None
        password = self._box.open(entry.sealed_password)
        hub_seconds = 0.0
        error: str | None = None
        try:
            if order_expired(order, datetime.now(UTC)):
                raise PermanentOrderError("the session ended before the seat was ready")
            hub_started = time.monotonic()
            self._hub.retire_user(order.username)
            hub_seconds = time.monotonic() - hub_started
            self._deployer.deploy(order, password)
            # A login with the old password between the retire above and the playbook's lock
            # would have made a new hub user (and cookie): forget it, now that none can come.
            hub_started = time.monotonic()
            self._hub.retire_user(order.username)
            hub_seconds += time.monotonic() - hub_started
            if order.verb is OrderVerb.CREATE:
                # A warm server: the mailed Start link lands straight in JupyterLab.
                hub_started = time.monotonic()
                self._hub.open_user(order.username)
                hub_seconds += time.monotonic() - hub_started
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
        keep_password = order.verb is OrderVerb.CREATE and outcome is Outcome.SUCCEEDED
        finished_at = datetime.now(UTC)
        error = error[:MAX_ERROR_LENGTH] if error else None
        self._journal.deployed(order.order_id, outcome, error, finished_at, keep_password)
        callback = self._callback(
            order, outcome, password if keep_password else None, error, finished_at
        )
        return callback, hub_seconds

    def _replay(self, order: Order, entry: JournalEntry) -> AgentCallback:
        outcome = entry.outcome or Outcome.FAILED
        password = None
        if order.verb is OrderVerb.CREATE and outcome is Outcome.SUCCEEDED:
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
        return AgentCallback(
            order_id=order.order_id,
            registration_id=order.registration_id,
            verb=order.verb,
            callback_token=order.callback_token,
            outcome=outcome,
            password=password,
            error=error,
            finished_at=finished_at,
        )
