"""The whole product on the local stack with the real backend: the API (gateway over the real
handler, moto over HTTP), the real `wod-agent` process running the real Ansible playbooks
against a real JupyterHub (local account mode), and the scheduler runner on a controlled clock.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nbformat
import pytest
import requests

from tests.agent.peers import home_listing, hub_login
from tests.conftest import write_workshop
from tests.support.seats import audit
from wod.domain.states import State
from wod.local import backend, provision
from wod.local.scheduler import SchedulerRunner
from wod.local.stack import LocalStack, free_port
from wod.services.lifecycle import Lifecycle
from wod.services.wiring import Services, build_services

pytestmark = pytest.mark.slow

BACKEND = "e2e"
WORKSHOP = "e2e-ws"
SLOW = 240.0  # seconds: a CREATE under a loaded 2-core machine can take a while


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Journey:
    stack: LocalStack
    api: str
    hub: backend.LocalHub
    clock: Clock
    services: Services
    runner: SchedulerRunner
    config: Path

    def register(self, email: str, first_name: str = "Margaret") -> str:
        response = requests.post(
            self.api + "registrations",
            json={
                "workshop_id": WORKSHOP,
                "email": email,
                "first_name": first_name,
                "last_name": "Hamilton",
                "company": "MIT",
                "accept_terms": True,
            },
            timeout=60,
        )
        assert response.status_code == 202, response.text
        return str(response.json()["registration_id"])

    def mail(self, email: str, kind: str, timeout: float = SLOW) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.stack.inbox(to=email) if m["kind"] == kind]
            if found:
                return found[-1]
            time.sleep(1)
        kinds = [m["kind"] for m in self.stack.inbox(to=email)]
        raise AssertionError(f"no {kind} mail for {email} in {timeout}s; got {kinds}")

    def kinds(self, email: str) -> list[str]:
        return [m["kind"] for m in self.stack.inbox(to=email)]

    def state(self, registration_id: str) -> State:
        return self.services.registrations.registrations.get(registration_id).state

    def wait_state(self, registration_id: str, state: State, timeout: float = SLOW) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state(registration_id) is state:
                return
            time.sleep(1)
        raise AssertionError(f"{registration_id} is {self.state(registration_id)}, not {state}")


def credentials(mail: dict[str, Any]) -> tuple[str, str, str]:
    text = mail["text"]
    username = re.search(r"Username: (\S+)", text)
    password = re.search(r"Password: (\S+)", text)
    start = re.search(r"(http://\S+/hub/login\?next=\S+)", text)
    assert username and password and start, text
    return username.group(1), password.group(1), start.group(1)


def make_workshop(root: Path) -> None:
    directory = write_workshop(
        root, WORKSHOP, 9001, 9005, backend=BACKEND, duration_minutes=90, title="Journey 101"
    )
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Welcome, {{ wod.username }}\nRead me first."),
        nbformat.v4.new_code_cell("print('hello {{ wod.workshop_title }}')"),
    ]
    nbformat.write(notebook, directory / "0-ReadMeFirst.ipynb")


@pytest.fixture(scope="module")
def journey(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    root = tmp_path_factory.mktemp("journey-workshops")
    make_workshop(root)
    local_stack.seed(root)
    # Its own backend queue: the agent never sees the orders of the other tests.
    local_stack.resources.queue_urls.update(provision.create_queues([BACKEND]).queue_urls)
    hub = backend.start_hub(
        local_stack, tmp_path_factory.mktemp("journey-hub"), free_port(), "e2e-hub"
    )
    base = local_stack.start_gateway(
        name="e2e-gateway",
        port=free_port(),
        env={
            "WOD_BACKEND_QUEUES": json.dumps(local_stack.resources.queue_urls),
            "WOD_BACKEND_HUBS": json.dumps({BACKEND: hub.url}),
        },
        workers=2,
    )
    config = backend.write_agent_config(
        local_stack, hub, root.parent / "agent.yml", base + "api", [root], backend=BACKEND
    )
    backend.start_agent(local_stack, config, name="e2e-agent")
    clock = Clock(datetime.now(UTC))
    services = build_services(local_stack.settings(), clock=clock)
    runner = SchedulerRunner(
        Lifecycle(services.registrations), services.settings.scheduler_group, clock
    )
    try:
        yield Journey(local_stack, base + "api/", hub, clock, services, runner, config)
    finally:
        for name in ("e2e-agent", "e2e-gateway", "e2e-hub"):
            local_stack.stop_process(name)


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
    registration_id = journey.register(email, first_name='<script>alert("x")</script>')
    welcome = journey.mail(email, "welcome")
    assert "Journey 101" in welcome["subject"] and "ends at" in welcome["text"]
    username, password, _ = credentials(journey.mail(email, "credentials"))
    journey.wait_state(registration_id, State.READY)
    registration = journey.services.registrations.registrations.get(registration_id)
    student = registration.student

    # Reminder, fired twice: one mail, without the password
    journey.clock.now = registration.reminder_at + timedelta(seconds=1)
    journey.runner.run_due()
    Lifecycle(journey.services.registrations).remind(registration_id)
    reminder = journey.mail(email, "reminder")
    assert "ends in 60 minutes" in reminder["subject"]
    assert password not in reminder["text"] + reminder["html"]

    # Expiry, fired twice: one CLEANUP, the seat wiped and freed, one thanks mail
    journey.clock.now = registration.ends_at + timedelta(seconds=1)
    journey.runner.run_due()
    Lifecycle(journey.services.registrations).expire(registration_id)
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
    # The hostile name arrived escaped in every mail
    for mail in journey.stack.inbox(to=email):
        assert "<script>" not in mail["html"] and "&lt;script&gt;" in mail["html"]


def test_an_expiry_racing_the_create_ends_cleanly(journey: Journey) -> None:
    email = "race@journey.example"
    registration_id = journey.register(email)
    # The session expires while the agent is still deploying
    Lifecycle(journey.services.registrations).expire(registration_id)
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
