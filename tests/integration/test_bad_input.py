"""Bad input gets a 4xx naming the field, and nothing is written: no seat, no registration,
no guard, no mail, no order, no schedule. Through the real gateway, as a stranger sends it."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import write_workshop
from tests.support.agent_calls import callback_for, post_callback
from tests.support.altcha import solved
from tests.support.orders import OrderLog
from tests.support.writes import WriteCounter, Writes
from wod.local.stack import LocalStack

GOOD: dict[str, Any] = {
    "workshop_id": "bad-input",
    "email": "valid@bad.example",
    "first_name": "Valid",
    "last_name": "Person",
    "company": "Acme",
    "accept_terms": True,
    # Fields are validated before the proof of work is looked at; a registration meant to
    # succeed gets a solved one (`register`).
    "altcha": "unsolved",
}


@pytest.fixture(scope="module")
def workshop(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("bad")
    write_workshop(root, "bad-input", 3001, 3010)
    local_stack.seed(root)
    return "bad-input"


def snapshot(local_stack: LocalStack, order_log: OrderLog) -> Writes:
    return WriteCounter(local_stack, order_log).snapshot()


CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("missing email", {k: v for k, v in GOOD.items() if k != "email"}, {"email"}),
    (
        "missing everything",
        {},
        {"workshop_id", "email", "first_name", "last_name", "company", "accept_terms", "altcha"},
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
    ("a URL as a name", {**GOOD, "first_name": "Win at https://prizes.example"}, {"first_name"}),
    ("www. as a name", {**GOOD, "last_name": "www.cheap-pills.example"}, {"last_name"}),
    ("a bare domain as a name", {**GOOD, "first_name": "cheap-pills.example"}, {"first_name"}),
    ("markup as a name", {**GOOD, "last_name": "<b>Doe</b>"}, {"last_name"}),
    ("markup as a company", {**GOOD, "company": "<script>x</script>"}, {"company"}),
    ("a URL as a company", {**GOOD, "company": "http://acme.example"}, {"company"}),
    ("an address SES cannot send to", {**GOOD, "email": "jörg@bücher.example"}, {"email"}),
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
    ("raw", "content_type", "status", "field"),
    [
        (b"{not json", "application/json", 422, "body"),
        (b"[1, 2]", "application/json", 422, "body"),
        (b'"a string"', "application/json", 422, "body"),
        (b"", "application/json", 422, "body"),
        (b"\xff\xfe\x00", "application/json", 422, "body"),  # not UTF-8: base64 to the handler
        (b"[" * 30_000 + b"]" * 30_000, "application/json", 422, "body"),
        (b'{"x": ' + b"1" * 5000 + b"}", "application/json", 422, "body"),
        (
            json.dumps({**GOOD, "first_name": "NaN"}).replace('"NaN"', "NaN").encode(),
            None,
            422,
            "body",
        ),
        (
            b"workshop_id=bad-input&email=a%40b.example",
            "application/x-www-form-urlencoded",
            415,
            "content-type",
        ),
        (b"--x\r\n\r\n--x--", "multipart/form-data", 415, "content-type"),
        (json.dumps(GOOD).encode(), "text/plain", 415, "content-type"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_4xx_naming_it(
    local_stack: LocalStack,
    order_log: OrderLog,
    workshop: str,
    raw: bytes,
    content_type: str | None,
    status: int,
    field: str,
) -> None:
    before = snapshot(local_stack, order_log)
    response = requests.post(
        local_stack.api_url + "registrations",
        data=raw,
        headers={"content-type": content_type} if content_type else {},
        timeout=30,
    )
    assert response.status_code == status, response.text
    assert field in response.json()["fields"]
    assert snapshot(local_stack, order_log) == before


@pytest.mark.parametrize(
    "body",
    [[GOOD], [GOOD, {"x": 1}], {"registration": GOOD}, {**GOOD, "extra": [GOOD]}],
    ids=["[valid]", "[valid, junk]", "nested", "valid plus a nested copy"],
)
def test_a_valid_registration_wrapped_in_anything_takes_no_seat(
    local_stack: LocalStack, order_log: OrderLog, workshop: str, body: Any
) -> None:
    before = snapshot(local_stack, order_log)
    response = requests.post(local_stack.api_url + "registrations", json=body, timeout=30)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    assert snapshot(local_stack, order_log) == before


def test_a_repeated_key_is_refused_not_guessed(
    local_stack: LocalStack, order_log: OrderLog, workshop: str
) -> None:
    raw = json.dumps(GOOD)[:-1] + ', "email": "other@bad.example"}'
    before = snapshot(local_stack, order_log)
    response = requests.post(
        local_stack.api_url + "registrations",
        data=raw,
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 422 and "repeats the key 'email'" in response.text
    assert snapshot(local_stack, order_log) == before


# What `int()` takes for 1700000000 and a signature must not.
ARABIC_DIGITS = "\u0661\u0667" + "\u0660" * 8


def raw_callback(api_url: str, headers: list[tuple[str, bytes]], body: bytes) -> int:
    """POST a callback with headers exactly as given (repeated, non-ASCII bytes, huge)."""
    url = urlsplit(api_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        connection.putrequest("POST", url.path + "agent/callbacks")
        for name, value in [("content-type", b"application/json"), *headers]:
            connection.putheader(name, value)
        connection.putheader("content-length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        answer = json.loads(response.read())
        assert answer["error"] == "unauthorized" and set(answer) <= {"error", "message", "fields"}
        return response.status
    finally:
        connection.close()


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("x-wod-timestamp", b"1700000000"), ("x-wod-signature", "v1=\u00e9".encode())],
        [("x-wod-timestamp", ARABIC_DIGITS.encode()), ("x-wod-signature", b"v1=00")],
        [("x-wod-timestamp", "\u00e9".encode("latin-1")), ("x-wod-signature", b"\xff\xfe")],
        [("x-wod-timestamp", b"1700000000"), ("x-wod-signature", b"v1=" + b"a" * 8000)],
        [("x-wod-timestamp", b"9" * 8000), ("x-wod-signature", b"v1=" + b"0" * 64)],
        [("x-wod-timestamp", b"1"), ("x-wod-timestamp", b"2"), ("x-wod-signature", b"v1=0")],
        [("x-wod-signature", b"v1=0"), ("x-wod-signature", b"v1=0"), ("x-wod-timestamp", b"1")],
    ],
    ids=[
        "none",
        "non-ascii",
        "arabic digits",
        "latin-1 bytes",
        "huge sig",
        "huge ts",
        "repeated ts",
        "repeated sig",
    ],
)
def test_signature_headers_of_any_shape_are_401_and_write_nothing(
    local_stack: LocalStack, order_log: OrderLog, headers: list[tuple[str, bytes]]
) -> None:
    before = snapshot(local_stack, order_log)
    assert raw_callback(local_stack.api_url, headers, b'{"order_id": "x"}') == 401
    assert raw_callback(local_stack.api_url, headers, b"\xff\xfe not even UTF-8") == 401
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


def register(local_stack: LocalStack, email: str) -> requests.Response:
    body = solved(local_stack.api_url, {**GOOD, "email": email})
    return requests.post(local_stack.api_url + "registrations", json=body, timeout=30)


def test_a_duplicate_gets_the_answer_a_new_registration_gets(
    local_stack: LocalStack, order_log: OrderLog, workshop: str
) -> None:
    """The caller cannot tell whether an address had registered (the README's contract: 202,
    with the same id); the mailbox learns it."""
    new = register(local_stack, "twice@bad.example")
    again = register(local_stack, "twice@bad.example")
    other = register(local_stack, "once@bad.example")
    for response in (new, again, other):
        assert response.status_code == 202, response.text
    assert again.json() == new.json()  # same id, status and message
    assert set(other.json()) == set(new.json())
    assert other.json()["message"] == new.json()["message"]
    assert other.json()["status"] == new.json()["status"] == "deploying"
    kinds = [m["kind"] for m in local_stack.inbox(to="twice@bad.example")]
    assert kinds == ["welcome", "already_registered"]


def test_a_duplicate_of_a_ready_session_does_not_say_so(
    local_stack: LocalStack, order_log: OrderLog, workshop: str
) -> None:
    first = register(local_stack, "ready@bad.example").json()
    (order,) = order_log.for_registration(first["registration_id"])
    callback = callback_for(order.order).to_wire().encode()
    assert post_callback(local_stack.api_url, callback).json()["status"] == "ready"
    again = register(local_stack, "ready@bad.example")
    fresh = register(local_stack, "fresh@bad.example")
    assert again.status_code == fresh.status_code == 202
    assert again.json()["registration_id"] == first["registration_id"]
    assert {k: v for k, v in again.json().items() if k != "registration_id"} == {
        k: v for k, v in fresh.json().items() if k != "registration_id"
    }
