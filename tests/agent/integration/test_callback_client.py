"""The signed callback client against a real HTTP receiver that verifies like the API."""

# ruff: noqa: TID252
from __future__ import annotations

from datetime import UTC, datetime

from pydantic import SecretStr

from wod_agent.callback_client import SignedCallbackClient
from wod_agent.ports import Delivery
from wod_contracts.callbacks import AgentCallback, Outcome
from wod_contracts.orders import OrderVerb

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..peers import CallbackReceiver, make_order


def created() -> AgentCallback:
    order = make_order(OrderVerb.CREATE, 9, "WOD-CB")
    return AgentCallback(
        order_id=order.order_id,
        registration_id=order.registration_id,
        verb=order.verb,
        callback_token=order.callback_token,
        outcome=Outcome.SUCCEEDED,
        password=SecretStr("Fresh-Password-123"),
        finished_at=datetime.now(UTC),
    )


def test_signed_callback_is_accepted_then_not_current(receiver: CallbackReceiver) -> None:
    client = SignedCallbackClient(receiver.url, receiver.secret)
    callback = created()
    assert client.send(callback) is Delivery.ACCEPTED
    assert receiver.accepted(callback.order_id)[0]["password"] == "Fresh-Password-123"
    assert client.send(callback) is Delivery.NOT_CURRENT  # signed afresh: not a replay


def test_wrong_secret_is_rejected_once(receiver: CallbackReceiver) -> None:
    client = SignedCallbackClient(receiver.url, b"not-the-secret", backoff_seconds=0)
    callback = created()
    assert client.send(callback) is Delivery.REJECTED
    assert [c.status for c in receiver.calls_for(callback.order_id)] == [401]


def test_server_errors_are_retried_then_reported_unavailable(receiver: CallbackReceiver) -> None:
    receiver.force_status = 503
    client = SignedCallbackClient(receiver.url, receiver.secret, attempts=3, backoff_seconds=0)
    callback = created()
    assert client.send(callback) is Delivery.UNAVAILABLE
    assert len(receiver.calls_for(callback.order_id)) == 3


def test_unreachable_api_is_unavailable() -> None:
    client = SignedCallbackClient("http://127.0.0.1:9/api", b"x", attempts=2, backoff_seconds=0)
    assert client.send(created()) is Delivery.UNAVAILABLE
