"""The fault-recovery rig: the local stack (moto over HTTP with its fault switch, a gateway over
the real handler), a real JupyterHub and the real `wod-agent` on a queue of their own, kept
running by a supervisor as systemd would (an agent that dies is started again), and the sweep
on a clock the tests drive. Every wait is on state, with a deadline; no fixed sleeps.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
import yaml
from passlib.hash import pbkdf2_sha256

from tests.conftest import write_workshop
from tests.support.altcha import solved
from tests.support.clock import Clock
from tests.support.seats import audit
from wod.adapters.models import RegistrationRecord
from wod.domain.registrations import FollowUp, Registration
from wod.domain.states import State
from wod.local import backend, inbox
from wod.local.faults import FAULTS_PATH
from wod.local.stack import LocalStack, free_port
from wod.services.sweep import LEASE_SECONDS, Swept
from wod.services.wiring import Services, build_services
from wod.settings import Settings

BACKEND = "faults"
WORKSHOP = "faults-ws"
WARM_WORKSHOP = "faults-warm"
RESET_WORKSHOP = "faults-reset"  # its end order is made to fail
AGENT = "faults-agent"
HUB = "faults-hub"
GATEWAY = "faults-gateway"
DEADLINE = 150.0  # seconds: a CREATE on a loaded 2-core machine, with crashes in between
# Short, so that a message held by an agent that died is visible again soon.
VISIBILITY = 5
MAX_RECEIVES = 5


def wait_until(
    what: str, done: Callable[[], bool], tick: Callable[[], None], timeout: float = DEADLINE
) -> None:
    """Poll `done` until it holds (calling `tick` between looks), or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        tick()
        time.sleep(0.3)
    raise AssertionError(f"not within {timeout:.0f}s: {what}")


@dataclass
class FaultSwitch:
    """The local endpoint's fault switch (`wod.local.faults`)."""

    url: str

    def set(self, service: str, mode: str, every: int = 1) -> None:
        body = {"service": service, "mode": mode, "every": every}
        requests.post(self.url, json=body, timeout=10).raise_for_status()

    def clear(self, service: str) -> None:
        requests.post(self.url, json={"service": service, "mode": "off"}, timeout=10)

    def injected(self, service: str) -> int:
        state = requests.get(self.url, timeout=10).json()
        return int(state["injected"].get(service, 0))


