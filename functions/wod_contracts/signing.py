"""HMAC-SHA256 signatures of agent callbacks, shared by the agent (signs) and the API (verifies).

The signed string is `<timestamp>.<body>`: a captured request cannot be replayed later than the
tolerance, and the API refuses a signature it has already seen within it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

TIMESTAMP_HEADER = "x-wod-timestamp"
SIGNATURE_HEADER = "x-wod-signature"
SIGNATURE_PREFIX = "v1="
TOLERANCE_SECONDS = 300
SIGNATURE_LENGTH = len(SIGNATURE_PREFIX) + 2 * hashlib.sha256().digest_size


class SignatureError(ValueError):
    """The request is unsigned, forged or stale."""


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def signed_headers(secret: bytes, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(
    secret: bytes,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Check a request's signature; returns the signature (the replay key) or raises.

    Headers come from strangers: any shape (non-ASCII, huge, repeated and so joined by commas)
    is a SignatureError, never another exception."""
    lowered = {str(key).lower(): value for key, value in headers.items()}
    raw_timestamp = lowered.get(TIMESTAMP_HEADER)
    given = lowered.get(SIGNATURE_HEADER)
    if not isinstance(raw_timestamp, str) or not isinstance(given, str):
        raise SignatureError("missing signature headers")
    # Only the form `signature()` makes: ASCII digits (`int()` would also take other scripts'
    # digits, signs, spaces and underscores), and `v1=` with 64 hex digits.
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit() and len(raw_timestamp) <= 12):
        raise SignatureError("malformed timestamp")
    if not (
        given.isascii() and len(given) == SIGNATURE_LENGTH and given.startswith(SIGNATURE_PREFIX)
    ):
        raise SignatureError("malformed signature")
    timestamp = int(raw_timestamp)
    if abs(now - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise SignatureError("signature mismatch")
    return given
