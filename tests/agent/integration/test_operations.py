"""What an operator sees of a real `wod-agent run` (moto SQS, a local JupyterHub, real Ansible):
/healthz and /metrics on its local port, JSON log lines about the order, no secret in them.

The agent runs as a subprocess in its own session; the test stops it by its PID.
"""

# ruff: noqa: TID252
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from wod_contracts.orders import OrderVerb

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..conftest import AgentSetup, Hub, SqsTestQueue, stop_group
from ..peers import make_order, wait_until, write_workshop

pytestmark = pytest.mark.slow
WOD_AGENT = Path(sys.executable).parent / "wod-agent"


def samples(base: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = requests.get(f"{base}/metrics", timeout=5).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(
    metrics: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


def healthz(base: str) -> tuple[int, dict[str, object]]:
    try:
        response = requests.get(f"{base}/healthz", timeout=5)
    except requests.ConnectionError:
        return 0, {}
    return response.status_code, response.json()


@pytest.fixture
def run_agent(
    tmp_path: Path,
) -> Iterator[Callable[[AgentSetup], tuple[subprocess.Popen[bytes], Path]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(agent: AgentSetup) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"agent-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(WOD_AGENT), "--config", str(agent.config_path), "run"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(process)
        return process, log

    yield start
    for process in started:
        if process.poll() is None:
            stop_group(process)


def status_base(agent: AgentSetup) -> str:
    config = yaml.safe_load(agent.config_path.read_text(encoding="utf-8"))
    return f"http://127.0.0.1:{config['metrics_port']}"


def test_metrics_health_and_logs_of_a_running_agent(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
    run_agent: Callable[[AgentSetup], tuple[subprocess.Popen[bytes], Path]],
) -> None:
    # Given a running agent that polled its queue
    agent = make_agent(local_hub, make_queue(), account_mode="local")
    write_workshop(agent.workshops_dir, "WOD-OPS", 801, 810)
    process, log = run_agent(agent)
    base = status_base(agent)
    wait_until(lambda: healthz(base)[0] == 200, 120, "/healthz to answer 200")
    status, body = healthz(base)
    assert status == 200 and body["status"] == "ok" and body["version"]
    before = samples(base)
    assert value(before, "wod_agent_orders_total", verb="CREATE", outcome="succeeded") == 0

    # When an order comes
    order = make_order(OrderVerb.CREATE, 801, "WOD-OPS")
    agent.queue.send(order)
    # (deadlines are generous for a loaded machine; on a quiet one this takes ~20 s)
    wait_until(lambda: agent.receiver.accepted(order.order_id), 300, "the order's callback")

    # Then the counters moved
    def settled() -> bool:
        now = samples(base)
        return value(now, "wod_agent_orders_total", verb="CREATE", outcome="succeeded") == 1

    wait_until(settled, 30, "the order to be counted")
    after = samples(base)
    assert value(after, "wod_agent_orders_in_flight", verb="CREATE") == 0
    for step in ("hub", "ansible", "callback"):
        count = value(
            after, "wod_agent_order_step_duration_seconds_count", verb="CREATE", step=step
        )
        assert count == 1, step
    assert (
        value(after, "wod_agent_order_step_duration_seconds_sum", verb="CREATE", step="ansible") > 0
    )
    assert value(after, "wod_agent_queue_lag_seconds_count") == 1
    polls = value(after, "wod_agent_queue_polls_total", result="ok")
    assert polls > value(before, "wod_agent_queue_polls_total", result="ok")
    assert healthz(base)[0] == 200

    # and SIGTERM stops it cleanly
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, log.read_text()[-3000:]

    # Its log is JSON lines; the order's lines carry its fields; no password nor hash anywhere
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    about = [line for line in lines if line.get("order_id") == order.order_id]
    assert any("succeeded" in line["message"] for line in about)
    assert {line["registration_id"] for line in about} == {order.registration_id}
    assert {(line["seat"], line["verb"]) for line in about} == {(order.seat, "CREATE")}
    [callback] = agent.receiver.accepted(order.order_id)
    secrets = [
        callback["password"],
        (local_hub.state_dir / "hub-passwords" / "student801").read_text().strip(),
    ]
    assert all(secret and secret not in log.read_text() for secret in secrets)


def test_health_says_why_when_the_queue_cannot_be_polled(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
    run_agent: Callable[[AgentSetup], tuple[subprocess.Popen[bytes], Path]],
) -> None:
    queue = make_queue()
    agent = make_agent(local_hub, queue, account_mode="local", queue_url=queue.url + "-gone")
    process, log = run_agent(agent)
    base = status_base(agent)
    wait_until(lambda: "last_error" in healthz(base)[1], 120, "/healthz to report the error")
    status, body = healthz(base)
    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["reason"] == "no successful poll of the order queue yet"
    assert "-gone" in str(body["last_error"])
    failed = value(samples(base), "wod_agent_queue_polls_total", result="error")
    assert failed >= 1
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0, log.read_text()[-3000:]

    # `once` (cron) fails the same poll with exit status 1
    once = subprocess.run(
        [str(WOD_AGENT), "--config", str(agent.config_path), "once"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert once.returncode == 1, once.stderr
    assert "cannot poll the order queue" in once.stderr


def test_a_taken_metrics_port_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wod_agent.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "config.yml"
        config.write_text(
            yaml.safe_dump(
                {
                    "queue_url": "https://sqs.eu-west-1.amazonaws.com/1/orders.fifo",
                    "aws_region": "eu-west-1",
                    "api_url": "https://api.example.org/api",
                    "callback_secret": "a-callback-secret",
                    "hub_url": "https://hub.example.org",
                    "hub_api_url": "http://127.0.0.1:9/hub/api",
                    "hub_token": "a-token",
                    "account_mode": "local",
                    "allow_unsafe_local_mode": True,
                    "workshops_dirs": [str(tmp_path)],
                    "state_dir": str(tmp_path / "state"),
                    "metrics_port": port,
                }
            )
        )
        code = main(["--config", str(config), "run"])
    assert code == 2
    assert f"metrics_port: cannot listen on 127.0.0.1:{port}: Address already in use" in (
        capsys.readouterr().err
    )
