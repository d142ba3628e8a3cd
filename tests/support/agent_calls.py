"""Signed callbacks as the backend agent sends them, for tests of the API side."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import requests

from wod.settings import Settings
from wod_contracts import signing
from wod_contracts.callbacks import AgentCallback, Outcome
from wod_contracts.orders import Order


def callback_for(
    order: Order,
    outcome: Outcome = Outcome.SUCCEEDED,
    password: str | None = None,
    **changes: object,
) -> AgentCallback:
    created = order.verb.value == "CREATE" and outcome is Outcome.SUCCEEDED
    fields: dict[str, object] = {
        "order_id": order.order_id,
        "registration_id": order.registration_id,
        "verb": order.verb,
        "callback_token": order.callback_token,
        "outcome": outcome,
        "password": password or ("Correct-Horse-42" if created else None),
        "error": None if outcome in (Outcome.SUCCEEDED, Outcome.STARTED) else "playbook failed",
        "finished_at": datetime.now(UTC),
        **changes,
    }
    if order.verb.value == "PREPARE":  # about a seat of a workshop, not a registration
        fields.update(workshop_id=order.workshop_id, student=order.student)
    return AgentCallback.model_validate(fields)


def sign(
    body: bytes, *, secret: bytes | None = None, timestamp: int | None = None
) -> dict[str, str]:
    key = secret if secret is not None else Settings().callback_secret.get_secret_value().encode()
    return signing.signed_headers(key, timestamp or int(time.time()), body)


def send_raw(api_url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(
        api_url + "agent/callbacks",
        data=body,
        headers={"content-type": "application/json", **headers},
        timeout=30,
    )


def post_callback(
    api_url: str, body: bytes, *, secret: bytes | None = None, timestamp: int | None = None
) -> requests.Response:
    return send_raw(api_url, body, sign(body, secret=secret, timestamp=timestamp))