@dataclass
class Rig:
    stack: LocalStack
    api: str
    hub: backend.LocalHub
    hub_workdir: Path
    hub_port: int
    config_path: Path
    base_config: dict[str, Any]
    queue_url: str
    dlq_url: str
    queues: dict[str, str]
    faults: FaultSwitch
    workshops_root: Path
    clock: Clock = field(default_factory=lambda: Clock(datetime.now(UTC)))
    agent_starts: int = 0
    services: Services = field(init=False)

    def __post_init__(self) -> None:
        self.services = self.services_at(self.clock)

    def services_at(self, clock: Clock, stuck_after_seconds: int = 7200) -> Services:
        settings = Settings(
            **{
                **self.stack.settings().model_dump(),
                "backend_queues": self.queues,
                "backend_hubs": {BACKEND: self.hub.url},
                # The sweep runs on the driven clock: short grace, nothing stuck meanwhile.
                "sweep_grace_seconds": 5,
                "stuck_after_seconds": stuck_after_seconds,
                "sweep_give_up_seconds": 7200,
            }
        )
        return build_services(settings, clock=clock)

    # -- the agent, supervised ------------------------------------------------------------------

    def start_agent(self, **overrides: Any) -> None:
        config = {**self.base_config, **overrides}
        self.config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
        backend.start_agent(self.stack, self.config_path, name=AGENT)
        self.agent_starts += 1

    def stop_agent(self) -> None:
        self.stack.stop_process(AGENT)

    def restart_agent(self, **overrides: Any) -> None:
        """Run the agent with these settings (started again only if they differ)."""
        config = {**self.base_config, **overrides}
        running = self.stack.processes.get(AGENT)
        current = yaml.safe_load(self.config_path.read_text(encoding="utf-8"))
        if running is not None and running.poll() is None and current == config:
            return
        self.stop_agent()
        self.start_agent(**overrides)

    def supervise(self) -> None:
        """What systemd's Restart= does: an agent that exited is started again, as it was."""
        process = self.stack.processes.get(AGENT)
        if process is not None and process.poll() is not None:
            del self.stack.processes[AGENT]
            backend.start_agent(self.stack, self.config_path, name=AGENT)
            self.agent_starts += 1

    # -- the hub ---------------------------------------------------------------------------------

    def stop_hub(self) -> None:
        self.stack.stop_process(HUB)

    def start_hub(self) -> None:
        backend.start_hub(self.stack, self.hub_workdir, self.hub_port, HUB, token=self.hub.token)

    # -- the API's side --------------------------------------------------------------------------

    def register(self, email: str, workshop: str = WORKSHOP) -> str:
        response = requests.post(
            self.api + "registrations",
            json=solved(
                self.api,
                {
                    "workshop_id": workshop,
                    "email": email,
                    "first_name": "Annie",
                    "last_name": "Easley",
                    "company": "NASA",
                    "accept_terms": True,
                },
            ),
            timeout=60,
        )
        assert response.status_code == 202, response.text
        return str(response.json()["registration_id"])

    def end_early(self, email: str, registration_id: str) -> None:
        """What the participant does with the status link of their welcome mail."""
        (welcome,) = [m for m in self.stack.inbox(to=email) if m["kind"] == "welcome"]
        link = next(word for word in welcome["text"].split() if "/status/?" in word)
        token = parse_qs(urlparse(link).query)["token"][0]
        response = requests.delete(
            f"{self.api}registrations/{registration_id}", params={"token": token}, timeout=60
        )
        assert response.status_code == 202, response.text

    def get(self, registration_id: str) -> Registration:
        return self.services.store.get(registration_id)

    def sweep(self) -> dict[str, Swept]:
        """One sweep, the clock moved past the last one's leases (and the grace)."""
        self.clock.now = max(self.clock.now, datetime.now(UTC)) + timedelta(
            seconds=LEASE_SECONDS + 1
        )
        return self.services.sweeper.run()

    def kinds(self, email: str) -> list[str]:
        return [m["kind"] for m in self.stack.inbox(to=email)]

    def wait_state(self, registration_id: str, state: State, timeout: float = DEADLINE) -> None:
        wait_until(
            f"{registration_id} {state.value} (is {self.get(registration_id).state.value})",
            lambda: self.get(registration_id).state is state,
            self.supervise,
            timeout,
        )

    def journal(self, order_id: str) -> tuple[str, int] | None:
        """The agent's journal entry of an order: (state, attempts)."""
        path = self.hub.state_dir / "journal.sqlite"
        if not path.exists():
            return None
        with sqlite3.connect(path) as db:
            row = db.execute(
                "SELECT state, attempts FROM orders WHERE order_id = ?", (order_id,)
            ).fetchone()
        return (str(row[0]), int(row[1])) if row else None

    def dead_letters(self) -> int:
        attributes = boto3.client("sqs").get_queue_attributes(
            QueueUrl=self.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def assert_mailed_password_opens_the_seat(self, email: str) -> None:
        """The password of the last credentials mail is the seat's (the hub's hash file)."""
        mail = [m for m in self.stack.inbox(to=email) if m["kind"] == "credentials"][-1]
        login = inbox.credentials(mail)
        stored = (self.hub.state_dir / "hub-passwords" / login.username).read_text().strip()
        assert pbkdf2_sha256.verify(login.password, stored), login.username

    # -- the outcome every test ends with --------------------------------------------------------

    def assert_settled(self, registration_ids: list[str]) -> None:
        """Every registration of the rig's workshops (this test's, `registration_ids`, and the
        earlier tests') READY with its credentials mailed, or ENDED with its seat back; free +
        held == capacity for every workshop of the rig."""
        everyone = {
            record.registration_id
            for record in RegistrationRecord.scan(
                RegistrationRecord.workshop_id.is_in(WORKSHOP, RESET_WORKSHOP),
                consistent_read=True,
            )
        }
        assert set(registration_ids) <= everyone
        for rid in sorted(everyone):
            registration = self.get(rid)
            if registration.state is State.READY:
                assert FollowUp.CREDENTIALS_MAIL not in registration.follow_ups, rid
                assert "credentials" in self.kinds(registration.email), rid
            else:
                assert registration.state is State.ENDED, (rid, registration.state)
                assert rid not in audit(registration.workshop_id).holders
        for workshop in (WORKSHOP, WARM_WORKSHOP, RESET_WORKSHOP):
            assert audit(workshop).violations() == [], workshop


def _queue(stack: LocalStack) -> tuple[str, str]:
    sqs = boto3.client("sqs")
    name = f"wod-{BACKEND}-{free_port()}"
    dlq = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes={"FifoQueue": "true"})
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq["QueueUrl"], AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    url = sqs.create_queue(
        QueueName=f"{name}.fifo",
        Attributes={
            "FifoQueue": "true",
            "VisibilityTimeout": str(VISIBILITY),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}
            ),
        },
    )["QueueUrl"]
    return url, dlq["QueueUrl"]


