"""Capability tokens derived from a server key, so that nothing secret is stored per record.

The participant's status token and an order's callback token are HMACs of the record's id:
a lost mail can be re-sent by the sweep with the same link, and a wrong token reveals nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

# The key of a callback secret that every backend may sign with (one shared secret: local
# stacks and older deployments). A backend's own secret signs for its orders only.
ANY_BACKEND = "*"


def _derive(key: bytes, purpose: str, value: str) -> str:
    mac = hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def status_token(key: bytes, registration_id: str) -> str:
    return _derive(key, "status", registration_id)


def callback_token(key: bytes, order_id: str) -> str:
    return _derive(key, "order", order_id)


def badge_token(key: bytes, registration_id: str) -> str:
    return _derive(key, "badge", registration_id)[:22]


def matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
