"""Derived capability tokens and the HMAC signature of agent callbacks."""

from __future__ import annotations

import pytest

from wod.domain import tokens
from wod_contracts import signing

KEY = b"k" * 32


def test_tokens_differ_by_purpose_and_record() -> None:
    values = {
        tokens.status_token(KEY, "a"),
        tokens.status_token(KEY, "b"),
        tokens.callback_token(KEY, "a"),
        tokens.badge_token(KEY, "a"),
        tokens.status_token(b"other", "a"),
    }
    assert len(values) == 5


def test_matching_is_exact() -> None:
    token = tokens.status_token(KEY, "a")
    assert tokens.matches(token, token)
    assert not tokens.matches(token, token[:-1])
    assert not tokens.matches(token, None)


def test_a_signed_request_verifies_and_returns_its_replay_key() -> None:
    body = b'{"x":1}'
    headers = signing.signed_headers(KEY, 1000, body)
    assert signing.verify(KEY, headers, body, now=1100) == headers[signing.SIGNATURE_HEADER]


@pytest.mark.parametrize(
    ("headers", "body", "now"),
    [
        ({}, b"{}", 1000),
        (signing.signed_headers(KEY, 1000, b"{}"), b"{ }", 1000),
        (signing.signed_headers(b"wrong", 1000, b"{}"), b"{}", 1000),
        (signing.signed_headers(KEY, 1000, b"{}"), b"{}", 1000 + 301),
        (signing.signed_headers(KEY, 1000, b"{}"), b"{}", 1000 - 301),
        ({"x-wod-timestamp": "soon", "x-wod-signature": "v1=00"}, b"{}", 1000),
    ],
)
def test_forged_or_stale_requests_are_refused(
    headers: dict[str, str], body: bytes, now: int
) -> None:
    with pytest.raises(signing.SignatureError):
        signing.verify(KEY, headers, body, now=now)
