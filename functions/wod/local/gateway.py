"""The local API gateway: serves the API (`/api/…`) through the real Lambda handler, the inbox
(`/_inbox/`) and the built catalog site (`/`), on http://127.0.0.1:8080 by default.

Requests are served by a pool of pre-forked, single-threaded worker processes sharing one
listening socket, as Lambda serves concurrent invocations from separate containers that each
handle one invocation at a time and are reused while warm. Two concurrent requests therefore
never share a process, so a race in the code shows up here as it would in the cloud.

    python -m wod.local.gateway --port 8080 --aws http://127.0.0.1:4566 --site-dir site/build
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import mimetypes
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from . import iam, inbox
from .events import LocalContext, lambda_error, request_to_event, result_to_response

MAX_BODY = 64 * 1024
TOO_LARGE = {"error": "payload_too_large", "message": "The body is too large."}
# What API Gateway answers a throttled request (its own body, not the API's ErrorBody).
THROTTLED = {"message": "Too Many Requests"}
CALLBACK_ROUTE = "/api/agent/callbacks"
# What API Gateway answers when its IAM authorizer refuses a request.
FORBIDDEN = {"message": "Forbidden"}
ADMIN_PREFIX = "/api/admin"
logger = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def load_handler(path: str) -> Handler:
    """`package.module:attribute`, e.g. `wod.handlers.api:handler`."""
    module_name, _, attribute = path.partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), attribute or "handler")
    return handler


class TokenBucket:
    """API Gateway's throttle of a route: `rate` requests a second, `burst` at once. Shared by
    the forked workers (state in shared memory, made before the fork)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        context = multiprocessing.get_context("fork")
        self._lock = context.Lock()
        self._state = context.RawArray("d", [float(burst), time.monotonic()])  # tokens, when

    @classmethod
    def parse(cls, text: str) -> TokenBucket:
        """`RATE:BURST`, e.g. `20:50` (the template's ApiRateLimit:ApiBurstLimit)."""
        rate, _, burst = text.partition(":")
        return cls(float(rate), int(burst or rate))

    def take(self) -> bool:
        with self._lock:
            tokens, since = self._state[0], self._state[1]
            now = time.monotonic()
            tokens = min(float(self.burst), tokens + (now - since) * self.rate)
            allowed = bool(tokens >= 1)
            self._state[0], self._state[1] = tokens - 1 if allowed else tokens, now
            return allowed


@dataclass(frozen=True)
class Throttles:
    """The HTTP API's route throttles, emulated: the public routes share one bucket, and the
    agent's callback route has its own (template.yaml's RouteSettings) unless none is given,
    then it shares the public one (how it was before it had its own)."""

    public: TokenBucket
    callback: TokenBucket | None = None

    def allows(self, method: str, path: str) -> bool:
        if method == "POST" and path == CALLBACK_ROUTE and self.callback is not None:
            return self.callback.take()
        return self.public.take()


