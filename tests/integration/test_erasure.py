"""Erasure over HTTP and from the organizer's command: the participant's token erases their
data (ending the session first), `python -m wod.purge` erases an address; seats stay sound."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.conftest import write_workshop
from tests.support.agent_calls import callback_for, post_callback
from tests.support.altcha import post_registration
from tests.support.orders import OrderLog
from tests.support.seats import audit
from wod.adapters.models import GuardRecord, RegistrationRecord
from wod.adapters.registrations import email_guard_id
from wod.local.stack import LocalStack
from wod.settings import REPO_ROOT


@pytest.fixture(scope="module")
def workshop(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("erasure")
    write_workshop(root, "erase-ws", 6001, 6005)
    local_stack.seed(root)
    return "erase-ws"


def register(local_stack: LocalStack, workshop: str, email: str) -> tuple[str, str]:
    response = post_registration(local_stack.api_url, workshop, email)
    assert response.status_code == 202
    (welcome,) = [m for m in local_stack.inbox(to=email) if m["kind"] == "welcome"]
    link = next(w for w in welcome["text"].split() if "/status/?" in w)
    query = parse_qs(urlparse(link).query)
    return query["id"][0], query["token"][0]


def test_a_participant_erases_their_data_with_the_token_of_their_mails(
    local_stack: LocalStack, order_log: OrderLog, workshop: str
) -> None:
    email = "hedy@erase.example"
    rid, token = register(local_stack, workshop, email)
    (create,) = order_log.for_registration(rid)
    post_callback(local_stack.api_url, callback_for(create.order).to_wire().encode())
    url = f"{local_stack.api_url}registrations/{rid}"
    assert (
        requests.delete(url, params={"token": "x" * 43, "erase": "true"}, timeout=30).status_code
        == 404
    )
    # While the session runs: it is ended first, the data kept until the seat is wiped
    response = requests.delete(url, params={"token": token, "erase": "true"}, timeout=30)
    assert response.status_code == 202 and response.json()["status"] == "ending"
    record = RegistrationRecord.get(rid, consistent_read=True)
    assert record.email == email and record.erase_requested
    cleanup = order_log.for_registration(rid)[-1].order
    post_callback(local_stack.api_url, callback_for(cleanup).to_wire().encode())
    # Once wiped: no name, address or company; the seat is back; no guard holds the address
    record = RegistrationRecord.get(rid, consistent_read=True)
    assert (record.email, record.first_name, record.last_name, record.company) == ("", "", "", "")
    assert record.erased_at is not None and record.state == "ended"
    assert create.order.student in audit(workshop).free and audit(workshop).violations() == []
    with pytest.raises(GuardRecord.DoesNotExist):
        GuardRecord.get(email_guard_id(workshop, email), consistent_read=True)
    assert [m["kind"] for m in local_stack.inbox(to=email)] == ["welcome", "credentials"]
    # Asking again is answered as done
    again = requests.delete(url, params={"token": token, "erase": "true"}, timeout=30)
    assert again.status_code == 200 and again.json() == {"registration_id": rid, "status": "erased"}


def test_an_organizer_purges_an_address_from_the_command_line(
    local_stack: LocalStack, order_log: OrderLog, workshop: str
) -> None:
    email = "purge-me@erase.example"
    rid, _ = register(local_stack, workshop, email)
    bystander, _ = register(local_stack, workshop, "stays@erase.example")
    result = subprocess.run(
        [sys.executable, "-m", "wod.purge", email.upper()],
        env={**os.environ, **local_stack.env()},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert f"ending first  {rid}" in result.stdout and email not in result.stdout
    cleanup = order_log.for_registration(rid)[-1].order
    assert cleanup.verb.value == "CLEANUP"
    post_callback(local_stack.api_url, callback_for(cleanup).to_wire().encode())
    assert RegistrationRecord.get(rid, consistent_read=True).email == ""
    assert RegistrationRecord.get(bystander, consistent_read=True).email == "stays@erase.example"
    assert audit(workshop).violations() == []
