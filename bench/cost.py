"""What a registration costs in AWS: every request of one whole registration life, counted on the
local stack, priced with AWS's public list prices, given per 1,000 registrations (mail apart).

    .venv/bin/python bench/cost.py [--session-minutes 60] [--ready-poll-seconds 300]

The life: a visitor loads the catalog and the workshop page, registers (a warm seat), the
agent takes and finishes the CREATE (callbacks `started` and `succeeded`), the status page
polls while the seat is prepared and while the session runs, the reminder and the expiry fire,
the CLEANUP is done, the thanks mail goes out and the badge page is opened; the warm pool
prepares a seat for the next participant (a PREPARE and its callbacks). Each API request runs
the real handler in-process against the local AWS endpoint (moto), and every AWS call it makes
is counted (botocore's one entry point) with the size of what it read or wrote.

Not per registration, so left out (they are a fixed monthly cost): the agent's idle long polls
(one ReceiveMessage per 20 s), the sweep (every 5 minutes), custom metrics per workshop,
CloudFront and S3 of the static site, the KMS/Secrets Manager reads of a cold start.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.client
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from wod.local.events import LocalContext, request_to_event
from wod.local.stack import LocalStack, free_port
from wod.settings import REPO_ROOT, get_settings
from wod_contracts import signing
from wod_contracts.branding import load_branding
from wod_contracts.catalog import load_catalog

REGION = "us-east-1"
# AWS public list prices, us-east-1, as published on each service's pricing page (checked
# 2025-06; DynamoDB on-demand after its November 2024 reduction). Free tiers are ignored.
PRICES_AS_OF = "2025-06"
PRICES = {
    "api_request": 1.00 / 1e6,  # API Gateway HTTP API, first 300 million a month
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000133334,  # arm64
    "dynamodb_wru": 0.625 / 1e6,  # on-demand write request unit
    "dynamodb_rru": 0.125 / 1e6,  # on-demand read request unit
    "sqs_fifo_request": 0.50 / 1e6,  # per 64 KB chunk
    "scheduler_invocation": 1.00 / 1e6,  # EventBridge Scheduler (its API calls are not billed)
    "logs_gb": 0.50,  # CloudWatch Logs ingestion (standard class)
    "ses_mail": 0.10 / 1e3,
}
LAMBDA_MEMORY_GB = 0.5  # template.yaml Globals: MemorySize 512
# Lambda writes START, END and REPORT lines per invocation besides the function's own.
LAMBDA_PLATFORM_LOG_BYTES = 350
TOKEN_KEY = "cost-token-key"  # noqa: S105 (the local endpoint's own value)
CALLBACK_SECRET = "cost-callback-secret"  # noqa: S105
WORKSHOP = "python-101"


@dataclass
class Tally:
    """Every request of the life, by what it is billed as."""

    api_requests: int = 0
    lambda_invocations: int = 0
    lambda_seconds: float = 0.0
    log_bytes: int = 0
    scheduler_invocations: int = 0
    sqs_requests: int = 0
    wru: float = 0.0
    rru: float = 0.0
    mails: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    by_step: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def _size(value: Any) -> int:
    return len(json.dumps(value, default=str))


def read_units(items_bytes: int, consistent: bool) -> float:
    units = max(1, math.ceil(items_bytes / 4096))
    return float(units if consistent else units / 2)


def write_units(item_bytes: int) -> float:
    return float(max(1, math.ceil(item_bytes / 1024)))


class Recorder:
    """Wraps botocore's one entry point and prices each DynamoDB call by what it read/wrote."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.step = "setup"
        self.counting = False
        original = botocore.client.BaseClient._make_api_call
        recorder = self

        def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
            result = original(client, operation, params)
            if recorder.counting:
                recorder.note(client.meta.service_model.service_name, operation, params, result)
            return result

        botocore.client.BaseClient._make_api_call = record  # type: ignore[method-assign]

    def note(self, service: str, operation: str, params: dict[str, Any], result: Any) -> None:
        t = self.tally
        t.calls[f"{service}:{operation}"] += 1
        t.by_step[self.step][f"{service}:{operation}"] += 1
        if service == "dynamodb":
            consistent = bool(params.get("ConsistentRead"))
            if operation == "GetItem":
                t.rru += read_units(_size(result.get("Item", {})), consistent)
            elif operation in ("Query", "Scan"):
                t.rru += read_units(_size(result.get("Items", [])), consistent)
            elif operation in ("PutItem", "UpdateItem", "DeleteItem"):
                t.wru += write_units(_size(params.get("Item", params.get("Key", {}))))
            elif operation == "TransactWriteItems":
                # A transaction costs two write units per item (prepare and commit).
                t.wru += sum(2 * write_units(_size(item)) for item in params["TransactItems"])
        elif service == "sqs":
            t.sqs_requests += 1
        elif service == "sesv2":
            t.mails += 1


