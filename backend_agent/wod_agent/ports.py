"""The roles the service loop talks to; `cli` plugs the adapters in, unit tests plug fakes.

Adapters translate vendor errors into the exceptions below, so nothing above them sees a
botocore, requests or ansible-runner error.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from pydantic import SecretStr

from wod_contracts.callbacks import AgentCallback
from wod_contracts.orders import Order


class AgentError(Exception):
    """Base of the agent's own errors."""


class QueueError(AgentError):
    """The order queue could not be read or written."""


class HubError(AgentError):
    """The JupyterHub API refused or failed a call."""


class DeploymentError(AgentError):
    """A playbook failed; worth retrying until the message's last receive."""


class PermanentOrderError(AgentError):
    """The order can never succeed here (unknown workshop, session over): report it at once."""


@dataclass(frozen=True)
class ReceivedMessage:
    """One delivery of a queue message; `receive_count` counts deliveries including this one."""

    message_id: str
    receipt_handle: str
    body: str
    receive_count: int
    sent_at: float  # epoch seconds, when the API queued it


class OrderQueue(Protocol):
    def receive(self, max_messages: int, wait_seconds: int) -> list[ReceivedMessage]: ...

    def extend(self, message: ReceivedMessage, seconds: int) -> None: ...

    def delete(self, message: ReceivedMessage) -> None: ...


@dataclass(frozen=True)
class WarmSeat:
    """A seat prepared ahead of time (PREPARE): what a CREATE checks before only opening it."""

    workshop_id: str
    fingerprint: str  # of the workshop's content and what was filled into it
    files: tuple[str, ...]  # the seat's files as prepared, relative to its home
    server: bool  # its server was started and left running (workshop.yml `warm_server`)


class Deployer(Protocol):
    def deploy(self, order: Order, password: SecretStr) -> None:
        """Carry out the order; `password` is the new seat password (reported only for CREATE).

        Raises DeploymentError (retry) or PermanentOrderError (report failed now).
        """
        ...

    def prepare(self, order: Order) -> WarmSeat:
        """PREPARE: deploy the workshop into the free seat with no usable password.

        Raises DeploymentError (retry) or PermanentOrderError (report failed now).
        """
        ...

    def activate(self, order: Order, password: SecretStr, warm: WarmSeat) -> bool:
        """CREATE on a warm seat: if it is still exactly as prepared for this workshop, set the
        password and return True; otherwise change nothing and return False (the caller then
        deploys it in full). Raises DeploymentError if setting the password failed."""
        ...

    def reissue(self, order: Order, password: SecretStr) -> None:
        """REISSUE: set a fresh password on the seat as it is (its files and server stay).
        Raises DeploymentError (retry) or PermanentOrderError (report failed now)."""
        ...


class HubClient(Protocol):
    def retire_user(self, username: str) -> None:
        """Stop the user's servers and forget the user, so that no old session survives."""
        ...

    def open_user(self, username: str, *, wait: bool = True) -> None:
        """Create the hub user and start its server, so that the first login lands in it;
        `wait=False` returns once the start is requested (the hub shows its progress)."""
        ...


class Delivery(StrEnum):
    ACCEPTED = "accepted"  # 200: done
    NOT_CURRENT = "not_current"  # 409: completed or superseded, done as well
    REJECTED = "rejected"  # 401/403/422: retrying now would not help
    UNAVAILABLE = "unavailable"  # network or 5xx: try again later


class CallbackClient(Protocol):
    def send(self, callback: AgentCallback) -> Delivery: ...
