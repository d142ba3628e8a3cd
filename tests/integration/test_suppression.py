"""A bounce or complaint from SES (via SNS) puts the address on the suppression list; later
registrations with it are refused, naming the field, and no mail is sent to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.conftest import write_workshop
from tests.support.altcha import post_registration
from wod.handlers import mail_events
from wod.local.events import LocalContext
from wod.local.stack import LocalStack


def sns_event(message: dict[str, object]) -> dict[str, object]:
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:000000000000:wod-mail:1",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "1",
                    "TopicArn": "arn:aws:sns:us-east-1:000000000000:wod-mail",
                    "Subject": None,
                    "Message": json.dumps(message),
                    "Timestamp": "2026-11-27T00:00:00.000Z",
                    "SignatureVersion": "1",
                    "Signature": "x",
                    "SigningCertUrl": "https://example.org/cert",
                    "UnsubscribeUrl": "https://example.org/unsub",
                    "MessageAttributes": {},
                },
            }
        ]
    }


@pytest.fixture(scope="module")
def workshop(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> str:
    root: Path = tmp_path_factory.mktemp("suppression")
    write_workshop(root, "supp-ws", 7001, 7010)
    local_stack.seed(root)
    return "supp-ws"


def register(local_stack: LocalStack, workshop: str, email: str) -> requests.Response:
    return post_registration(local_stack.api_url, workshop, email)


def test_a_bounced_address_cannot_register_again(local_stack: LocalStack, workshop: str) -> None:
    email = "gone@supp.example"
    assert register(local_stack, workshop, email).status_code == 202
    bounce = {
        "eventType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": email}]},
        "mail": {"destination": [email]},
    }
    result = mail_events.handler(sns_event(bounce), LocalContext())
    assert result == {"suppressed": 1}
    refused = register(local_stack, "python-101", email.upper())
    assert refused.status_code == 422
    assert set(refused.json()["fields"]) == {"email"}
    assert [m["kind"] for m in local_stack.inbox(to=email)] == ["welcome"]


def test_a_complaint_suppresses_and_a_transient_bounce_does_not(
    local_stack: LocalStack, workshop: str
) -> None:
    complaint = {
        "notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": "spam@supp.example"}]},
    }
    transient = {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": "Transient",
            "bouncedRecipients": [{"emailAddress": "full@supp.example"}],
        },
    }
    mail_events.handler(sns_event(complaint), LocalContext())
    mail_events.handler(sns_event(transient), LocalContext())
    assert register(local_stack, workshop, "spam@supp.example").status_code == 422
    assert register(local_stack, workshop, "full@supp.example").status_code == 202
