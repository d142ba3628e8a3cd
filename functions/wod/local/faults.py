"""A fault switch for the local AWS endpoint (`wod.local.aws`): the fault-recovery tests make SES
fail, SQS unavailable or DynamoDB throttle, then recover, through `POST /_wod/faults`.

Which service a request is for is read from its SigV4 credential scope; an injected fault is
answered the way that service answers the real one, so the SDKs (and their retries) react as
they would in the cloud. The switch only ever exists in the local endpoint.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

FAULTS_PATH = "/_wod/faults"
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([a-z0-9-]+)/aws4_request")


class FaultMode(StrEnum):
    FAIL = "fail"  # refused outright (SES: MessageRejected; SQS: unavailable), not retried
    THROTTLE = "throttle"  # DynamoDB's throughput error: the SDK backs off and retries


@dataclass
class Fault:
    mode: FaultMode
    every: int = 1  # every n-th request of the service gets the fault
    seen: int = 0
    injected: int = 0


Answer = tuple[str, list[tuple[str, str]], bytes]


def _json(status: str, content_type: str, body: dict[str, str], **headers: str) -> Answer:
    data = json.dumps(body).encode()
    listed = [("Content-Type", content_type), ("Content-Length", str(len(data)))]
    return status, listed + list(headers.items()), data


def _answer(service: str, mode: FaultMode) -> Answer:
    message = f"injected fault ({mode.value})"
    if service == "dynamodb":
        kind = (
            "ProvisionedThroughputExceededException"
            if mode is FaultMode.THROTTLE
            else "InternalServerError"
        )
        return _json(
            "400 Bad Request",
            "application/x-amz-json-1.0",
            {"__type": f"com.amazonaws.dynamodb.v20120810#{kind}", "message": message},
        )
    if service == "sqs":
        return _json(
            "403 Forbidden",
            "application/x-amz-json-1.0",
            {"__type": "com.amazon.coral.service#AccessDeniedException", "message": message},
            **{"x-amzn-query-error": "AccessDenied;Sender"},
        )
    # SES (v2, REST-JSON) and anything else: a refusal the SDK does not retry.
    return _json(
        "400 Bad Request",
        "application/json",
        {"message": message},
        **{"x-amzn-ErrorType": "MessageRejected"},
    )


def service_of(environ: dict[str, Any]) -> str | None:
    match = SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else None


class FaultSwitch:
    """Thread-safe: the endpoint serves requests from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._injected: Counter[str] = Counter()  # totals, kept when a fault is switched off

    def configure(self, body: bytes) -> dict[str, Any]:
        """`{"service": "ses", "mode": "fail", "every": 1}`; `"mode": "off"` clears it."""
        request = json.loads(body or b"{}")
        service = str(request["service"])
        with self._lock:
            if request.get("mode") == "off":
                self._faults.pop(service, None)
            else:
                every = max(1, int(request.get("every", 1)))
                self._faults[service] = Fault(FaultMode(request["mode"]), every)
        return self.status()

    def status(self) -> dict[str, Any]:
        """`{"on": {service: fault}, "injected": {service: total so far}}`."""
        with self._lock:
            return {
                "on": {name: asdict(fault) for name, fault in self._faults.items()},
                "injected": dict(self._injected),
            }

    def inject(self, environ: dict[str, Any]) -> Answer | None:
        """The fault's answer if this request is to get one, else None (serve it)."""
        service = service_of(environ)
        with self._lock:
            fault = self._faults.get(service or "")
            if fault is None or service is None:
                return None
            fault.seen += 1
            if fault.seen % fault.every:
                return None
            fault.injected += 1
            self._injected[service] += 1
            return _answer(service, fault.mode)
