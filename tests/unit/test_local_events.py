"""The local gateway's API Gateway emulation (payload 2.0), without sockets: how bodies are
handed over (text, or base64-encoded with `isBase64Encoded`), and what a failing or malformed
function result becomes (API Gateway's own 500, never a crash of the gateway)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from wod.local.events import request_to_event, result_to_response
from wod.local.gateway import Gateway


def event_for(body: bytes, content_type: str | None, query: str = "") -> dict[str, Any]:
    headers = {"Content-Type": content_type} if content_type else {}
    builder = EnvironBuilder(
        path="/api/registrations", method="POST", data=body, headers=headers, query_string=query
    )
    return request_to_event(Request(builder.get_environ()), body)


def body_of(event: dict[str, Any]) -> bytes:
    body = event.get("body", "")
    return base64.b64decode(body) if event["isBase64Encoded"] else body.encode()


@pytest.mark.parametrize(
    ("content_type", "body", "encoded"),
    [
        ("application/json", b'{"a": 1}', False),
        ("application/json; charset=utf-8", '{"a": "é"}'.encode(), False),
        ("application/problem+json", b"{}", False),
        ("text/plain", b"hello", False),
        ("application/xml", b"<a/>", False),
        ("application/json", b"\xff\xfe\x00", True),  # not UTF-8: cannot be a JSON string
        ("text/plain", b"caf\xe9", True),
        ("application/x-www-form-urlencoded", b"a=1", True),  # HTTP APIs: not a text type
        ("application/octet-stream", b"\x00\x01", True),
        ("image/png", b"\x89PNG", True),
        (None, b'{"a": 1}', True),  # no content type: binary
    ],
)
def test_bodies_are_text_only_for_text_types_in_utf8(
    content_type: str | None, body: bytes, encoded: bool
) -> None:
    event = event_for(body, content_type)
    assert event["isBase64Encoded"] is encoded
    assert body_of(event) == body


@given(
    body=st.binary(min_size=1, max_size=100),
    content_type=st.sampled_from(
        [
            "application/json",
            "text/plain",
            "application/octet-stream",
            "application/x-www-form-urlencoded",
        ]
    ),
)
@settings(max_examples=200, derandomize=True, database=None)
def test_any_body_arrives_unchanged(body: bytes, content_type: str) -> None:
    event = event_for(body, content_type)
    assert isinstance(event["body"], str)
    assert body_of(event) == body


def test_a_query_string_that_is_not_utf8_is_passed_on_not_refused() -> None:
    event = event_for(b"", None, query="token=%ff%fe&token=x")
    assert event["queryStringParameters"] == {"token": "\ufffd\ufffd,x"}


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "not a number", "body": "{}"},
        {"statusCode": 200, "body": "!!!", "isBase64Encoded": True},
        {"statusCode": 200, "body": 42},
        {"statusCode": 200, "headers": "nope"},
    ],
)
def test_a_malformed_result_is_api_gateways_500(result: dict[str, Any]) -> None:
    response = result_to_response(result)
    assert response.status_code == 500
    assert json.loads(response.get_data()) == {"message": "Internal Server Error"}


def test_a_handler_that_raises_is_api_gateways_500() -> None:
    def crash(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    gateway = Gateway(crash, "http://127.0.0.1:9", site_dir=None)
    builder = EnvironBuilder(path="/api/workshops", method="GET")
    response = gateway.dispatch(Request(builder.get_environ()))
    assert response.status_code == 500
    assert json.loads(response.get_data()) == {"message": "Internal Server Error"}
