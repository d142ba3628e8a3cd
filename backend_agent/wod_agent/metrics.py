"""The agent's Prometheus metrics, in a registry of its own (served by `status_server`).

The service and the loop report through the intent-named methods below; tests read the
registry back (`sample`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from wod_contracts.callbacks import Outcome
from wod_contracts.orders import OrderVerb

# Seconds: a callback takes ~10 ms, a CREATE a few seconds to minutes, the playbook timeout 30 min.
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800)
LAG_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
UNKNOWN_VERB = "unknown"  # a message that is not an order


class Step(StrEnum):
    HUB = "hub"  # JupyterHub API calls: retire the user, start the new server
    ANSIBLE = "ansible"  # the playbook
    CALLBACK = "callback"  # the signed report to the API


class Failure(StrEnum):
    FAILED = "failed"  # reported to the API as failed (permanent, or out of retries)
    RETRY = "retry"  # an attempt failed; the message comes back after retry_delay
    CALLBACK = "callback"  # the API refused the callback or could not be reached
    UNREADABLE = "unreadable"  # the message is not an order: left to the DLQ
    CRASH = "crash"  # an unexpected exception in the agent (a bug): retried


class AgentMetrics:
    def __init__(self, registry: CollectorRegistry | None = None, version: str = "") -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self._in_flight = Gauge(
            "wod_agent_orders_in_flight", "Orders being carried out now.", ["verb"], registry=r
        )
        self._orders = Counter(
            "wod_agent_orders",
            "Orders finished: the API accepted the callback or said it is no longer current.",
            ["verb", "outcome"],
            registry=r,
        )
        self._failures = Counter(
            "wod_agent_order_failures",
            "Failed attempts, by reason (failed, retry, callback, unreadable, crash).",
            ["verb", "reason"],
            registry=r,
        )
        self._duration = Histogram(
            "wod_agent_order_duration_seconds",
            "One delivery of an order, from taking it to its callback (or its retry).",
            ["verb"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self._steps = Histogram(
            "wod_agent_order_step_duration_seconds",
            "Time an order spent in each step (hub, ansible, callback).",
            ["verb", "step"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self._lag = Histogram(
            "wod_agent_queue_lag_seconds",
            "From the API queuing an order to the agent taking it (first delivery only).",
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self._polls = Counter(
            "wod_agent_queue_polls", "Polls of the order queue, by result.", ["result"], registry=r
        )
        self._last_poll = Gauge(
            "wod_agent_last_successful_poll_timestamp_seconds",
            "Unix time of the last successful poll of the order queue.",
            registry=r,
        )
        Info("wod_agent_build", "The agent's version.", registry=r).info({"version": version})
        # Every series exists from the start, at 0, so that rates and alerts see the first one.
        for verb in (*OrderVerb, UNKNOWN_VERB):
            for reason in Failure:
                self._failures.labels(str(verb), reason.value)
        for verb in OrderVerb:
            self._in_flight.labels(verb.value)
            self._duration.labels(verb.value)
            for outcome in Outcome:
                self._orders.labels(verb.value, outcome.value)
            for step in Step:
                self._steps.labels(verb.value, step.value)
        for result in ("ok", "error"):
            self._polls.labels(result)

    @contextmanager
    def order(self, verb: str) -> Iterator[None]:
        """Counts the order in flight and times the delivery."""
        gauge = self._in_flight.labels(verb)
        gauge.inc()
        started = time.monotonic()
        try:
            yield
        finally:
            gauge.dec()
            self._duration.labels(verb).observe(time.monotonic() - started)

    def step(self, verb: str, step: Step, seconds: float) -> None:
        self._steps.labels(verb, step.value).observe(seconds)

    def finished(self, verb: str, outcome: str) -> None:
        self._orders.labels(verb, outcome).inc()

    def failure(self, verb: str, reason: Failure) -> None:
        self._failures.labels(verb, reason.value).inc()

    def queue_lag(self, seconds: float) -> None:
        self._lag.observe(seconds)

    def polled(self, ok: bool) -> None:
        self._polls.labels("ok" if ok else "error").inc()
        if ok:
            self._last_poll.set_to_current_time()

    def sample(self, name: str, **labels: str) -> float:
        """A sample's current value (0 if absent), e.g. `sample("wod_agent_orders_total", ...)`."""
        value = self.registry.get_sample_value(name, labels)
        return 0.0 if value is None else value
