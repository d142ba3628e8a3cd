"""Which SES notifications suppress which addresses."""

from __future__ import annotations

from typing import Any

import pytest

from wod.domain.mail_events import addresses_to_suppress


def bounce(kind: str, *emails: str, field: str = "eventType") -> dict[str, Any]:
    return {
        field: "Bounce",
        "bounce": {"bounceType": kind, "bouncedRecipients": [{"emailAddress": e} for e in emails]},
    }


def test_a_permanent_bounce_suppresses_each_recipient_normalized() -> None:
    assert addresses_to_suppress(bounce("Permanent", "A@x.example", "b@x.example")) == [
        "a@x.example",
        "b@x.example",
    ]


def test_identity_notifications_count_too() -> None:
    assert addresses_to_suppress(bounce("Permanent", "a@x.example", field="notificationType")) == [
        "a@x.example"
    ]


def test_a_complaint_suppresses() -> None:
    message = {
        "eventType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": "c@x.example"}]},
    }
    assert addresses_to_suppress(message) == ["c@x.example"]


@pytest.mark.parametrize(
    "message",
    [bounce("Transient", "a@x.example"), {"eventType": "Delivery"}, {"eventType": "Send"}, {}],
)
def test_other_events_suppress_nothing(message: dict[str, Any]) -> None:
    assert addresses_to_suppress(message) == []
