"""In-memory stand-ins for the agent's ports, for unit tests of the service and the loop."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from pydantic import SecretStr

from wod_agent.ports import Delivery, DeploymentError, ReceivedMessage, WarmSeat
from wod_contracts.callbacks import AgentCallback, Outcome
from wod_contracts.orders import Order


@dataclass
class FakeDeployer:
    failures: list[Exception] = field(default_factory=list)  # raised by the next calls, in order
    seconds: float = 0.0
    calls: list[tuple[str, str]] = field(default_factory=list)  # (order id, password)
    prepared: list[str] = field(default_factory=list)  # order ids
    activated: list[tuple[str, str]] = field(default_factory=list)  # (order id, password)
    reissued: list[tuple[str, str]] = field(default_factory=list)  # (order id, password)
    intact: bool = True  # what activate finds: the seat still as prepared
    server: bool = False  # the workshop's warm_server
    steps: list[str] = field(default_factory=list)  # shared with a FakeHub: the order of calls

    def deploy(self, order: Order, password: SecretStr) -> None:
        self.calls.append((order.order_id, password.get_secret_value()))
        self.steps.append(f"deploy {order.username}")
        time.sleep(self.seconds)
        if self.failures:
            raise self.failures.pop(0)

    def prepare(self, order: Order) -> WarmSeat:
        self.prepared.append(order.order_id)
        if self.failures:
            raise self.failures.pop(0)
        return WarmSeat(order.workshop_id, "fingerprint", ("0-ReadMeFirst.ipynb",), self.server)

    def activate(self, order: Order, password: SecretStr, warm: WarmSeat) -> bool:
        if not self.intact or warm.workshop_id != order.workshop_id:
            return False
        self.activated.append((order.order_id, password.get_secret_value()))
        return True

    def reissue(self, order: Order, password: SecretStr) -> None:
        self.reissued.append((order.order_id, password.get_secret_value()))
        self.steps.append(f"reissue {order.username}")
        if self.failures:
            raise self.failures.pop(0)


@dataclass
class FakeHub:
    retired: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def retire_user(self, username: str) -> None:
        self.retired.append(username)
        self.steps.append(f"retire {username}")

    waited: list[bool] = field(default_factory=list)

    def open_user(self, username: str, *, wait: bool = True) -> None:
        self.opened.append(username)
        self.waited.append(wait)
        self.steps.append(f"open {username}")


@dataclass
class FakeCallbacks:
    answers: list[Delivery] = field(default_factory=list)  # next answers; then ACCEPTED
    sent: list[AgentCallback] = field(default_factory=list)  # results (succeeded, failed)
    progress: list[AgentCallback] = field(default_factory=list)  # "started" reports

    def send(self, callback: AgentCallback) -> Delivery:
        if callback.outcome is Outcome.STARTED:
            self.progress.append(callback)
            return Delivery.ACCEPTED
        self.sent.append(callback)
        return self.answers.pop(0) if self.answers else Delivery.ACCEPTED


@dataclass
class FakeQueue:
    """Hands out its messages once; records what the loop did with them."""

    pending: list[ReceivedMessage] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    extended: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, max_messages: int, wait_seconds: int) -> list[ReceivedMessage]:
        with self.lock:
            batch, self.pending = self.pending[:max_messages], self.pending[max_messages:]
        return batch

    def extend(self, message: ReceivedMessage, seconds: int) -> None:
        with self.lock:
            self.extended.append((message.message_id, seconds))

    def delete(self, message: ReceivedMessage) -> None:
        with self.lock:
            self.deleted.append(message.message_id)


def delivery(
    order: Order, receive_count: int = 1, message_id: str | None = None
) -> ReceivedMessage:
    return ReceivedMessage(
        message_id=message_id or f"m-{order.order_id[:8]}-{receive_count}",
        receipt_handle=f"r-{order.order_id}-{receive_count}-{message_id}",
        body=order.model_dump_json(),
        receive_count=receive_count,
        sent_at=time.time(),
    )


__all__ = ["DeploymentError", "FakeCallbacks", "FakeDeployer", "FakeHub", "FakeQueue", "delivery"]
