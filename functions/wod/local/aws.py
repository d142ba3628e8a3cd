"""The local AWS endpoint: moto's server app, one request inside moto at a time, plus a read-only
mail endpoint. Run with `python -m wod.local.aws --port 4566`.

moto is not designed for concurrent access: its DynamoDB conditions and transactions are only
atomic if no two requests run inside it at once, so every request is served under one lock.
A long poll (SQS ReceiveMessage with a wait) must not hold that lock while it waits, or every
other client stalls behind the agent's poll: it is served as a series of instant receives under
the lock, and waits outside it until a message may have arrived (any SQS write wakes it).
`POST /_wod/faults` switches injected faults on and off (see `wod.local.faults`).
"""

from __future__ import annotations

import argparse
import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from wod.local.faults import FAULTS_PATH, FaultSwitch

MAIL_PATH = "/_wod/mail.json"
# How often a waiting poll looks again without being woken: messages also become visible when
# their visibility timeout or delay runs out, which no request announces.
RECHECK_SECONDS = 0.5
# SQS actions after which a waiting poll may find something new.
SQS_WAKING_ACTIONS = frozenset(
    {
        "SendMessage",
        "SendMessageBatch",
        "ChangeMessageVisibility",
        "ChangeMessageVisibilityBatch",
        "StartMessageMoveTask",
    }
)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def sent_mail() -> list[dict[str, Any]]:
    """Every raw message SES accepted, oldest first, from moto's in-process backends."""
    from moto.ses.models import RawMessage, ses_backends

    out = []
    for account, regions in ses_backends.items():
        for region, backend in regions.items():
            for message in backend.sent_messages:
                if isinstance(message, RawMessage):
                    raw = message.raw_data
                    out.append({"id": message.id, "account": account, "region": region, "raw": raw})
    return out


@dataclass(frozen=True)
class SqsCall:
    """An SQS request as the endpoint needs to see it: its action and, for a receive, its wait.

    boto3 speaks SQS's JSON protocol (`X-Amz-Target: AmazonSQS.<Action>`); older clients the
    query protocol (`Action=<Action>` in a form body). Both are understood."""

    action: str
    params: dict[str, Any]
    json_protocol: bool

    @classmethod
    def parse(cls, environ: dict[str, Any], body: bytes) -> SqsCall | None:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("AmazonSQS."):
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                return None
            if not isinstance(params, dict):
                return None
            return cls(target.removeprefix("AmazonSQS."), params, json_protocol=True)
        if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
            form = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
            if "Action" in form and "QueueUrl" in form:
                return cls(form["Action"], form, json_protocol=False)
        return None

    @property
    def wait_seconds(self) -> float:
        if self.action != "ReceiveMessage":
            return 0.0
        try:
            return max(0.0, min(20.0, float(self.params.get("WaitTimeSeconds", 0))))
        except (TypeError, ValueError):
            return 0.0  # moto answers the malformed value itself

    def without_wait(self) -> bytes:
        """The same receive with no wait: answered at once, with whatever is visible now."""
        params = {**self.params, "WaitTimeSeconds": 0}
        if self.json_protocol:
            return json.dumps(params).encode()
        return urlencode(params).encode()


def _has_messages(body: bytes, json_protocol: bool) -> bool:
    if json_protocol:
        try:
            return bool(json.loads(body or b"{}").get("Messages"))
        except (ValueError, AttributeError):
            return True  # not ours to interpret: hand it back as it is
    return b"<Message>" in body


class SerializedMoto:
    """WSGI middleware: one request inside moto at a time; long polls wait outside the lock."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._sqs_changed = threading.Condition()
        self._sqs_generation = 0
        self.faults = FaultSwitch()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == MAIL_PATH:
            with self._lock:
                body = json.dumps(sent_mail()).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        request_body = _read_body(environ)
        if environ.get("PATH_INFO") == FAULTS_PATH:
            if environ.get("REQUEST_METHOD") == "POST":
                state = self.faults.configure(request_body)
            else:
                state = self.faults.status()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(state).encode()]
        injected = self.faults.inject(environ)
        if injected is not None:
            status, headers, body = injected
            start_response(status, headers)
            return [body]
        sqs = SqsCall.parse(environ, request_body)
        if sqs is not None and sqs.wait_seconds > 0:
            return self._long_poll(environ, sqs, start_response)
        with self._lock:
            answer = list(self._app(_with_body(environ, request_body), start_response))
        if sqs is not None and sqs.action in SQS_WAKING_ACTIONS:
            self._wake_pollers()
        return answer

    def _wake_pollers(self) -> None:
        with self._sqs_changed:
            self._sqs_generation += 1
            self._sqs_changed.notify_all()

    def _long_poll(
        self, environ: dict[str, Any], sqs: SqsCall, start_response: StartResponse
    ) -> Iterable[bytes]:
        deadline = time.monotonic() + sqs.wait_seconds
        body = sqs.without_wait()
        while True:
            with self._sqs_changed:
                generation = self._sqs_generation
            with self._lock:
                status, headers, answer = _call(self._app, _with_body(environ, body))
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not status.startswith("200"):
                break
            if _has_messages(answer, sqs.json_protocol):
                break
            with self._sqs_changed:
                if self._sqs_generation == generation:
                    self._sqs_changed.wait(min(RECHECK_SECONDS, remaining))
        start_response(status, headers)
        return [answer]


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is None or length <= 0:
        return b""
    data: bytes = stream.read(length)
    return data


def _with_body(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """A copy of the request with the given body (moto reads it from `wsgi.input`)."""
    return {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}


def _call(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, headers

    body = b"".join(app(environ, capture))
    headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(body))))
    return captured["status"], headers, body


def serve(host: str, port: int) -> None:
    app = SerializedMoto(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"local AWS endpoint on http://{host}:{port}", flush=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    args = parser.parse_args(argv)
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
