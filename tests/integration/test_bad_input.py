"""Bad input gets a 4xx naming the field, and nothing is written: no seat, no registration,
no mail, no order."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.conftest import write_workshop
from tests.support.orders import OrderLog
from tests.support.seats import audit
from wod.adapters.models import RegistrationRecord
from wod.local.stack import LocalStack

GOOD: dict[str, Any] = {
    "workshop_id": "bad-input",
    "email": "valid@bad.example",
    "first_name": "Valid",
    "last_name": "Person",
    "company": "Acme",
    "accept_terms": True,
}


@pytest.fixture(scope="module")
def workshop(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("bad")
    write_workshop(root, "bad-input", 3001, 3010)
    local_stack.seed(root)
    return "bad-input"


def snapshot(local_stack: LocalStack, order_log: OrderLog) -> tuple[Any, ...]:
    registrations = RegistrationRecord.scan(RegistrationRecord.workshop_id == "bad-input")
    return (
        sorted(audit("bad-input").free),
        sum(1 for _ in registrations),
        len(local_stack.inbox()),
        len(order_log.for_workshop("bad-input")),
    )


CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("missing email", {k: v for k, v in GOOD.items() if k != "email"}, {"email"}),
    (
        "missing everything",
        {},
        {"workshop_id", "email", "first_name", "last_name", "company", "accept_terms"},
    ),
    ("oversized first name", {**GOOD, "first_name": "A" * 500}, {"first_name"}),
    ("oversized company", {**GOOD, "company": "C" * 5000}, {"company"}),
    ("CRLF in a name", {**GOOD, "last_name": "Doe\r\nBcc: victim@example.org"}, {"last_name"}),
    ("control character", {**GOOD, "first_name": "Bell\x07"}, {"first_name"}),
    ("invalid email", {**GOOD, "email": "no-at-sign"}, {"email"}),
    ("email with a newline", {**GOOD, "email": "a@b.example\nBcc: c@d.example"}, {"email"}),
    ("terms refused", {**GOOD, "accept_terms": False}, {"accept_terms"}),
    ("extra student_id", {**GOOD, "student_id": 3001}, {"student_id"}),
    ("extra status", {**GOOD, "status": "ready"}, {"status"}),
    ("wrong type", {**GOOD, "first_name": ["a"]}, {"first_name"}),
]


@pytest.mark.parametrize(("name", "body", "fields"), CASES, ids=[c[0] for c in CASES])
def test_bad_fields_are_422_naming_each_field_and_nothing_is_written(
    local_stack: LocalStack,
    order_log: OrderLog,
    workshop: str,
    name: str,
    body: dict[str, Any],
    fields: set[str],
) -> None:
    before = snapshot(local_stack, order_log)
    response = requests.post(local_stack.api_url + "registrations", json=body, timeout=30)
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["error"] == "validation_error"
    assert set(payload["fields"]) == fields
    assert snapshot(local_stack, order_log) == before


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('"a string"', "application/json"),
        ("", "application/json"),
    ],
)
def test_a_body_that_is_not_an_object_is_4xx(
    local_stack: LocalStack, order_log: OrderLog, workshop: str, raw: str, content_type: str
) -> None:
    before = snapshot(local_stack, order_log)
    response = requests.post(
        local_stack.api_url + "registrations",
        data=raw,
        headers={"content-type": content_type},
        timeout=30,
    )
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()
    assert snapshot(local_stack, order_log) == before


def test_a_huge_body_is_413(local_stack: LocalStack, order_log: OrderLog, workshop: str) -> None:
    before = snapshot(local_stack, order_log)
    response = requests.post(
        local_stack.api_url + "registrations",
        data=json.dumps({**GOOD, "company": "x" * 200_000}),
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413 and response.json()["error"] == "payload_too_large"
    assert snapshot(local_stack, order_log) == before


@pytest.mark.parametrize(
    "path",
    ["registrations/not-an-id", "registrations/" + "z" * 32],
)
def test_a_malformed_registration_id_is_4xx(local_stack: LocalStack, path: str) -> None:
    response = requests.get(local_stack.api_url + path, params={"token": "t"}, timeout=10)
    assert response.status_code in (404, 422)
    assert "error" in response.json()


def test_an_unknown_route_is_a_json_404(local_stack: LocalStack) -> None:
    response = requests.get(local_stack.api_url + "nothing-here", timeout=10)
    assert response.status_code == 404 and response.json()["error"] == "not_found"
