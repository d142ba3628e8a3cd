"""The local AWS endpoint: moto's server app behind one lock, plus a read-only mail endpoint.

moto is not designed for concurrent access. Its DynamoDB conditions and transactions are only
atomic if no two requests run inside moto at once, so every request is served under a single
process-wide lock: conditional writes and TransactWriteItems behave like DynamoDB's (serialized
per request) whatever the client concurrency. Run with `python -m wod.local.aws --port 4566`.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

MAIL_PATH = "/_wod/mail.json"

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


class SerializedMoto:
    """WSGI middleware: one request inside moto at a time; the body is read under the lock."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == MAIL_PATH:
            with self._lock:
                body = json.dumps(sent_mail()).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        with self._lock:
            return list(self._app(environ, start_response))


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
