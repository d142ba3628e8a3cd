"""/healthz from the loop's polls (driven clock), and the status app's routes (WSGI, no socket)."""

from __future__ import annotations

import json
from typing import Any
from wsgiref.util import setup_testing_defaults

from wod_agent.health import PollHealth
from wod_agent.metrics import AgentMetrics
from wod_agent.status_server import status_app


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_healthy_only_while_polls_succeed_recently() -> None:
    clock = Clock()
    health = PollHealth(stale_after=80, clock=clock)
    starting = health.report()
    assert not starting.healthy
    assert starting.body["reason"] == "no successful poll of the order queue yet"

    health.polled()
    clock.now += 79
    assert health.report().healthy
    health.poll_failed("receive from q: throttled")  # one failure within the window: still ok
    assert health.report().healthy

    clock.now += 2
    stale = health.report()
    assert not stale.healthy
    assert stale.body["reason"] == "no successful poll of the order queue for 81s"
    assert stale.body["last_error"] == "receive from q: throttled"
    assert stale.body["seconds_since_last_poll"] == 81

    health.polled()
    assert health.report().healthy and "last_error" not in health.report().body


def test_a_first_poll_that_fails_is_unhealthy_at_once() -> None:
    health = PollHealth(stale_after=80, clock=Clock())
    health.poll_failed("receive from q: AWS.SimpleQueueService.NonExistentQueue")
    report = health.report()
    assert not report.healthy and "NonExistentQueue" in report.body["last_error"]


def test_busy_workers_are_healthy_and_stopping_is_not() -> None:
    clock = Clock()
    health = PollHealth(stale_after=80, clock=clock)
    health.polled()
    clock.now += 500  # a long playbook on every worker: the loop waits instead of polling
    health.busy()
    assert health.report().healthy
    health.stopping()
    assert health.report().body["reason"].startswith("stopping")


def call(app: Any, path: str) -> tuple[str, dict[str, str], bytes]:
    environ: dict[str, Any] = {"PATH_INFO": path}
    setup_testing_defaults(environ)
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer.update(status=status, headers=dict(headers))

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def test_status_app_routes() -> None:
    health = PollHealth(stale_after=80, clock=Clock())
    metrics = AgentMetrics(version="1.2.3")
    app = status_app(health, metrics, "1.2.3")

    status, headers, body = call(app, "/healthz")
    assert status.startswith("503") and headers["Content-Type"] == "application/json"
    assert json.loads(body)["status"] == "unhealthy"
    health.polled()
    status, _, body = call(app, "/healthz")
    assert status == "200 OK"
    assert json.loads(body) == {
        "status": "ok",
        "seconds_since_last_poll": 0.0,
        "stale_after_seconds": 80,
        "version": "1.2.3",
    }

    status, headers, body = call(app, "/metrics")
    assert status.startswith("200") and headers["Content-Type"].startswith("text/plain")
    assert b'wod_agent_orders_total{outcome="succeeded",verb="CREATE"} 0.0' in body
    assert b'wod_agent_build_info{version="1.2.3"} 1.0' in body

    status, _, body = call(app, "/")
    assert status.startswith("404") and json.loads(body)["paths"] == ["/healthz", "/metrics"]