def path_is_admin(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def local_keys() -> dict[str, str]:
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    return {key: secret} if key and secret else {}


def _json(status: int, payload: Any) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


class Gateway:
    def __init__(
        self,
        handler: Handler,
        aws_endpoint: str,
        site_dir: Path | None,
        throttles: Throttles | None = None,
        known_keys: dict[str, str] | None = None,
    ) -> None:
        self.throttles = throttles
        self.handler = handler
        # Who may call the admin routes: the local stack's test credentials (its environment).
        self.known_keys = known_keys if known_keys is not None else local_keys()
        self.aws_endpoint = aws_endpoint
        self.site_dir = site_dir.resolve() if site_dir else None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path == "/api" or path.startswith("/api/"):
            return self.api(request)
        if path == "/_inbox":
            return Response(status=308, headers={"Location": "/_inbox/"})
        if path == "/_inbox/messages.json":
            return _json(200, inbox.fetch_messages(self.aws_endpoint))
        if path == "/_inbox/":
            page = inbox.render_page(
                inbox.fetch_messages(self.aws_endpoint), request.args.get("to")
            )
            return Response(page, content_type="text/html; charset=utf-8")
        return self.static(path)

    def api(self, request: Request) -> Response:
        if self.throttles is not None and not self.throttles.allows(request.method, request.path):
            return _json(429, THROTTLED)
        if (request.content_length or 0) > MAX_BODY:
            return _json(413, TOO_LARGE)
        body = request.stream.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return _json(413, TOO_LARGE)
        event = request_to_event(request, body)
        if path_is_admin(request.path):
            identity = self.authorize(request, body)
            if identity is None:
                return _json(403, FORBIDDEN)
            event["requestContext"]["authorizer"] = {"iam": identity}
        try:
            result = self.handler(event, LocalContext())
        except Exception:
            # What API Gateway answers when the function fails; the trace goes to our log.
            logger.exception("the handler raised")
            return lambda_error()
        return result_to_response(result)

    def authorize(self, request: Request, body: bytes) -> dict[str, Any] | None:
        """The IAM authorizer of the admin routes: the caller's identity, or None (403)."""
        raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
        url = f"{request.scheme}://{request.host}{raw_uri or request.full_path}"
        headers = {key.lower(): value for key, value in request.headers.items()}
        try:
            return iam.verify(request.method, url, headers, body, self.known_keys)
        except iam.SignatureRejectedError as exc:
            logger.warning("admin request refused: %s", exc)
            return None

    def static(self, path: str) -> Response:
        if self.site_dir is None or not self.site_dir.is_dir():
            return Response(
                "<!DOCTYPE html><title>Workshops-on-Demand</title><h1>Site not built</h1>"
                "<p>The API is at <a href='/api/workshops'>/api/workshops</a>, the inbox at "
                "<a href='/_inbox/'>/_inbox/</a>.</p>",
                status=404,
                content_type="text/html; charset=utf-8",
            )
        try:
            target = (self.site_dir / path.lstrip("/")).resolve()
            is_dir = target.is_dir()
        except (ValueError, OSError):  # a NUL byte or a name too long for the file system
            return Response("Not found", status=404)
        if not target.is_relative_to(self.site_dir):
            return Response("Not found", status=404)
        if is_dir:
            if not path.endswith("/"):
                return Response(status=308, headers={"Location": path + "/"})
            target = target / "index.html"
        if not target.is_file():
            missing = self.site_dir / "404.html"
            if missing.is_file():
                return Response(missing.read_bytes(), status=404, content_type="text/html")
            return Response("Not found", status=404)
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith(("javascript", "json")):
            content_type += "; charset=utf-8"
        return Response(target.read_bytes(), content_type=content_type)


def serve(gateway: Gateway, host: str, port: int, workers: int) -> None:
    server = make_server(host, port, gateway)
    server.socket.listen(1024)  # a burst of clients waits for a free worker, not a refusal
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: one request at a time, until the parent stops it
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            try:
                server.serve_forever()
            finally:
                os._exit(0)
        children.append(pid)

    def stop(*_: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"local gateway on http://{host}:{port}/ (API at /api/, inbox at /_inbox/)", flush=True)
    while children:
        pid, _ = os.wait()
        if pid in children:
            children.remove(pid)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--aws", default="http://127.0.0.1:4566", help="local AWS endpoint")
    parser.add_argument("--site-dir", type=Path, default=None, help="the built catalog site")
    parser.add_argument("--handler", default="wod.handlers.api:handler")
    parser.add_argument("--workers", type=int, default=8, help="worker processes (concurrency)")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    parser.add_argument(
        "--throttle",
        type=TokenBucket.parse,
        help="RATE:BURST of the public API routes, as API Gateway throttles them (default: none)",
    )
    parser.add_argument(
        "--callback-throttle",
        type=TokenBucket.parse,
        help="RATE:BURST of the agent's callback route (default: it shares --throttle)",
    )
    args = parser.parse_args(argv)
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    handler = load_handler(args.handler)
    throttles = Throttles(args.throttle, args.callback_throttle) if args.throttle else None
    serve(Gateway(handler, args.aws, args.site_dir, throttles), args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
