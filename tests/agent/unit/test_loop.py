"""The polling loop with fakes: seats in parallel, one order per seat at a time, settling."""

# ruff: noqa: TID252
from __future__ import annotations

import threading
import time
from collections import Counter

from wod_agent.loop import AgentLoop
from wod_agent.ports import ReceivedMessage
from wod_agent.service import Disposition
from wod_contracts.orders import OrderVerb, parse_order

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..peers import make_order
from .fakes import FakeQueue, delivery


class RecordingService:
    """Stands in for OrderService: tracks how many orders of each seat run at once.

    Staged, not timed: the first `together` orders wait for each other at a barrier (so they
    are seen running at once, or the barrier breaks), and every order waits for `release`."""

    def __init__(
        self,
        seconds: float = 0,
        disposition: Disposition = Disposition.DONE,
        together: int = 0,
    ) -> None:
        self.seconds = seconds
        self.disposition = disposition
        self.running: Counter[str] = Counter()
        self.max_per_seat = 0
        self.max_total = 0
        self.started = 0
        self.lock = threading.Condition()
        self.barrier = threading.Barrier(together) if together else None
        self.release = threading.Event()
        self.release.set()

    def handle(self, message: ReceivedMessage) -> Disposition:
        seat = parse_order(message.body).seat
        with self.lock:
            self.started += 1
            first = self.started <= (self.barrier.parties if self.barrier else 0)
            self.running[seat] += 1
            self.max_per_seat = max(self.max_per_seat, self.running[seat])
            self.max_total = max(self.max_total, sum(self.running.values()))
            self.lock.notify_all()
        if first and self.barrier is not None:
            self.barrier.wait(timeout=10)
        self.release.wait(timeout=10)
        time.sleep(self.seconds)
        with self.lock:
            self.running[seat] -= 1
        return self.disposition

    def wait_started(self, count: int) -> None:
        with self.lock:
            assert self.lock.wait_for(lambda: self.started >= count, timeout=10)


def make_loop(queue: FakeQueue, service: RecordingService, visibility: int = 60) -> AgentLoop:
    return AgentLoop(
        queue=queue,
        service=service,  # type: ignore[arg-type]  # duck-typed stand-in
        parallelism=4,
        visibility_timeout=visibility,
        poll_wait_seconds=0,
        retry_delay=7,
    )


def test_seats_run_in_parallel_but_one_order_per_seat_at_a_time() -> None:
    orders = [make_order(OrderVerb.CREATE, n, "WOD-U") for n in (1, 2, 3)]
    orders.append(make_order(OrderVerb.CLEANUP, 1, "WOD-U"))  # same seat as the first
    queue = FakeQueue([delivery(o) for o in orders])
    service = RecordingService(together=3)  # the three seats meet while running
    make_loop(queue, service).run(once=True)
    assert service.max_per_seat == 1
    assert service.max_total == 3
    assert sorted(queue.deleted) == sorted(delivery(o).message_id for o in orders)


def test_retry_and_dlq_dispositions_set_the_visibility() -> None:
    order = make_order(OrderVerb.CREATE, 1, "WOD-U")
    queue = FakeQueue([delivery(order)])
    make_loop(queue, RecordingService(disposition=Disposition.RETRY)).run(once=True)
    assert queue.extended == [(delivery(order).message_id, 7)] and queue.deleted == []
    queue = FakeQueue([delivery(order)])
    make_loop(queue, RecordingService(disposition=Disposition.TO_DLQ)).run(once=True)
    assert queue.extended == [(delivery(order).message_id, 0)]


def test_visibility_is_extended_while_an_order_runs() -> None:
    order = make_order(OrderVerb.CREATE, 1, "WOD-U")
    queue = FakeQueue([delivery(order)])
    make_loop(queue, RecordingService(seconds=2.5), visibility=3).run(once=True)
    assert (delivery(order).message_id, 3) in queue.extended
    assert queue.deleted == [delivery(order).message_id]


def test_stop_request_finishes_the_orders_in_hand() -> None:
    orders = [make_order(OrderVerb.CREATE, n, "WOD-U") for n in (1, 2)]
    queue = FakeQueue([delivery(o) for o in orders])
    service = RecordingService()
    service.release.clear()  # both orders are held in hand until the stop was requested
    loop = make_loop(queue, service)
    runner = threading.Thread(target=loop.run)
    runner.start()
    service.wait_started(2)
    loop.request_stop()
    service.release.set()
    runner.join(timeout=10)
    assert not runner.is_alive()
    assert len(queue.deleted) == 2
