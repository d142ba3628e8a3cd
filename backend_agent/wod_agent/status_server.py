"""The agent's local status endpoint: `GET /healthz` (JSON) and `GET /metrics` (Prometheus).

Started by `cli run` on `metrics_host:metrics_port` (127.0.0.1:9464 by default) in a daemon
thread; the metrics page is prometheus-client's own WSGI app.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app

from .health import PollHealth
from .metrics import AgentMetrics

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [data]


def status_app(health: PollHealth, metrics: AgentMetrics, version: str) -> WsgiApp:
    prometheus = make_wsgi_app(metrics.registry)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            result: Iterable[bytes] = prometheus(environ, start_response)
            return result
        if path == "/healthz":
            report = health.report()
            status = "200 OK" if report.healthy else "503 Service Unavailable"
            return _json(start_response, status, {**report.body, "version": version})
        known = {"error": "not_found", "paths": ["/healthz", "/metrics"]}
        return _json(start_response, "404 Not Found", known)

    return app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow scraper never holds the agent's exit


class _IPv6Server(_ThreadingServer):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would drown the order lines."""


class StatusServer:
    """Binds at construction (raises OSError: port taken, bad address), serves on `start`."""

    def __init__(self, host: str, port: int, app: WsgiApp) -> None:
        server_class = _IPv6Server if ":" in host else _ThreadingServer
        self._server = make_server(
            host, port, app, server_class=server_class, handler_class=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="status-server", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
