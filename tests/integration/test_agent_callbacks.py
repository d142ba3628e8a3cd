"""`POST /api/agent/callbacks` over HTTP: signed, one-time, per-order; what each outcome does."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.conftest import write_workshop
from tests.support.agent_calls import callback_for, post_callback, send_raw, sign
from tests.support.altcha import solved
from tests.support.orders import OrderLog
from tests.support.seats import audit
from wod.adapters.guards import GuardStore, suppression_id
from wod.adapters.models import GuardRecord, RegistrationRecord
from wod.adapters.registrations import email_guard_id
from wod.local.stack import LocalStack, free_port
from wod_contracts.callbacks import Outcome
from wod_contracts.orders import Order, OrderVerb

Register = Callable[[str], Order]


@pytest.fixture(scope="module")
def workshop(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("callbacks")
    write_workshop(root, "cb-ws", 5001, 5020, title="Callbacks 101")
    local_stack.seed(root)
    return "cb-ws"


@pytest.fixture
def register(local_stack: LocalStack, order_log: OrderLog, workshop: str) -> Register:
    def _register(email: str) -> Order:
        response = requests.post(
            local_stack.api_url + "registrations",
            json=solved(
                local_stack.api_url,
                {
                    "workshop_id": workshop,
                    "email": email,
                    "first_name": "Dorothy",
                    "last_name": "Vaughan",
                    "company": "NASA",
                    "accept_terms": True,
                },
            ),
            timeout=30,
        )
        assert response.status_code == 202
        (order,) = order_log.for_registration(response.json()["registration_id"])
        return order.order

    return _register


def status_of(local_stack: LocalStack, email: str) -> str:
    (welcome,) = [m for m in local_stack.inbox(to=email) if m["kind"] == "welcome"]
    link = next(w for w in welcome["text"].split() if "/status/?" in w)
    link = link.replace(
        local_stack.base_url + "status/?id=", local_stack.api_url + "registrations/"
    )
    link = link.replace("&token=", "?token=")
    return str(requests.get(link, timeout=10).json()["status"])


def kinds(local_stack: LocalStack, email: str) -> list[str]:
    return [m["kind"] for m in local_stack.inbox(to=email)]


def test_a_successful_create_makes_the_seat_ready_and_mails_the_credentials_once(
    local_stack: LocalStack, register: Register
) -> None:
    email = "ok@cb.example"
    order = register(email)
    body = callback_for(order, password="Tr0ub4dor-and-3").to_wire().encode()
    response = post_callback(local_stack.api_url, body)
    assert response.status_code == 200 and response.json()["status"] == "ready"
    assert status_of(local_stack, email) == "ready"
    credentials = [m for m in local_stack.inbox(to=email) if m["kind"] == "credentials"]
    assert len(credentials) == 1
    text = credentials[0]["text"]
    assert order.username in text and "Tr0ub4dor-and-3" in text
    assert "/hub/login?next=%2Fhub%2Fuser-redirect%2Flab%2Ftree%2F0-ReadMeFirst.ipynb" in text
    # The same order reported again (a new signature, not a replay) changes nothing.
    again = post_callback(
        local_stack.api_url, callback_for(order, password="Another-pass-99").to_wire().encode()
    )
    assert again.status_code == 409 and again.json()["error"] == "order_not_current"
    assert kinds(local_stack, email).count("credentials") == 1


@pytest.mark.parametrize(
    "forgery",
    [
        "unsigned",
        "wrong secret",
        "stale",
        "future",
        "tampered body",
        "replayed",
        "other order token",
    ],
)
def test_forged_callbacks_are_refused_and_change_nothing(
    local_stack: LocalStack, register: Register, forgery: str
) -> None:
    email = f"forged-{forgery.replace(' ', '-')}@cb.example"
    order = register(email)
    body = callback_for(order).to_wire().encode()
    watched = email
    if forgery == "unsigned":
        response = send_raw(local_stack.api_url, body, {})
    elif forgery == "wrong secret":
        response = post_callback(local_stack.api_url, body, secret=b"guessed")
    elif forgery == "stale":
        response = post_callback(local_stack.api_url, body, timestamp=int(time.time()) - 301)
    elif forgery == "future":
        response = post_callback(local_stack.api_url, body, timestamp=int(time.time()) + 301)
    elif forgery == "tampered body":
        tampered = body.replace(b'"succeeded"', b'"failed"   ')
        response = send_raw(local_stack.api_url, tampered, sign(body))
    elif forgery == "replayed":
        # A genuine callback (here: a failure report) is captured and sent again as it was.
        captured = callback_for(order, outcome=Outcome.FAILED).to_wire().encode()
        headers = sign(captured)
        assert send_raw(local_stack.api_url, captured, headers).status_code == 200
        # Meanwhile the participant registers again; the replay must not touch anything.
        watched = f"again-{email}"
        order = register(watched)
        response = send_raw(local_stack.api_url, captured, headers)
    else:  # another order's token: a leaked order used against this registration
        other = register(f"leak-{email}")
        body = callback_for(order, callback_token=other.callback_token).to_wire().encode()
        response = post_callback(local_stack.api_url, body)
    assert response.status_code in (401, 403), response.text
    assert status_of(local_stack, watched) == "deploying"
    assert "credentials" not in kinds(local_stack, watched)


def test_a_failed_create_frees_the_seat_and_apologizes(
    local_stack: LocalStack, register: Register, workshop: str
) -> None:
    email = "fail@cb.example"
    order = register(email)
    response = post_callback(
        local_stack.api_url, callback_for(order, outcome=Outcome.FAILED).to_wire().encode()
    )
    assert response.status_code == 200 and response.json()["status"] == "failed"
    assert order.registration_id not in audit(workshop).holders
    assert order.student in audit(workshop).free
    assert kinds(local_stack, email) == ["welcome", "apology"]


def test_a_cleanup_callback_ends_the_session_frees_the_seat_and_thanks(
    local_stack: LocalStack, register: Register, order_log: OrderLog, workshop: str
) -> None:
    email = "bye@cb.example"
    order = register(email)
    assert (
        post_callback(local_stack.api_url, callback_for(order).to_wire().encode()).status_code
        == 200
    )
    (welcome,) = [m for m in local_stack.inbox(to=email) if m["kind"] == "welcome"]
    token = welcome["text"].split("token=")[1].split()[0]
    ended = requests.delete(
        f"{local_stack.api_url}registrations/{order.registration_id}",
        params={"token": token},
        timeout=30,
    )
    assert ended.status_code == 202
    cleanup = order_log.for_registration(order.registration_id)[-1].order
    assert cleanup.verb is OrderVerb.CLEANUP and cleanup.order_id != order.order_id
    # The old CREATE order's token cannot complete the new order.
    stale = callback_for(cleanup, callback_token=order.callback_token)
    assert post_callback(local_stack.api_url, stale.to_wire().encode()).status_code == 403
    response = post_callback(local_stack.api_url, callback_for(cleanup).to_wire().encode())
    assert response.status_code == 200 and response.json()["status"] == "ended"
    assert order.student in audit(workshop).free and audit(workshop).violations() == []
    thanks = [m for m in local_stack.inbox(to=email) if m["kind"] == "thanks"]
    assert len(thanks) == 1 and "/badge/?id=" in thanks[0]["text"]
    assert "linkedin.com/sharing" in thanks[0]["text"]


def test_a_failed_cleanup_is_ordered_again_under_a_new_id_and_the_seat_comes_back(
    local_stack: LocalStack, register: Register, order_log: OrderLog, workshop: str
) -> None:
    email = "retry-end@cb.example"
    order = register(email)
    post_callback(local_stack.api_url, callback_for(order).to_wire().encode())
    (welcome,) = [m for m in local_stack.inbox(to=email) if m["kind"] == "welcome"]
    token = welcome["text"].split("token=")[1].split()[0]
    requests.delete(
        f"{local_stack.api_url}registrations/{order.registration_id}",
        params={"token": token},
        timeout=30,
    )
    cleanup = order_log.for_registration(order.registration_id)[-1].order
    # When the backend reports the wipe failed
    failed = callback_for(cleanup, Outcome.FAILED, error="rm: cannot remove: busy")
    response = post_callback(local_stack.api_url, failed.to_wire().encode())
    # Then the session is still ending, its seat held, and a new attempt is on the queue
    assert response.status_code == 200 and response.json()["status"] == "ending"
    retry = order_log.for_registration(order.registration_id)[-1].order
    assert retry.verb is OrderVerb.CLEANUP and retry.order_id != cleanup.order_id
    assert order.student not in audit(workshop).free
    record = RegistrationRecord.get(order.registration_id, consistent_read=True)
    assert record.end_attempts == 1 and "busy" in (record.error or "")
    # And the old attempt is done for good; the new one ends the session
    again = callback_for(cleanup, Outcome.FAILED, error="rm: cannot remove: busy")
    assert post_callback(local_stack.api_url, again.to_wire().encode()).status_code == 409
    response = post_callback(local_stack.api_url, callback_for(retry).to_wire().encode())
    assert response.status_code == 200 and response.json()["status"] == "ended"
    assert order.student in audit(workshop).free and audit(workshop).violations() == []


def test_the_email_guard_expires_with_its_registration(
    local_stack: LocalStack, register: Register
) -> None:
    order = register("guard-ttl@cb.example")
    record = RegistrationRecord.get(order.registration_id, consistent_read=True)
    guard = GuardRecord.get(
        email_guard_id(record.workshop_id, "guard-ttl@cb.example"), consistent_read=True
    )
    assert guard.expires_at is not None and guard.expires_at == record.expires_at


def test_a_signed_but_malformed_body_is_422(local_stack: LocalStack) -> None:
    response = post_callback(local_stack.api_url, b'{"order_id": "x"}')
    assert response.status_code == 422 and "fields" in response.json()


def test_the_password_is_not_stored_outside_its_mail(
    local_stack: LocalStack, register: Register
) -> None:
    order = register("secret@cb.example")
    body = callback_for(order, password="Never-Stored-777").to_wire().encode()
    assert post_callback(local_stack.api_url, body).status_code == 200
    # Everything the local AWS endpoint holds (tables, queues, schedules), but the mail itself.
    state = requests.get(local_stack.aws_endpoint + "/moto-api/data.json", timeout=30).json()
    state.pop("ses", None)
    state.pop("sesv2", None)
    assert "Never-Stored-777" not in json.dumps(state)


def test_a_callback_signed_by_another_backends_secret_is_refused(
    local_stack: LocalStack, register: Register
) -> None:
    """A gateway whose backends each have their own secret (as the template configures)."""
    own = {"default": "secret-of-the-default-backend", "second": "secret-of-the-second-one"}
    url = local_stack.start_gateway(
        name="own-secrets",
        port=free_port(),
        env={"WOD_CALLBACK_SECRETS": json.dumps(own)},
        workers=2,
    )
    api = url + "api/"
    try:
        order = register("own-secret@cb.example")  # an order of the default backend
        body = callback_for(order).to_wire().encode()
        wrong = post_callback(api, body, secret=own["second"].encode())
        assert wrong.status_code == 403 and wrong.json()["error"] == "forbidden"
        shared = post_callback(api, body)  # the shared secret is not accepted any more
        assert shared.status_code == 401
        right = post_callback(api, body, secret=own["default"].encode())
        assert right.status_code == 200 and right.json()["status"] == "ready"
    finally:
        local_stack.stop_process("own-secrets")


def test_a_suppression_expires_after_the_retention_period(local_stack: LocalStack) -> None:
    local_stack.settings()
    before = datetime.now(UTC).replace(microsecond=0)  # a TTL is whole epoch seconds
    GuardStore(retention=timedelta(days=7)).suppress("bounced-ttl@cb.example", "Bounce")
    record = GuardRecord.get(suppression_id("bounced-ttl@cb.example"), consistent_read=True)
    assert record.expires_at is not None
    assert before + timedelta(days=7) <= record.expires_at <= datetime.now(UTC) + timedelta(days=7)
