"""A follow-up that fails after the seat was taken is finished, or the seat given back, by the
sweep. The failures are real: a queue that does not exist yet, a sender SES has not verified."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import requests
import yaml

from tests.conftest import write_workshop
from tests.support.altcha import solved
from tests.support.orders import OrderLog
from tests.support.seats import audit
from wod.domain.registrations import FollowUp
from wod.domain.states import State
from wod.local.stack import LocalStack, free_port
from wod.services.wiring import Services, build_services
from wod.settings import REPO_ROOT, Settings


def person(workshop_id: str, email: str) -> dict[str, object]:
    return {
        "workshop_id": workshop_id,
        "email": email,
        "first_name": "Mary",
        "last_name": "Jackson",
        "company": "NASA",
        "accept_terms": True,
    }


def services_at(local_stack: LocalStack, when: datetime, **overrides: object) -> Services:
    settings = Settings(**{**local_stack.settings().model_dump(), **overrides})
    return build_services(settings, clock=lambda: when)


@pytest.fixture(scope="module")
def workshop(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("sweep")
    write_workshop(root, "sweep-me", 4001, 4010)
    local_stack.seed(root)
    return "sweep-me"


@pytest.fixture
def broken_queue_gateway(local_stack: LocalStack) -> Iterator[tuple[str, str]]:
    """A gateway whose backend queue does not exist (yet): orders cannot be sent."""
    sqs = boto3.client("sqs")
    name = f"late-{free_port()}.fifo"
    missing_url = local_stack.resources.queue_urls["default"].rsplit("/", 1)[0] + "/" + name
    url = local_stack.start_gateway(
        name="broken-queue",
        port=free_port(),
        env={"WOD_BACKEND_QUEUES": json.dumps({"default": missing_url})},
        workers=2,
    )
    try:
        yield url + "api/", name
    finally:
        local_stack.stop_process("broken-queue")
        with contextlib.suppress(sqs.exceptions.QueueDoesNotExist):
            sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"])


def test_a_lost_order_is_sent_by_the_sweep(
    local_stack: LocalStack, workshop: str, broken_queue_gateway: tuple[str, str]
) -> None:
    api, queue_name = broken_queue_gateway
    # Given a registration whose CREATE order could not be queued
    response = requests.post(
        api + "registrations", json=solved(api, person(workshop, "q@sweep.example")), timeout=30
    )
    assert response.status_code == 202 and response.json()["status"] == "pending"
    registration_id = response.json()["registration_id"]
    services = services_at(local_stack, datetime.now(UTC))
    stored = services.store.get(registration_id)
    assert stored.follow_ups == {FollowUp.CREATE_ORDER}
    # When the queue exists again and the sweep runs after the grace period
    url = boto3.client("sqs").create_queue(QueueName=queue_name, Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    later = services_at(
        local_stack,
        datetime.now(UTC) + timedelta(minutes=2),
        backend_queues={**local_stack.resources.queue_urls, "default": url},
    )
    report = later.sweeper.run()
    # Then the order is on the queue and the registration moves on
    assert report[registration_id] == "repaired"
    log = OrderLog({"late": url})
    (order,) = log.for_registration(registration_id)
    assert order.order.order_id == stored.order_id
    after = later.store.get(registration_id)
    assert after.state is State.DEPLOYING and not after.follow_ups
    # And a second sweep has nothing left to do for it
    assert registration_id not in later.sweeper.run()
    assert log.for_registration(registration_id) == [order]


def test_a_sweep_within_the_grace_period_leaves_fresh_registrations_alone(
    local_stack: LocalStack, workshop: str, broken_queue_gateway: tuple[str, str]
) -> None:
    api, _ = broken_queue_gateway
    response = requests.post(
        api + "registrations", json=solved(api, person(workshop, "g@sweep.example")), timeout=30
    )
    registration_id = response.json()["registration_id"]
    now = services_at(local_stack, datetime.now(UTC))
    assert registration_id not in now.sweeper.run()
    assert now.store.get(registration_id).state is State.PENDING


def test_an_order_that_cannot_be_sent_for_too_long_gives_the_seat_back(
    local_stack: LocalStack, workshop: str, broken_queue_gateway: tuple[str, str]
) -> None:
    api, _ = broken_queue_gateway
    email = "giveup@sweep.example"
    response = requests.post(
        api + "registrations", json=solved(api, person(workshop, email)), timeout=30
    )
    registration_id = response.json()["registration_id"]
    later = services_at(local_stack, datetime.now(UTC) + timedelta(minutes=15))
    # The queue is still missing for the sweep too.
    queues = {**local_stack.resources.queue_urls, "default": "http://127.0.0.1:1/nowhere.fifo"}
    broken = later.settings.model_copy(update={"backend_queues": queues})
    sweeper = build_services(
        broken, clock=lambda: datetime.now(UTC) + timedelta(minutes=15)
    ).sweeper
    assert sweeper.run()[registration_id] == "cancelled"
    assert later.store.get(registration_id).state is State.CANCELLED
    assert registration_id not in audit(workshop).holders and audit(workshop).violations() == []
    kinds = [m["kind"] for m in local_stack.inbox(to=email)]
    assert kinds == ["welcome", "apology"]
    # The participant may register again: the email guard went with the seat.
    again = requests.post(
        local_stack.api_url + "registrations",
        json=solved(local_stack.api_url, person(workshop, email)),
        timeout=30,
    )
    assert again.status_code == 202 and again.json()["registration_id"] != registration_id


def test_a_lost_welcome_mail_is_sent_by_the_sweep(
    local_stack: LocalStack, workshop: str, tmp_path: Path
) -> None:
    # Given a gateway whose sender address SES has not verified: every mail is refused
    branding = yaml.safe_load((REPO_ROOT / "branding.yml").read_text())
    branding["sender"] = "unverified@nowhere.example"
    branding_file = tmp_path / "branding.yml"
    branding_file.write_text(yaml.safe_dump(branding))
    api = (
        local_stack.start_gateway(
            name="no-mail", port=free_port(), env={"WOD_BRANDING_FILE": str(branding_file)}
        )
        + "api/"
    )
    try:
        email = "mail@sweep.example"
        response = requests.post(
            api + "registrations", json=solved(api, person(workshop, email)), timeout=30
        )
    finally:
        local_stack.stop_process("no-mail")
    registration_id = response.json()["registration_id"]
    assert response.status_code == 202 and local_stack.inbox(to=email) == []
    # When the sweep runs with the verified sender
    later = services_at(local_stack, datetime.now(UTC) + timedelta(minutes=2))
    later.sweeper.run()
    # Then the welcome mail arrives, once, with a working status link
    (welcome,) = local_stack.inbox(to=email)
    assert welcome["kind"] == "welcome" and registration_id in welcome["text"]
    later.sweeper.run()
    assert len(local_stack.inbox(to=email)) == 1
    registration = later.store.get(registration_id)
    assert registration.state is State.DEPLOYING and not registration.follow_ups


def test_two_sweeps_at_once_act_once(
    local_stack: LocalStack, workshop: str, broken_queue_gateway: tuple[str, str]
) -> None:
    api, queue_name = broken_queue_gateway
    response = requests.post(
        api + "registrations", json=solved(api, person(workshop, "twice@sweep.example")), timeout=30
    )
    registration_id = response.json()["registration_id"]
    url = boto3.client("sqs").create_queue(QueueName=queue_name, Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    later = datetime.now(UTC) + timedelta(minutes=2)
    sweepers = [
        services_at(
            local_stack, later, backend_queues={**local_stack.resources.queue_urls, "default": url}
        ).sweeper
        for _ in range(4)
    ]
    with ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(lambda s: s.run(), sweepers))
    outcomes = sorted(r[registration_id] for r in reports if registration_id in r)
    assert outcomes.count("repaired") == 1
    assert set(outcomes) <= {"repaired", "leased_elsewhere"}
    assert len(OrderLog({"late": url}).for_registration(registration_id)) == 1
