"""Log lines: one JSON object each, carrying the order's fields from the worker threads, and
never a password, whatever path the order takes."""

# ruff: noqa: TID252
from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from wod_agent.config import LogFormat
from wod_agent.journal import Journal
from wod_agent.logs import make_handler, order_context
from wod_agent.loop import AgentLoop
from wod_agent.ports import Delivery, DeploymentError
from wod_agent.secrets_box import SecretBox
from wod_agent.service import OrderService
from wod_contracts.orders import OrderVerb

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..peers import make_order
from .fakes import FakeCallbacks, FakeDeployer, FakeHub, FakeQueue, delivery


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the agent's JSON handler writes, at DEBUG, from every logger."""
    stream = io.StringIO()
    handler = make_handler(LogFormat.JSON, stream)
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(saved)


class Agent:
    """The real loop and service around fakes of the queue, hub, deployer and API."""

    def __init__(self, tmp_path: Path, max_receives: int = 3) -> None:
        self.journal = Journal(tmp_path / "journal.sqlite")
        self.deployer = FakeDeployer()
        self.callbacks = FakeCallbacks()
        self.service = OrderService(
            self.journal,
            SecretBox(b"a-callback-secret-for-unit-tests"),
            FakeHub(),
            self.deployer,
            self.callbacks,
            max_receives,
        )

    def run(self, *messages: object) -> FakeQueue:
        queue = FakeQueue(list(messages))  # type: ignore[arg-type]
        AgentLoop(queue, self.service, 2, 60, 0, 1).run(once=True)
        return queue

    def passwords(self) -> set[str]:
        sent = {c.password.get_secret_value() for c in self.callbacks.sent if c.password}
        return {password for _, password in self.deployer.calls} | sent


def test_each_line_is_a_json_object_with_the_order_fields(
    tmp_path: Path, json_lines: io.StringIO
) -> None:
    agent = Agent(tmp_path)
    order = make_order(OrderVerb.CREATE, 7, "WOD-U")
    agent.run(delivery(order))
    logging.getLogger("wod_agent.test").info("after the order")

    records = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    [done] = [r for r in records if "succeeded" in r["message"]]
    assert done["order_id"] == order.order_id
    assert done["registration_id"] == order.registration_id
    assert (done["seat"], done["verb"]) == (order.seat, "CREATE")
    assert done["thread"].startswith("order")  # logged by a worker thread of the loop
    assert {"time", "level", "logger"} <= done.keys()
    assert "order_id" not in records[-1]  # the fields are unbound once the order is done


def test_the_text_format_carries_the_fields_too() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("wod_agent.test.text")
    handler = make_handler(LogFormat.TEXT, stream)
    logger.addHandler(handler)
    try:
        with order_context(order_id="o-1", seat="WOD-U/7"):
            logger.warning("inside")
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = stream.getvalue().splitlines()
    assert inside.endswith("wod_agent.test.text: inside [order_id=o-1 seat=WOD-U/7]")
    assert outside.endswith("wod_agent.test.text: outside")


def test_no_password_in_any_log_record(
    tmp_path: Path, json_lines: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    agent = Agent(tmp_path)
    ok, retried, unreported, failed = (
        make_order(OrderVerb.CREATE, n, "WOD-U") for n in (1, 2, 3, 4)
    )
    agent.run(delivery(ok))  # through the loop as well, for its own lines
    # A retried deployment, a callback that did not get through (then the replay of the
    # journal's sealed password), and a failure on the last receive.
    handle = agent.service.handle
    agent.deployer.failures = [DeploymentError("flaky")]
    handle(delivery(retried))
    handle(delivery(retried, receive_count=2))
    agent.callbacks.answers = [Delivery.UNAVAILABLE]
    handle(delivery(unreported))
    handle(delivery(unreported, receive_count=2))
    agent.deployer.failures = [DeploymentError("disk full")]
    handle(delivery(failed, receive_count=3))

    passwords = agent.passwords()
    assert len(passwords) == 4  # one per order (a retry keeps its first password)
    assert caplog.records and json_lines.getvalue()
    assert any(ok.order_id in r.getMessage() and hasattr(r, "seat") for r in caplog.records)
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + repr(record.__dict__)
        leaked = [p for p in passwords if p in text]
        assert leaked == [], record.getMessage()
    assert not [p for p in passwords if p in json_lines.getvalue()]