def stream_handlers() -> list[logging.StreamHandler[Any]]:
    """The handlers of every logger (Powertools' ones hold the stdout of their import time)."""
    found = []
    for logger in logging.getLogger().manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            found += [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    return found


class Life:
    def __init__(self, stack: LocalStack, recorder: Recorder) -> None:
        self.stack = stack
        self.recorder = recorder
        self.tally = recorder.tally

    def invoke(self, step: str, call: Callable[[], Any]) -> Any:
        """One Lambda invocation: its AWS calls, duration and log bytes are counted."""
        self.recorder.step = step
        self.recorder.counting = True
        out = io.StringIO()
        # Powertools loggers hold the stdout of their import: point their handlers here too.
        handlers = stream_handlers()
        streams = [h.setStream(out) for h in handlers]
        started = time.perf_counter()
        try:
            with redirect_stdout(out):
                return call()
        finally:
            for handler, stream in zip(handlers, streams, strict=True):
                handler.setStream(stream)  # type: ignore[arg-type]
            self.tally.lambda_seconds += time.perf_counter() - started
            self.tally.lambda_invocations += 1
            self.tally.log_bytes += len(out.getvalue().encode()) + LAMBDA_PLATFORM_LOG_BYTES
            self.recorder.counting = False

    def api(self, step: str, method: str, path: str, body: bytes = b"", **headers: str) -> Any:
        import wod.handlers.api as api

        environ = EnvironBuilder(
            method=method, path=path, data=body,
            headers={"content-type": "application/json", **headers},
        ).get_environ()  # fmt: skip
        event = request_to_event(Request(environ), body)
        self.tally.api_requests += 1
        result = self.invoke(step, lambda: api.handler(event, LocalContext()))
        return json.loads(result.get("body") or "null")

    def fire(self, kind: str, registration_id: str) -> None:
        import wod.handlers.lifecycle as lifecycle

        self.tally.scheduler_invocations += 1
        event = {"kind": kind, "registration_id": registration_id}
        self.invoke(kind, lambda: lifecycle.handler(event, LocalContext()))

    def orders(self) -> list[Any]:
        """What the agent receives; its ReceiveMessage and DeleteMessage are counted too."""
        from wod_contracts.orders import Order

        sqs = boto3.client("sqs")
        found = []
        for url in self.stack.resources.queue_urls.values():
            while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get(
                "Messages", []
            ):
                for message in messages:
                    found.append(Order.model_validate_json(message["Body"]))
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    self.tally.sqs_requests += 2  # the agent's receive and delete
                    self.tally.calls["agent sqs:ReceiveMessage+DeleteMessage"] += 1
        return found

    def callback(self, order: Any, outcome: str) -> None:
        body: dict[str, Any] = {
            "order_id": order.order_id,
            "registration_id": order.registration_id,
            "verb": order.verb.value,
            "callback_token": order.callback_token,
            "outcome": outcome,
            "password": "Correct-Horse-42"
            if outcome == "succeeded" and order.verb.value == "CREATE"
            else None,
            "error": None,
            "finished_at": datetime.now(UTC).isoformat(),
        }
        if order.verb.value == "PREPARE":
            body.update(workshop_id=order.workshop_id, student=order.student)
        raw = json.dumps(body).encode()
        headers = signing.signed_headers(CALLBACK_SECRET.encode(), int(time.time()), raw)
        self.api(f"callback {order.verb.value}", "POST", "/api/agent/callbacks", raw, **headers)

    def agent_does(self, orders: list[Any]) -> None:
        for order in orders:
            self.callback(order, "started")
            self.callback(order, "succeeded")

    def run(self, email: str, deploying_polls: int, ready_polls: int) -> None:
        from wod.domain import tokens

        key = TOKEN_KEY.encode()
        self.api("catalog", "GET", "/api/workshops")
        self.api("catalog", "GET", f"/api/workshops/{WORKSHOP}")
        from wod.local.proof import solution_for

        person = {
            "workshop_id": WORKSHOP, "email": email, "first_name": "Cost",
            "last_name": "Counter", "company": "Bench", "accept_terms": True,
            "altcha": solution_for(self.api("challenge", "GET", "/api/challenge")),
        }  # fmt: skip
        rid = self.api("register", "POST", "/api/registrations", json.dumps(person).encode())[
            "registration_id"
        ]
        status = f"/api/registrations/{rid}?token={tokens.status_token(key, rid)}"
        for _ in range(deploying_polls):
            self.api("status polls", "GET", status)
        self.agent_does(self.orders())  # its CREATE, and the PREPARE of the next seat
        for _ in range(ready_polls):
            self.api("status polls", "GET", status)
        self.fire("reminder", rid)
        self.fire("expiry", rid)
        self.agent_does(self.orders())  # the CLEANUP, then the thanks mail
        self.api("badge", "GET", f"/api/badges/{rid}?token={tokens.badge_token(key, rid)}")


def dollars(t: Tally) -> dict[str, float]:
    p = PRICES
    return {
        "API Gateway (HTTP API)": t.api_requests * p["api_request"],
        "Lambda requests": t.lambda_invocations * p["lambda_request"],
        "Lambda duration": t.lambda_seconds * LAMBDA_MEMORY_GB * p["lambda_gb_second"],
        "DynamoDB (on-demand)": t.wru * p["dynamodb_wru"] + t.rru * p["dynamodb_rru"],
        "SQS (FIFO)": t.sqs_requests * p["sqs_fifo_request"],
        "EventBridge Scheduler": t.scheduler_invocations * p["scheduler_invocation"],
        "CloudWatch Logs": t.log_bytes / 1e9 * p["logs_gb"],
    }


def measure(deploying_polls: int, ready_polls: int) -> tuple[Tally, Tally]:
    """The life with its status polls, then (as a control) the same life without the polls
    while ready, both on one local stack with a warm pool, as at an event."""
    recorder = Recorder(Tally())
    stack = LocalStack(
        aws_port=free_port(),
        gateway_port=free_port(),
        log_dir=Path(tempfile.mkdtemp()),
        extra_env={"WOD_BACKEND_HUBS": json.dumps({"default": "http://127.0.0.1:8000"})},
    )
    catalog = load_catalog([REPO_ROOT / "workshops"])
    stack.start_aws()
    try:
        stack.provision(catalog, str(load_branding(REPO_ROOT / "branding.yml").sender))
        stack.seed(catalog)
        os.environ.update({**stack.env(), "POWERTOOLS_LOG_LEVEL": "INFO"})
        os.environ.update({"WOD_TOKEN_KEY": TOKEN_KEY, "WOD_CALLBACK_SECRET": CALLBACK_SECRET})
        get_settings.cache_clear()
        from wod.services.wiring import get_services

        get_services.cache_clear()
        get_services().warm_seats.top_up_all()
        life = Life(stack, recorder)
        life.agent_does(life.orders())  # the warm pool as the event starts (not counted)
        tallies = []
        for n, polls in enumerate((ready_polls, 0)):
            recorder.tally = life.tally = Tally()
            life.run(f"cost{n}@example.org", deploying_polls, polls)
            tallies.append(life.tally)
        return tallies[0], tallies[1]
    finally:
        stack.stop()


def report(t: Tally, label: str) -> float:
    costs = dollars(t)
    total = sum(costs.values())
    print(f"\n{label}")
    print(f"  API requests {t.api_requests}, Lambda invocations {t.lambda_invocations} "
          f"({t.lambda_seconds * 1000:.0f} ms in-process), DynamoDB {t.wru:.0f} WRU / "
          f"{t.rru:.1f} RRU, SQS {t.sqs_requests}, schedules fired {t.scheduler_invocations}, "
          f"logs {t.log_bytes / 1024:.0f} KiB, mails {t.mails}")  # fmt: skip
    for name, value in sorted(costs.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<24} ${value * 1000:8.4f} per 1,000 registrations ({value / total:5.1%})")
    print(f"  {'all but mail':<24} ${total * 1000:8.4f} per 1,000 registrations")
    mail = t.mails * PRICES["ses_mail"] * 1000
    print(f"  {'SES mail':<24} ${mail:8.4f} per 1,000 registrations ({t.mails} mails each)")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--session-minutes", type=int, default=60)
    parser.add_argument(
        "--ready-poll-seconds",
        type=int,
        default=300,
        help="the status page's poll while ready (status.js POLL_READY_MS; 30 before this bench)",
    )
    parser.add_argument(
        "--deploying-polls", type=int, default=2, help="4 s polls until ready (a warm seat)"
    )
    args = parser.parse_args(argv)
    print(
        f"AWS list prices, {REGION}, as of {PRICES_AS_OF} (free tiers ignored); Lambda arm64 "
        f"at {LAMBDA_MEMORY_GB * 1024:.0f} MB, durations measured in-process against moto (an "
        "overestimate of Lambda's)"
    )
    ready_polls = args.session_minutes * 60 // args.ready_poll_seconds
    tally, quiet = measure(args.deploying_polls, ready_polls)
    print("\nAWS calls of one registration's life, by step:")
    for step, calls in tally.by_step.items():
        print(f"  {step:<18} {dict(calls)}")
    total = report(
        tally,
        f"One life, the status page open all {args.session_minutes} min "
        f"(a poll every {args.ready_poll_seconds} s while ready: {ready_polls} polls)",
    )
    rest = report(quiet, "The same life without the polls while ready")
    per_poll = (total - rest) / max(1, ready_polls)
    old_polls = args.session_minutes * 2  # every 30 s, as status.js did before
    calls = sum(tally.by_step["status polls"].values()) / max(1, ready_polls + args.deploying_polls)
    print(
        f"\nOne poll costs ${per_poll * 1000:.5f} per 1,000 registrations ({calls:.1f} "
        f"AWS calls). Polling every 30 s while ready would make the life "
        f"${(rest + old_polls * per_poll) * 1000:.4f} per 1,000 registrations; the "
        f"{ready_polls} polls now are {(total - rest) / total:.0%} of it."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
