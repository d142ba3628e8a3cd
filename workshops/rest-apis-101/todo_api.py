"""A tiny to-do list REST API used by the labs of the REST APIs 101 workshop.

It runs inside your notebook's kernel, on 127.0.0.1 with a free port, so nothing leaves the
machine. Start it with `server = todo_api.start()` and stop it with `server.stop()`.
Read this file once you have done lab 1: it is built only with Python's standard library.
"""

from __future__ import annotations

import itertools
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEFAULT_TOKEN = "let-me-in"


class TodoStore:
    """The data, kept in memory: a dictionary of to-do items keyed by id."""

    def __init__(self) -> None:
        self.items: dict[int, dict[str, object]] = {}
        self.ids = itertools.count(1)
        self.lock = threading.Lock()

    def add(self, title: str, done: bool = False) -> dict[str, object]:
        with self.lock:
            item_id = next(self.ids)
            item: dict[str, object] = {"id": item_id, "title": title, "done": done}
            self.items[item_id] = item
            return item


class ApiError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class TodoHandler(BaseHTTPRequestHandler):
    """Maps each HTTP request to the to-do store and answers in JSON."""

    store: TodoStore
    token: str
    server_version = "TodoAPI/1.0"

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the notebook output clean

    # -- helpers -------------------------------------------------------------------------
    def _send(self, status: HTTPStatus, body: object = None) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _json_body(self) -> dict[str, object]:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"null")
        except json.JSONDecodeError as exc:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"body is not valid JSON: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise ApiError(HTTPStatus.BAD_REQUEST, "body must be a JSON object")
        return data

    def _require_token(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            raise ApiError(HTTPStatus.UNAUTHORIZED, "missing or wrong bearer token")

    def _item(self, item_id: int) -> dict[str, object]:
        try:
            return self.store.items[item_id]
        except KeyError:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no todo with id {item_id}") from None

    @staticmethod
    def _validated(data: dict[str, object], partial: bool) -> dict[str, object]:
        unknown = set(data) - {"title", "done"}
        if unknown:
            raise ApiError(HTTPStatus.UNPROCESSABLE_ENTITY, f"unknown fields: {sorted(unknown)}")
        if not partial and "title" not in data:
            raise ApiError(HTTPStatus.UNPROCESSABLE_ENTITY, "field 'title' is required")
        if "title" in data and not (isinstance(data["title"], str) and data["title"].strip()):
            raise ApiError(HTTPStatus.UNPROCESSABLE_ENTITY, "'title' must be a non-empty string")
        if "done" in data and not isinstance(data["done"], bool):
            raise ApiError(HTTPStatus.UNPROCESSABLE_ENTITY, "'done' must be true or false")
        return data

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        try:
            if parts == ["todos"]:
                self._collection(method, parse_qs(url.query))
            elif len(parts) == 2 and parts[0] == "todos" and parts[1].isdigit():
                self._member(method, int(parts[1]))
            else:
                raise ApiError(HTTPStatus.NOT_FOUND, f"no such resource: {url.path}")
        except ApiError as error:
            self._send(error.status, {"error": error.message})

    def _collection(self, method: str, query: dict[str, list[str]]) -> None:
        if method == "GET":
            items = list(self.store.items.values())
            if "done" in query:
                wanted = query["done"][0].lower() == "true"
                items = [item for item in items if item["done"] is wanted]
            self._send(HTTPStatus.OK, items)
        elif method == "POST":
            self._require_token()
            data = self._validated(self._json_body(), partial=False)
            item = self.store.add(str(data["title"]).strip(), bool(data.get("done", False)))
            self.send_response(HTTPStatus.CREATED)
            payload = json.dumps(item).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Location", f"/todos/{item['id']}")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        else:
            raise ApiError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not allowed on /todos")

    def _member(self, method: str, item_id: int) -> None:
        item = self._item(item_id)
        if method == "GET":
            self._send(HTTPStatus.OK, item)
            return
        self._require_token()
        if method in ("PUT", "PATCH"):
            data = self._validated(self._json_body(), partial=method == "PATCH")
            if method == "PUT":
                data = {"title": data["title"], "done": data.get("done", False)}
            item.update(data)
            self._send(HTTPStatus.OK, item)
        elif method == "DELETE":
            del self.store.items[item_id]
            self._send(HTTPStatus.NO_CONTENT)
        else:
            raise ApiError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not allowed here")

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_DELETE(self) -> None:
        self._route("DELETE")


class RunningServer:
    """A server running in a background thread; `url` is where it listens."""

    def __init__(self, httpd: ThreadingHTTPServer, thread: threading.Thread) -> None:
        self.httpd = httpd
        self.thread = thread
        host, port = httpd.server_address[:2]
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def start(token: str = DEFAULT_TOKEN, examples: bool = True) -> RunningServer:
    """Start the API on 127.0.0.1 with a free port chosen by the system (port 0)."""
    store = TodoStore()
    if examples:
        store.add("Read the ReadMeFirst notebook", done=True)
        store.add("Learn the HTTP methods")
        store.add("Build my own API")
    handler = type("BoundTodoHandler", (TodoHandler,), {"store": store, "token": token})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return RunningServer(httpd, thread)
