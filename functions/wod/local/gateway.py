"""The local API gateway: serves the API (`/api/…`) through the real Lambda handler, the inbox
(`/_inbox/`) and the built catalog site (`/`), on http://127.0.0.1:8080 by default.

Each request is handled in a process of its own (forked), as concurrent Lambda invocations run
in separate containers: the handler never shares in-memory state between two requests, so a
race in the code shows up here as it would in the cloud.

    python -m wod.local.gateway --port 8080 --aws http://127.0.0.1:4566 --site-dir site/build
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from . import inbox
from .events import LocalContext, request_to_event, result_to_response

MAX_BODY = 64 * 1024
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def load_handler(path: str) -> Handler:
    """`package.module:attribute`, e.g. `wod.handlers.api:handler`."""
    module_name, _, attribute = path.partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), attribute or "handler")
    return handler


def _json(status: int, payload: Any) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


class Gateway:
    def __init__(self, handler: Handler, aws_endpoint: str, site_dir: Path | None) -> None:
        self.handler = handler
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
            page = inbox.render_page(inbox.fetch_messages(self.aws_endpoint), request.args.get("to"))
            return Response(page, content_type="text/html; charset=utf-8")
        return self.static(path)

    def api(self, request: Request) -> Response:
        if (request.content_length or 0) > MAX_BODY:
            return _json(413, {"error": "payload_too_large", "message": "The body is too large."})
        body = request.get_data(cache=False)[: MAX_BODY + 1]
        if len(body) > MAX_BODY:
            return _json(413, {"error": "payload_too_large", "message": "The body is too large."})
        result = self.handler(request_to_event(request, body), LocalContext())
        return result_to_response(result)

    def static(self, path: str) -> Response:
        if self.site_dir is None or not self.site_dir.is_dir():
            return Response(
                "<!DOCTYPE html><title>Workshops-on-Demand</title><h1>Site not built</h1>"
                "<p>The API is at <a href='/api/workshops'>/api/workshops</a>, the inbox at "
                "<a href='/_inbox/'>/_inbox/</a>.</p>",
                status=404,
                content_type="text/html; charset=utf-8",
            )
        target = (self.site_dir / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.site_dir):
            return Response("Not found", status=404)
        if target.is_dir():
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
    server = make_server(host, port, gateway, processes=workers)
    print(f"local gateway on http://{host}:{port}/ (API at /api/, inbox at /_inbox/)", flush=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--aws", default="http://127.0.0.1:4566", help="local AWS endpoint")
    parser.add_argument("--site-dir", type=Path, default=None, help="the built catalog site")
    parser.add_argument("--handler", default="wod.handlers.api:handler")
    parser.add_argument("--workers", type=int, default=32, help="concurrent requests")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args(argv)
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    handler = load_handler(args.handler)
    serve(Gateway(handler, args.aws, args.site_dir), args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