@pytest.fixture(scope="package")
def rig(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    root = tmp_path_factory.mktemp("faults-workshops")
    write_workshop(root, WORKSHOP, 9101, 9106, backend=BACKEND, duration_minutes=60)
    write_workshop(root, WARM_WORKSHOP, 9201, 9202, backend=BACKEND, warm_seats=1)
    write_workshop(root, RESET_WORKSHOP, 9301, 9302, backend=BACKEND, on_end="reset")
    queue_url, dlq_url = _queue(local_stack)
    # Not in the stack's own queue list: the session's order log must never drain this queue.
    queues = {**local_stack.resources.queue_urls, BACKEND: queue_url}
    hub_workdir, hub_port = tmp_path_factory.mktemp("faults-hub"), free_port()
    hub = backend.start_hub(local_stack, hub_workdir, hub_port, HUB)
    base = local_stack.start_gateway(
        name=GATEWAY,
        port=free_port(),
        env={
            "WOD_BACKEND_QUEUES": json.dumps(queues),
            "WOD_BACKEND_HUBS": json.dumps({BACKEND: hub.url}),
        },
        workers=2,
    )
    config_path = backend.write_agent_config(
        local_stack, hub, root.parent / "faults-agent.yml", base + "api", [root]
    )
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config.update(
        queue_url=queue_url,
        visibility_timeout=VISIBILITY + 1,
        max_receives=MAX_RECEIVES,
        poll_wait_seconds=1,
        retry_delay=1,
    )
    faults = FaultSwitch(local_stack.aws_endpoint + FAULTS_PATH)
    rig = Rig(
        local_stack, base + "api/", hub, hub_workdir, hub_port, config_path, config,
        queue_url, dlq_url, queues, faults, root,
    )  # fmt: skip
    local_stack.seed(root)  # after the gateway: seeding tops up no warm seat by itself
    rig.start_agent()
    try:
        yield rig
    finally:
        for service in ("ses", "sqs", "dynamodb"):
            faults.clear(service)
        for name in (AGENT, GATEWAY, HUB):
            local_stack.stop_process(name)


@pytest.fixture(autouse=True)
def _no_fault_left_on(rig: Rig) -> Iterator[None]:
    """A test that fails half-way must not leave a dependency down for the next one."""
    yield
    for service in ("ses", "sqs", "dynamodb"):
        rig.faults.clear(service)
    rig.supervise()
