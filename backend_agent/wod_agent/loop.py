"""The polling loop: long-polls the queue, runs seats in parallel, one order of a seat at a time.

Holds every received message's visibility while it waits or runs, and settles it from the
service's disposition (delete only once the callback got through). `request_stop` (SIGTERM)
stops polling; the orders already received are finished before `run` returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from pydantic import ValidationError

from wod_contracts.orders import parse_order

from .health import PollHealth
from .logs import order_context
from .metrics import UNKNOWN_VERB, AgentMetrics, Failure
from .ports import OrderQueue, QueueError, ReceivedMessage
from .service import Disposition, OrderService

log = logging.getLogger(__name__)
SQS_MAX_BATCH = 10


def seat_of(message: ReceivedMessage) -> str:
    """The seat an order is about; an unreadable message is a seat of its own."""
    try:
        return parse_order(message.body).seat
    except ValidationError:
        return f"message:{message.message_id}"


def log_fields(message: ReceivedMessage) -> dict[str, str]:
    """What every log line about this message carries (see `logs.order_context`)."""
    fields = {"message_id": message.message_id}
    try:
        order = parse_order(message.body)
    except ValidationError:
        return fields
    return {
        **fields,
        "order_id": order.order_id,
        "registration_id": order.registration_id or "",  # none for a PREPARE
        "seat": order.seat,
        "verb": order.verb.value,
    }


class AgentLoop:
    def __init__(
        self,
        queue: OrderQueue,
        service: OrderService,
        parallelism: int,
        visibility_timeout: int,
        poll_wait_seconds: int,
        retry_delay: int,
        metrics: AgentMetrics | None = None,
        health: PollHealth | None = None,
    ) -> None:
        self._queue = queue
        self._service = service
        self._parallelism = parallelism
        self._visibility_timeout = visibility_timeout
        self._poll_wait = poll_wait_seconds
        self._retry_delay = retry_delay
        self._metrics = metrics or AgentMetrics()
        self.health = health or PollHealth(stale_after=poll_wait_seconds + 60)
        self._stop = threading.Event()
        self._settled = threading.Event()  # run() is over: the heartbeat ends at once
        self._lock = threading.Condition()
        # Serializes settling with the heartbeat, so a late extend never undoes a settle.
        self._visibility_lock = threading.Lock()
        self._held: dict[str, ReceivedMessage] = {}  # by receipt handle
        self._waiting: dict[str, deque[ReceivedMessage]] = {}  # busy seat -> later orders

    def request_stop(self) -> None:
        """Stop polling; the orders in hand are still finished (SIGTERM)."""
        self._stop.set()
        self.health.stopping()
        with self._lock:
            self._lock.notify_all()

    def run(self, once: bool = False) -> None:
        """Poll until stopped (or once), then wait for every held order to be settled.

        `self.health` tells afterwards whether the last poll succeeded.
        """
        heartbeat = threading.Thread(target=self._heartbeat, name="visibility", daemon=True)
        heartbeat.start()
        backoff = 1.0
        with ThreadPoolExecutor(self._parallelism, thread_name_prefix="order") as pool:
            while not self._stop.is_set():
                with self._lock:
                    while len(self._held) >= self._parallelism and not self._stop.is_set():
                        self.health.busy()
                        self._lock.wait(timeout=1.0)
                    capacity = self._parallelism - len(self._held)
                if self._stop.is_set():
                    break
                try:
                    messages = self._queue.receive(min(SQS_MAX_BATCH, capacity), self._poll_wait)
                    backoff = 1.0
                    self.health.polled()
                    self._metrics.polled(ok=True)
                except QueueError as exc:
                    self.health.poll_failed(str(exc))
                    self._metrics.polled(ok=False)
                    if once:
                        log.error("cannot poll the order queue: %s", exc)
                        break  # `once` is one poll, even a failed one (cron runs it again)
                    log.error("cannot poll the order queue: %s (retrying in %.0fs)", exc, backoff)
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, 60.0)
                    continue
                for message in messages:
                    if self._stop.is_set() and not once:
                        self._release(message)  # arrived after SIGTERM: let another agent have it
                    else:
                        self._accept(message, pool)
                if once:
                    break
            self._wait_until_settled()
        self._stop.set()
        self._settled.set()
        heartbeat.join(timeout=5)

    def _accept(self, message: ReceivedMessage, pool: ThreadPoolExecutor) -> None:
        seat = seat_of(message)
        with self._lock:
            self._held[message.receipt_handle] = message
            if seat in self._waiting:
                # Never two orders of one seat at once: it runs after the current one.
                self._waiting[seat].append(message)
                return
            self._waiting[seat] = deque()
        pool.submit(self._work_seat, seat, message)

    def _work_seat(self, seat: str, message: ReceivedMessage) -> None:
        current: ReceivedMessage | None = message
        while current is not None:
            fields = log_fields(current)
            with order_context(**fields):
                try:
                    disposition = self._service.handle(current)
                except Exception:
                    log.exception("order message %s failed unexpectedly", current.message_id)
                    self._metrics.failure(fields.get("verb", UNKNOWN_VERB), Failure.CRASH)
                    disposition = Disposition.RETRY
                with self._visibility_lock:
                    self._settle(current, disposition)
                    with self._lock:
                        del self._held[current.receipt_handle]
            with self._lock:
                queue = self._waiting[seat]
                current = queue.popleft() if queue else None
                if current is None:
                    del self._waiting[seat]
                self._lock.notify_all()

    def _settle(self, message: ReceivedMessage, disposition: Disposition) -> None:
        try:
            if disposition is Disposition.DONE:
                self._queue.delete(message)
            elif disposition is Disposition.RETRY:
                self._queue.extend(message, self._retry_delay)
            else:
                self._queue.extend(message, 0)
        except QueueError as exc:
            # The message reappears after its visibility; the journal makes that harmless.
            log.error("cannot settle message %s: %s", message.message_id, exc)

    def _release(self, message: ReceivedMessage) -> None:
        try:
            self._queue.extend(message, 0)
        except QueueError as exc:
            log.warning("cannot release message %s: %s", message.message_id, exc)

    def _wait_until_settled(self) -> None:
        with self._lock:
            while self._held:
                self._lock.wait(timeout=1.0)

    def _heartbeat(self) -> None:
        """Extend the visibility of held messages well before it lapses."""
        period = max(1.0, self._visibility_timeout / 3)
        next_beat = time.monotonic() + period
        while not self._settled.wait(min(1.0, period)):
            if time.monotonic() < next_beat:
                continue
            next_beat = time.monotonic() + period
            with self._visibility_lock:
                with self._lock:
                    held = list(self._held.values())
                for message in held:
                    try:
                        self._queue.extend(message, self._visibility_timeout)
                    except QueueError as exc:
                        log.warning("cannot extend message %s: %s", message.message_id, exc)
