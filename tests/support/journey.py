"""The real backend beside the test stack: a JupyterHub (local account mode), the `wod-agent`
process on a queue of its own, a gateway that knows the hub, and the scheduler runner on a
controlled clock. Shared by the full-stack tests and the whole-journey browser test."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import pytest
import requests

from tests.conftest import write_workshop
from tests.support.altcha import solved
from tests.support.clock import Clock
from wod.domain.states import State
from wod.local import backend, inbox, provision
from wod.local.scheduler import SchedulerRunner
from wod.local.stack import LocalStack, free_port
from wod.services.wiring import Services, build_services

BACKEND = "e2e"
WORKSHOP = "e2e-ws"
SLOW = 240.0  # seconds: a CREATE under a loaded 2-core machine can take a while


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
            json=solved(
                self.api,
                {
                    "workshop_id": WORKSHOP,
                    "email": email,
                    "first_name": first_name,
                    "last_name": "Hamilton",
                    "company": "MIT",
                    "accept_terms": True,
                },
            ),
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
        return self.services.store.get(registration_id).state

    def wait_state(self, registration_id: str, state: State, timeout: float = SLOW) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state(registration_id) is state:
                return
            time.sleep(1)
        raise AssertionError(f"{registration_id} is {self.state(registration_id)}, not {state}")


def credentials(mail: dict[str, Any]) -> tuple[str, str, str]:
    login = inbox.credentials(mail)
    return login.username, login.password, login.start_url


def make_workshop(root: Path) -> None:
    directory = write_workshop(
        root, WORKSHOP, 9001, 9005, backend=BACKEND, duration_minutes=90, title="Journey 101"
    )
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Welcome, {{ wod.username }}\nRead me first."),
        nbformat.v4.new_code_cell("print('hello {{ wod.workshop_title }}')"),
    ]
    nbformat.write(notebook, directory / "0-ReadMeFirst.ipynb")


@contextmanager
def running_journey(
    local_stack: LocalStack,
    tmp_path_factory: pytest.TempPathFactory,
    site_dir: Path | None = None,
    workshops_root: Path | None = None,
) -> Iterator[Journey]:
    """Start hub, agent and gateway (serving `site_dir`, if given) for one test module; the
    test workshop is made under `workshops_root` (a fresh directory if not given)."""
    root = workshops_root or tmp_path_factory.mktemp("journey-workshops")
    if not (root / WORKSHOP).exists():
        make_workshop(root)
    local_stack.seed(root)
    # Its own backend queue: the agent never sees the orders of the other tests.
    local_stack.resources.queue_urls.update(provision.create_queues([BACKEND]).queue_urls)
    hub = backend.start_hub(
        local_stack, tmp_path_factory.mktemp("journey-hub"), free_port(), "e2e-hub"
    )
    site_before = local_stack.site_dir
    if site_dir is not None:
        local_stack.site_dir = site_dir
    port = free_port()
    base = local_stack.start_gateway(
        name="e2e-gateway",
        port=port,
        env={
            "WOD_BACKEND_QUEUES": json.dumps(local_stack.resources.queue_urls),
            "WOD_BACKEND_HUBS": json.dumps({BACKEND: hub.url}),
            # Links in mails lead to this gateway's site (status, badge pages).
            "WOD_SITE_URL": f"http://127.0.0.1:{port}/",
        },
        workers=2,
    )
    config = backend.write_agent_config(
        local_stack, hub, root.parent / "agent.yml", base + "api", [root], backend=BACKEND
    )
    backend.start_agent(local_stack, config, name="e2e-agent")
    clock = Clock(datetime.now(UTC))
    services = build_services(local_stack.settings(), clock=clock)
    runner = SchedulerRunner(services.lifecycle, services.settings.scheduler_group, clock)
    try:
        yield Journey(local_stack, base + "api/", hub, clock, services, runner, config)
    finally:
        local_stack.site_dir = site_before
        for name in ("e2e-agent", "e2e-gateway", "e2e-hub"):
            local_stack.stop_process(name)
