"""How the API reads bodies, through the resolver in-process (no sockets): only a JSON object in
UTF-8 reaches a route; everything else is a 422 or 415 `ErrorBody` naming the problem."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wod.api.app import create_app
from wod.api.bodies import BodyError, parse_json_object
from wod.domain.errors import ChallengeError
from wod.local.events import LocalContext

GOOD: dict[str, Any] = {
    "workshop_id": "python-101",
    "email": "ada@example.org",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "Analytical Engines",
    "accept_terms": True,
    "altcha": "a solution (the fake services take any)",
}


class Registered(Exception):
    """Raised by the fake service: the body got through to the route."""


class FakeRegistrar:
    def register(self, request: object) -> None:
        raise Registered(request)


# What the route asked of the fakes, in order (the ordering test reads it).
CALLS: list[str] = []


class FakeChallenges:
    def check(self, payload: str) -> str:
        CALLS.append("check")
        if payload == "unsolved":
            raise ChallengeError("the solution is wrong")
        return payload

    def spend(self, solution: str) -> None:
        CALLS.append("spend")


class FakeThrottle:
    def admit_registration(self, source: str, person: str) -> None:
        CALLS.append(f"admit {source} {person}")


class FakeServices:
    registrar = FakeRegistrar()
    challenges = FakeChallenges()
    throttle = FakeThrottle()


def post(body: str | bytes, content_type: str | None = "application/json") -> dict[str, Any]:
    """The resolver's answer to `POST /api/registrations`, as API Gateway would hand it over."""
    raw = body.encode() if isinstance(body, str) else body
    try:
        text, encoded = raw.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(raw).decode(), True
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/registrations",
        "rawQueryString": "",
        "headers": {"content-type": content_type} if content_type else {},
        "requestContext": {
            "http": {"method": "POST", "path": "/api/registrations", "sourceIp": "192.0.2.1"},
            "stage": "$default",
            "requestId": "r",
        },
        "body": text,
        "isBase64Encoded": encoded,
    }
    # An app of its own each time (~4 ms): the module-level routers take the context of the
    # latest app made, and other test modules make apps too.
    app = create_app()
    app.append_context(services=FakeServices())
    result: dict[str, Any] = app.resolve(event, LocalContext())
    return result


def refusal(result: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    body = json.loads(result["body"])
    assert set(body) <= {"error", "message", "fields"}
    return result["statusCode"], body


def test_the_proof_of_work_is_checked_then_the_limits_counted_then_the_proof_spent() -> None:
    CALLS.clear()
    with pytest.raises(Registered):
        post(json.dumps({**GOOD, "email": "Ada.L+x@Gmail.com"}))
    assert CALLS == ["check", "admit 192.0.2.1 adal@gmail.com", "spend"]
    CALLS.clear()
    status, body = refusal(post(json.dumps({**GOOD, "altcha": "unsolved"})))
    assert (status, body["error"], set(body["fields"])) == (422, "altcha_rejected", {"altcha"})
    assert CALLS == ["check"]  # junk counts toward no one's limits


def test_a_json_object_reaches_the_route() -> None:
    with pytest.raises(Registered):
        post(json.dumps(GOOD))
    with pytest.raises(Registered):  # no content type: read as JSON, like Powertools does
        post(json.dumps(GOOD), content_type=None)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (json.dumps([GOOD]), "must be a JSON object"),
        (json.dumps([GOOD, {"x": 1}]), "must be a JSON object"),
        ('"a string"', "must be a JSON object"),
        ("42", "must be a JSON object"),
        ("null", "must be a JSON object"),
        ("", "empty"),
        ("{not json", "not valid JSON"),
        ('{"workshop_id": NaN}', "NaN is not a JSON value"),
        ('{"email": "a@b.example", "email": "c@d.example"}', "repeats the key 'email'"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"x": ' + "1" * 5000 + "}", "number that is too large"),
        ('{"first_name": "\\ud800"}', "lone surrogate"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b'{"first_name": "\xe9"}', "not UTF-8"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_422_naming_the_body(
    body: str | bytes, problem: str
) -> None:
    status, answer = refusal(post(body))
    assert status == 422 and answer["error"] == "validation_error"
    assert problem in answer["fields"]["body"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data",  # without a boundary: Powertools alone would crash (500)
        "multipart/form-data; boundary=x",
        "text/plain",
        "application/xml",
        "application/json,application/json",  # a repeated header, joined by API Gateway
    ],
)
def test_a_body_that_is_not_sent_as_json_is_a_415(content_type: str) -> None:
    form = "&".join(f"{key}={value}" for key, value in GOOD.items())
    status, answer = refusal(post(form, content_type))
    assert status == 415 and answer["error"] == "unsupported_media_type"
    assert "content-type" in answer["fields"]


@given(st.binary(max_size=200))
@settings(max_examples=300, derandomize=True, database=None)
def test_any_bytes_are_an_object_or_a_body_error(data: bytes) -> None:
    try:
        value = parse_json_object(data)
    except BodyError:
        return
    assert isinstance(value, dict)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(JSON)
@settings(max_examples=200, derandomize=True, database=None)
def test_only_an_object_is_a_body(value: Any) -> None:
    data = json.dumps(value).encode()
    if isinstance(value, dict):
        assert parse_json_object(data) == value
    else:
        with pytest.raises(BodyError, match="must be a JSON object"):
            parse_json_object(data)
