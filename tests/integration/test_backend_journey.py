"""The whole product on the local stack with the real backend: the API (gateway over the real
handler, moto over HTTP), the real `wod-agent` process running the real Ansible playbooks
against a real JupyterHub (local account mode), and the scheduler runner on a controlled clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.agent.peers import home_listing, hub_login
from tests.support.journey import WORKSHOP, Journey, credentials, running_journey
from tests.support.seats import audit
from wod.domain.states import State
from wod.local import backend
from wod.local.stack import LocalStack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def journey(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    with running_journey(local_stack, tmp_path_factory) as running:
        yield running


def test_the_mailed_password_logs_into_the_hub_and_readmefirst_opens(journey: Journey) -> None:
    email = "login@journey.example"
    journey.register(email)
    username, password, start = credentials(journey.mail(email, "credentials"))
    # The Start link: log in through the hub's form, land on ReadMeFirst in JupyterLab
    session, response = hub_login(journey.hub.url, username, password)
    assert response.status_code == 200
    assert response.url.endswith(f"/user/{username}/lab/tree/0-ReadMeFirst.ipynb")
    assert "0-ReadMeFirst.ipynb" in home_listing(session, journey.hub.url, username)
    assert start.startswith(journey.hub.url + "/hub/login?next=")
    # The notebook was templated for this student
    notebook = (journey.hub.homes_dir / username / "0-ReadMeFirst.ipynb").read_text()
    assert f"Welcome, {username}" in notebook and "hello Journey 101" in notebook
    # A wrong password is refused
    _, refused = hub_login(journey.hub.url, username, password + "x")
    assert "/hub/login" in refused.url


def test_a_whole_session_reminder_expiry_cleanup_thanks(journey: Journey) -> None:
    email = "session@journey.example"
    # Markup in a name is refused (test_bad_input); what a name may hold is escaped in HTML.
    registration_id = journey.register(email, first_name="Zoë O'Brien & Sons")
    welcome = journey.mail(email, "welcome")
    assert "Journey 101" in welcome["subject"] and "ends at" in welcome["text"]
    username, password, _ = credentials(journey.mail(email, "credentials"))
    journey.wait_state(registration_id, State.READY)
    registration = journey.services.store.get(registration_id)
    student = registration.student

    # Reminder, fired twice: one mail, without the password
    journey.clock.now = registration.reminder_at + timedelta(seconds=1)
    journey.runner.run_due()
    journey.services.lifecycle.remind(registration_id)
    reminder = journey.mail(email, "reminder")
    assert "ends in 60 minutes" in reminder["subject"]
    assert password not in reminder["text"] + reminder["html"]

    # Expiry, fired twice: one CLEANUP, the seat wiped and freed, one thanks mail
    journey.clock.now = registration.ends_at + timedelta(seconds=1)
    journey.runner.run_due()
    journey.services.lifecycle.expire(registration_id)
    thanks = journey.mail(email, "thanks")
    journey.wait_state(registration_id, State.ENDED)
    assert "survey" in thanks["text"].lower() and "/badge/?id=" in thanks["text"]
    assert journey.kinds(email) == ["welcome", "credentials", "reminder", "thanks"]
    seats = audit(WORKSHOP)
    assert student in seats.free and seats.violations() == []
    # The old credentials are dead and the files are gone
    _, refused = hub_login(journey.hub.url, username, password)
    assert "/hub/login" in refused.url
    assert not list((journey.hub.homes_dir / username).glob("*.ipynb"))
    # The name arrived escaped in every mail
    for mail in journey.stack.inbox(to=email):
        assert "O&#39;Brien &amp; Sons" in mail["html"] and "& Sons" not in mail["html"]


def test_an_expiry_racing_the_create_ends_cleanly(journey: Journey) -> None:
    email = "race@journey.example"
    # Staged: the agent is held (stopped) so the CREATE is still in flight when the session
    # expires; the CLEANUP queues behind it in the seat's FIFO group.
    journey.stack.stop_process("e2e-agent")
    try:
        registration_id = journey.register(email)
        journey.services.lifecycle.expire(registration_id)
        assert journey.state(registration_id) is State.ENDING
    finally:
        backend.start_agent(journey.stack, journey.config, name="e2e-agent")
    journey.wait_state(registration_id, State.ENDED)
    assert "credentials" not in journey.kinds(email)
    assert audit(WORKSHOP).violations() == []
    assert registration_id not in audit(WORKSHOP).holders


def test_a_stuck_deployment_is_apologized_cleaned_and_freed(journey: Journey) -> None:
    journey.stack.stop_process("e2e-agent")  # the backend is down
    try:
        email = "stuck@journey.example"
        registration_id = journey.register(email)
        journey.clock.now = datetime.now(UTC) + timedelta(minutes=11)
        assert journey.services.sweeper.run()[registration_id] == "stuck"
        assert journey.kinds(email) == ["welcome", "apology"]
    finally:
        backend.start_agent(journey.stack, journey.config, name="e2e-agent")  # back up
    journey.wait_state(registration_id, State.ENDED)
    assert journey.kinds(email) == ["welcome", "apology"]  # no credentials, no thanks
    assert registration_id not in audit(WORKSHOP).holders
