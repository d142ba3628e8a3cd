"""Derived capability tokens and the HMAC signature of agent callbacks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


HEADER_TEXT = st.text(st.characters(codec="latin-1"), max_size=300)


@pytest.mark.parametrize(
    "headers",
    [
        {"x-wod-timestamp": "1000", "x-wod-signature": "v1=é" * 40},  # non-ASCII: no TypeError
        {"x-wod-timestamp": "1000", "x-wod-signature": "v1=" + "a" * 100_000},  # huge
        {"x-wod-timestamp": "1000,1000", "x-wod-signature": "v1=00,v1=00"},  # repeated, joined
        # Arabic-Indic 1000: int() takes it, a signature must not.
        {"x-wod-timestamp": "\u0661\u0660\u0660\u0660", "x-wod-signature": "v1=" + "0" * 64},
        {"x-wod-timestamp": " 1000", "x-wod-signature": "v1=" + "0" * 64},
        {"x-wod-timestamp": "1_000", "x-wod-signature": "v1=" + "0" * 64},
        {"x-wod-timestamp": "9" * 5000, "x-wod-signature": "v1=" + "0" * 64},
        {"x-wod-timestamp": "1000", "x-wod-signature": ""},
    ],
)
def test_signature_headers_of_any_shape_are_a_signature_error(headers: dict[str, str]) -> None:
    with pytest.raises(signing.SignatureError):
        signing.verify(KEY, headers, b"{}", now=1000)


@given(
    st.dictionaries(
        st.sampled_from(["X-Wod-Timestamp", "x-wod-timestamp", "X-Wod-Signature", "other"]),
        HEADER_TEXT,
    ),
    st.binary(max_size=50),
)
@settings(max_examples=300, derandomize=True, database=None)
def test_unsigned_requests_only_ever_raise_signature_error(
    headers: dict[str, str], body: bytes
) -> None:
    with pytest.raises(signing.SignatureError):
        signing.verify(KEY, headers, body, now=1000)
