"""Idempotency by order id: duplicates, an agent killed mid-deployment, and SIGTERM.

`wod-agent run` runs as a real subprocess; it is killed by its own PID.
"""

# ruff: noqa: TID252
from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest

from wod_contracts.orders import OrderVerb

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..conftest import AgentSetup, Hub, SqsTestQueue
from ..peers import (
    counting_setup,
    hub_login,
    make_order,
    pausing_setup,
    run_agent_once,
    wait_until,
    write_workshop,
)

pytestmark = pytest.mark.slow
WOD_AGENT = Path(sys.executable).parent / "wod-agent"


def start_agent(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(WOD_AGENT), "--config", str(config), "run"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_same_create_twice_deploys_and_reports_once(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
    tmp_path: Path,
) -> None:
    agent = make_agent(local_hub, make_queue())
    counter = tmp_path / "deployments"
    counter.mkdir()
    write_workshop(agent.workshops_dir, "WOD-DUP", 201, 210, counting_setup(counter))
    order = make_order(OrderVerb.CREATE, 201, "WOD-DUP")
    # The same order delivered twice (the API retried the send, say).
    agent.queue.send(order, dedup="first")
    agent.queue.send(order, dedup="second")

    run_agent_once(agent.config_path, rounds=2)

    assert len(list(counter.iterdir())) == 1
    assert len(agent.receiver.calls_for(order.order_id)) == 1
    assert agent.queue.count() == (0, 0)


def test_agent_killed_mid_deployment_reports_once_on_redelivery(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
    tmp_path: Path,
) -> None:
    # Given an agent deploying a workshop whose setup pauses
    queue = make_queue(visibility=6)
    agent = make_agent(local_hub, queue, visibility_timeout=6)
    counter, release = tmp_path / "deployments", tmp_path / "release"
    counter.mkdir()
    write_workshop(agent.workshops_dir, "WOD-KILL", 301, 310, pausing_setup(counter, release))
    order = make_order(OrderVerb.CREATE, 301, "WOD-KILL")
    queue.send(order)
    log = tmp_path / "agent.log"
    first = start_agent(agent.config_path, log)
    wait_until(lambda: any(counter.iterdir()), 60, "the deployment to start")

    # When the agent is killed by its PID, and (as systemd's control group would) its children
    children = psutil.Process(first.pid).children(recursive=True)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    assert agent.receiver.calls == []

    # Then a new agent gets the redelivered order, finishes it and reports once
    release.touch()
    second = start_agent(agent.config_path, log)
    try:
        wait_until(lambda: queue.count() == (0, 0), 120, "the order to be settled")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0, log.read_text()[-3000:]
    [callback] = agent.receiver.calls_for(order.order_id)
    assert callback.status == 200
    assert callback.body["outcome"] == "succeeded"
    assert len(list(counter.iterdir())) == 2  # the interrupted run, then the completed one
    _, landing = hub_login(local_hub.url, "student301", callback.body["password"])
    assert landing.status_code == 200
    assert landing.url.endswith("/user/student301/lab/tree/0-ReadMeFirst.ipynb")
    # and the journal no longer holds the password
    with sqlite3.connect(local_hub.state_dir / "journal.sqlite") as db:
        row = db.execute(
            "SELECT state, sealed_password FROM orders WHERE order_id = ?", (order.order_id,)
        ).fetchone()
    assert row == ("reported", None)


def test_sigterm_finishes_the_current_order_then_exits(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
    tmp_path: Path,
) -> None:
    agent = make_agent(local_hub, make_queue())
    counter, release = tmp_path / "deployments", tmp_path / "release"
    counter.mkdir()
    write_workshop(agent.workshops_dir, "WOD-TERM", 401, 410, pausing_setup(counter, release))
    order = make_order(OrderVerb.CREATE, 401, "WOD-TERM")
    agent.queue.send(order)
    log = tmp_path / "agent.log"
    process = start_agent(agent.config_path, log)
    wait_until(lambda: any(counter.iterdir()), 60, "the deployment to start")

    process.send_signal(signal.SIGTERM)
    release.touch()

    assert process.wait(timeout=120) == 0, log.read_text()[-3000:]
    assert [c.status for c in agent.receiver.calls_for(order.order_id)] == [200]
    assert agent.queue.count() == (0, 0)
