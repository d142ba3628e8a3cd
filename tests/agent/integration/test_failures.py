"""Orders that cannot complete: refused callbacks, and the last receive of a failing order."""

# ruff: noqa: TID252
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from wod_contracts.orders import OrderVerb

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..conftest import AgentSetup, Hub, SqsTestQueue
from ..peers import make_order, run_agent_once, write_workshop

pytestmark = pytest.mark.slow


def wait_until_visible(queue: SqsTestQueue, timeout: float = 30) -> None:
    """The retry delay has run out: the kept message can be received again."""
    deadline = time.monotonic() + timeout
    while queue.count()[0] == 0:
        assert time.monotonic() < deadline, "the kept message never became visible again"
        time.sleep(0.1)


def dlq_bodies(queue: SqsTestQueue) -> list[str]:
    # Receiving from the main queue lets the redrive move an exhausted message.
    queue.client.receive_message(QueueUrl=queue.url, WaitTimeSeconds=0)
    answer = queue.client.receive_message(QueueUrl=queue.dlq_url, MaxNumberOfMessages=10)
    return [message["Body"] for message in answer.get("Messages", [])]


def test_refused_callbacks_are_not_retried_in_a_loop_nor_deleted(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
) -> None:
    # Given an API that refuses the agent's callback: a bad signature (401), then a token that
    # does not match the order (403)
    queue = make_queue(max_receives=2)
    agent = make_agent(local_hub, queue)
    agent.receiver.force_status = 401
    write_workshop(agent.workshops_dir, "WOD-REF", 501, 510)
    order = make_order(OrderVerb.CLEANUP, 501, "WOD-REF")
    queue.send(order)

    # When the agent gets the order
    run_agent_once(agent.config_path)

    # Then it tried once, and the message is still there
    assert [c.status for c in agent.receiver.calls_for(order.order_id)] == [401]
    assert sum(queue.count()) == 1

    # and on the last delivery it tries once more, then leaves the message to the DLQ
    agent.receiver.force_status = 403
    wait_until_visible(queue)
    run_agent_once(agent.config_path)
    assert [c.status for c in agent.receiver.calls_for(order.order_id)] == [401, 403]
    assert [order.order_id in body for body in dlq_bodies(queue)] == [True]
    assert queue.count() == (0, 0)


def test_order_failing_until_max_receives_is_reported_failed_and_dead_lettered(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
) -> None:
    queue = make_queue(max_receives=2)
    agent = make_agent(local_hub, queue)
    broken = [{"name": "Break", "ansible.builtin.fail": {"msg": "the lab appliance is down"}}]
    write_workshop(agent.workshops_dir, "WOD-BROKEN", 601, 610, broken)
    order = make_order(OrderVerb.CREATE, 601, "WOD-BROKEN")
    queue.send(order)

    run_agent_once(agent.config_path)  # first delivery: fails, kept for a retry
    assert agent.receiver.calls == []
    wait_until_visible(queue)
    run_agent_once(agent.config_path)  # last delivery: fails again, reported

    [callback] = agent.receiver.calls_for(order.order_id)
    assert callback.status == 200
    assert callback.body["outcome"] == "failed"
    assert callback.body.get("password") is None
    assert "gave up after 2 attempts" in callback.body["error"]
    assert "the lab appliance is down" in callback.body["error"]
    assert [order.order_id in body for body in dlq_bodies(queue)] == [True]


def test_a_workshop_with_a_link_to_a_secret_is_refused_and_reported_at_once(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
    tmp_path: Path,
) -> None:
    # Given a workshop whose data file is a link to a secret of the backend
    queue = make_queue(max_receives=3)
    agent = make_agent(local_hub, queue)
    secret = tmp_path / "callback-secret"  # the agent's own secret file
    workshop = write_workshop(agent.workshops_dir, "WOD-LINK", 621, 630)
    (workshop / "data.csv").unlink()
    (workshop / "data.csv").symlink_to(secret)
    order = make_order(OrderVerb.CREATE, 621, "WOD-LINK")
    queue.send(order)

    # When the agent gets a CREATE for it
    run_agent_once(agent.config_path)

    # Then the order fails at its first delivery, with the reason, and the message is done
    [callback] = agent.receiver.calls_for(order.order_id)
    assert callback.status == 200
    assert callback.body["outcome"] == "failed"
    assert callback.body.get("password") is None
    assert callback.body["error"] == (
        f"workshop WOD-LINK refused: data.csv is a symbolic link (to {secret}): "
        "put the file itself in the workshop's directory"
    )
    assert queue.count() == (0, 0)
    # and the secret reached no home
    assert not (local_hub.homes_dir / "student621" / "data.csv").exists()
    assert not any(
        path.read_bytes() == secret.read_bytes()
        for path in local_hub.homes_dir.rglob("*")
        if path.is_file()
    )
