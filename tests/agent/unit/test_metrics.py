"""The metrics wiring: the real loop and service around fakes move the Prometheus series."""

# ruff: noqa: TID252
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydantic import SecretStr

from wod_agent.journal import Journal
from wod_agent.loop import AgentLoop
from wod_agent.metrics import AgentMetrics
from wod_agent.ports import Delivery, DeploymentError, QueueError, ReceivedMessage
from wod_agent.secrets_box import SecretBox
from wod_agent.service import OrderService
from wod_contracts.orders import Order, OrderVerb

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..peers import make_order
from .fakes import FakeCallbacks, FakeDeployer, FakeHub, FakeQueue, delivery


@dataclass
class GatedDeployer(FakeDeployer):
    """Holds each deployment until the test opens the gate."""

    started: threading.Event = field(default_factory=threading.Event)
    gate: threading.Event = field(default_factory=threading.Event)

    def deploy(self, order: Order, password: SecretStr) -> None:
        self.started.set()
        assert self.gate.wait(timeout=10)
        super().deploy(order, password)


class Rig:
    def __init__(self, tmp_path: Path, deployer: FakeDeployer | None = None) -> None:
        self.metrics = AgentMetrics(version="9.9.9")
        self.deployer = deployer or FakeDeployer()
        self.callbacks = FakeCallbacks()
        self.service = OrderService(
            Journal(tmp_path / "journal.sqlite"),
            SecretBox(b"a-callback-secret-for-unit-tests"),
            FakeHub(),
            self.deployer,
            self.callbacks,
            max_receives=3,
            metrics=self.metrics,
        )

    def loop(self, queue: FakeQueue) -> AgentLoop:
        return AgentLoop(queue, self.service, 2, 60, 0, 1, metrics=self.metrics)

    def value(self, name: str, **labels: str) -> float:
        return self.metrics.sample(name, **labels)


def test_an_order_moves_in_flight_durations_lag_and_counters(tmp_path: Path) -> None:
    rig = Rig(tmp_path, GatedDeployer())
    order = make_order(OrderVerb.CREATE, 7, "WOD-U")
    message = delivery(order)
    queued = ReceivedMessage(
        message.message_id, message.receipt_handle, message.body, 1, time.time() - 42
    )
    assert rig.value("wod_agent_orders_total", verb="CREATE", outcome="succeeded") == 0

    # While the deployment is held, the order is in flight.
    runner = threading.Thread(target=rig.loop(FakeQueue([queued])).run, kwargs={"once": True})
    runner.start()
    assert rig.deployer.started.wait(timeout=10)  # type: ignore[attr-defined]
    assert rig.value("wod_agent_orders_in_flight", verb="CREATE") == 1
    rig.deployer.gate.set()  # type: ignore[attr-defined]
    runner.join(timeout=10)

    assert rig.value("wod_agent_orders_in_flight", verb="CREATE") == 0
    assert rig.value("wod_agent_orders_total", verb="CREATE", outcome="succeeded") == 1
    for step in ("hub", "ansible", "callback"):
        count = "wod_agent_order_step_duration_seconds_count"
        assert rig.value(count, verb="CREATE", step=step) == 1, step
    assert rig.value("wod_agent_order_duration_seconds_count", verb="CREATE") == 1
    assert rig.value("wod_agent_queue_lag_seconds_count") == 1
    assert rig.value("wod_agent_queue_lag_seconds_sum") == pytest.approx(42, abs=5)
    assert rig.value("wod_agent_queue_polls_total", result="ok") == 1
    assert rig.value("wod_agent_last_successful_poll_timestamp_seconds") > time.time() - 60
    assert rig.value("wod_agent_build_info", version="9.9.9") == 1


def test_failures_are_counted_by_verb_and_reason(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    cleanup = make_order(OrderVerb.CLEANUP, 7, "WOD-U")
    rig.deployer.failures = [DeploymentError("flaky"), DeploymentError("still")]
    rig.service.handle(delivery(cleanup))  # retried
    rig.service.handle(delivery(cleanup, receive_count=3))  # last receive: reported failed
    reset = make_order(OrderVerb.RESET, 8, "WOD-U")
    rig.callbacks.answers = [Delivery.UNAVAILABLE]
    rig.service.handle(delivery(reset))
    broken = delivery(cleanup, message_id="junk")
    rig.service.handle(ReceivedMessage("junk", "r", "{}", 1, broken.sent_at))

    failures = "wod_agent_order_failures_total"
    assert rig.value(failures, verb="CLEANUP", reason="retry") == 1
    assert rig.value(failures, verb="CLEANUP", reason="failed") == 1
    assert rig.value("wod_agent_orders_total", verb="CLEANUP", outcome="failed") == 1
    assert rig.value(failures, verb="RESET", reason="callback") == 1
    assert rig.value(failures, verb="unknown", reason="unreadable") == 1
    # A redelivery does not count as queue lag again (it would add the retry delay).
    assert rig.value("wod_agent_queue_lag_seconds_count") == 2
    assert rig.value(failures, verb="CREATE", reason="failed") == 0  # exists, untouched


def test_a_crash_in_the_service_is_counted_and_retried(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.deployer.failures = [RuntimeError("a bug")]
    queue = FakeQueue([delivery(make_order(OrderVerb.RESET, 7, "WOD-U"))])
    rig.loop(queue).run(once=True)
    assert rig.value("wod_agent_order_failures_total", verb="RESET", reason="crash") == 1
    assert rig.value("wod_agent_orders_in_flight", verb="RESET") == 0
    assert queue.deleted == [] and queue.extended[-1][1] == 1  # retry_delay


def test_failed_polls_are_counted_and_reach_health(tmp_path: Path) -> None:
    class DownQueue(FakeQueue):
        def receive(self, max_messages: int, wait_seconds: int) -> list[ReceivedMessage]:
            raise QueueError("receive from q: connection refused")

    rig = Rig(tmp_path)
    loop = rig.loop(DownQueue())
    loop.run(once=True)
    assert rig.value("wod_agent_queue_polls_total", result="error") == 1
    report = loop.health.report()
    assert not report.healthy
    assert report.body["last_error"] == "receive from q: connection refused"
