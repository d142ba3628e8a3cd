"""Real peers the agent talks to in tests: a callback receiver, hub login helpers, test data.

The receiver is a small HTTP server that verifies signatures like the API does; it is a test
peer, not a mock of the agent's own code.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
import yaml

from wod_contracts.orders import Order, OrderVerb
from wod_contracts.signing import SignatureError, verify

START_NEXT = "/hub/user-redirect/lab/tree/0-ReadMeFirst.ipynb"


@dataclass
class ReceivedCallback:
    status: int
    body: dict[str, Any]


@dataclass
class CallbackReceiver:
    """Answers like `POST /api/agent/callbacks`: 401 on a bad or replayed signature, 409 once an
    order was already accepted; `force_status` makes it answer a fixed status instead. Progress
    reports ("started") are kept apart in `progress`: like the API, they never settle an order."""

    secret: bytes
    url: str = ""
    force_status: int | None = None
    calls: list[ReceivedCallback] = field(default_factory=list)
    progress: list[ReceivedCallback] = field(default_factory=list)
    _seen_signatures: set[str] = field(default_factory=set)
    _accepted: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        try:
            body = json.loads(raw)
        except ValueError:
            return 422, {"error": "malformed"}
        with self._lock:
            if isinstance(body, dict) and body.get("outcome") == "started":
                status = self.force_status or 200
                self.progress.append(ReceivedCallback(status, body))
                return status, {"status": "noted"}
            if self.force_status is not None:
                status = self.force_status
                self.calls.append(ReceivedCallback(status, body))
                return status, {"error": "forced"}
            try:
                signature = verify(self.secret, headers, raw, now=time.time())
            except SignatureError as exc:
                self.calls.append(ReceivedCallback(401, body))
                return 401, {"error": str(exc)}
            if signature in self._seen_signatures:
                self.calls.append(ReceivedCallback(401, body))
                return 401, {"error": "replayed"}
            self._seen_signatures.add(signature)
            if body["order_id"] in self._accepted:
                self.calls.append(ReceivedCallback(409, body))
                return 409, {"error": "order_not_current"}
            self._accepted.add(body["order_id"])
            self.calls.append(ReceivedCallback(200, body))
            return 200, {"status": "accepted"}

    def accepted(self, order_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                c.body
                for c in self.calls
                if c.status == 200 and (order_id is None or c.body["order_id"] == order_id)
            ]

    def calls_for(self, order_id: str) -> list[ReceivedCallback]:
        with self._lock:
            return [c for c in self.calls if c.body.get("order_id") == order_id]


def serve_receiver(receiver: CallbackReceiver, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", "0")))
            if self.path != "/api/agent/callbacks":
                status, payload = 404, {"error": "not found"}
            else:
                status, payload = receiver.answer(dict(self.headers.items()), raw)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{port}/api"
    return server


def make_order(
    verb: OrderVerb,
    student: int,
    workshop_id: str,
    order_id: str | None = None,
    minutes: int = 60,
) -> Order:
    now = datetime.now(UTC)
    prepare = verb is OrderVerb.PREPARE  # about a free seat: no registration, no end
    return Order(
        order_id=order_id or uuid.uuid4().hex,
        verb=verb,
        registration_id=None if prepare else uuid.uuid4().hex,
        workshop_id=workshop_id,
        backend="default",
        student=student,
        callback_token=secrets.token_urlsafe(32),
        issued_at=now,
        ends_at=None if prepare else now + timedelta(minutes=minutes),
    )


NOTEBOOK_SOURCE = [
    "# {{ wod.workshop_title }}\n",
    "Welcome {{ wod.username }} (student {{ wod.student }}) of {{ wod.organization }}.\n",
    "Hub {{ wod.hub_url }}, survey {{ wod.survey_url }}, id {{ wod.workshop_id }}.\n",
    "Left alone: {{ other.thing }} and {{wod.student}}.\n",
]


def write_workshop(
    root: Path,
    workshop_id: str,
    first: int,
    last: int,
    setup_tasks: list[Any] | None = None,
    **fields: Any,
) -> Path:
    """A small workshop: workshop.yml (plus `fields`), 0-ReadMeFirst.ipynb, a data file, an
    optional setup.yml."""
    directory = root / workshop_id
    directory.mkdir(parents=True)
    (directory / "workshop.yml").write_text(
        yaml.safe_dump(
            {
                "id": workshop_id,
                "title": f"Test workshop {workshop_id}",
                "summary": "A workshop for the agent's tests.",
                "description": "Nothing to learn here.",
                "duration_minutes": 60,
                "students": {"first": first, "last": last},
                "presenter": {"name": "Test Presenter"},
                "notebooks": [{"file": "0-ReadMeFirst.ipynb", "title": "Read me first"}],
                **fields,
            }
        ),
        encoding="utf-8",
    )
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": NOTEBOOK_SOURCE},
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": "print('{{ wod.username }}')",
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (directory / "0-ReadMeFirst.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (directory / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    if setup_tasks is not None:
        (directory / "setup.yml").write_text(yaml.safe_dump(setup_tasks), encoding="utf-8")
    return directory


def write_branding(path: Path) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "name": "Test Org",
                "site_url": "http://127.0.0.1:9/",
                "sender": "workshops@example.org",
                "terms": "Be kind.",
                "survey_url": "https://example.org/survey",
            }
        ),
        encoding="utf-8",
    )
    return path


def hub_login(
    hub_url: str, username: str, password: str, next_path: str = START_NEXT
) -> tuple[requests.Session, requests.Response]:
    """Log in through the hub's form like a browser: the login page sets the _xsrf cookie."""
    session = requests.Session()
    login_url = f"{hub_url}/hub/login?next={quote(next_path)}"
    page = session.get(login_url, timeout=30)
    page.raise_for_status()
    response = session.post(
        login_url,
        data={"username": username, "password": password, "_xsrf": session.cookies.get("_xsrf")},
        timeout=120,
    )
    # A server still starting (a warm seat's is started without waiting) shows the hub's
    # progress page, which a browser follows to the server once it is up: so does this.
    deadline = time.monotonic() + 120
    while "/spawn-pending/" in response.url and time.monotonic() < deadline:
        time.sleep(0.5)
        response = session.get(f"{hub_url}{next_path}", timeout=60)
    return session, response


def home_listing(session: requests.Session, hub_url: str, username: str) -> list[str]:
    """Names in the student's home, through the server's contents API."""
    session.get(f"{hub_url}/user/{username}/lab", timeout=60)  # the OAuth hop, if not done yet
    response = session.get(f"{hub_url}/user/{username}/api/contents", timeout=30)
    response.raise_for_status()
    return sorted(item["name"] for item in response.json()["content"])


def run_agent_once(config_path: Path, rounds: int = 1) -> None:
    """The agent in-process (real adapters), one poll per round, each round settled."""
    from wod_agent.cli import build_loop
    from wod_agent.config import load_config

    config = load_config(config_path, environ={})
    for _ in range(rounds):
        loop, journal = build_loop(config)
        try:
            loop.run(once=True)
        finally:
            journal.close()


def counting_setup(counter_dir: Path) -> list[dict[str, Any]]:
    """setup.yml tasks that leave one file per deployment in `counter_dir`."""
    return [
        {
            "name": "Count this deployment",
            "ansible.builtin.tempfile": {"path": str(counter_dir), "prefix": "deploy-"},
        }
    ]


def whoami_setup() -> list[dict[str, Any]]:
    """setup.yml tasks that write the name of the account running them to ~/.setup-user."""
    return [
        {
            "name": "Ask who runs the setup",
            "ansible.builtin.command": "id -un",
            "register": "wod_who",
            "changed_when": False,
        },
        {
            "name": "Write it down",
            "ansible.builtin.copy": {
                "dest": "{{ wod_home }}/.setup-user",
                "content": "{{ wod_who.stdout }}\n",
                "mode": "0600",
            },
        },
    ]


def pausing_setup(counter_dir: Path, release: Path) -> list[dict[str, Any]]:
    """Counts the deployment, then waits until the test creates `release`."""
    return [
        *counting_setup(counter_dir),
        {
            "name": "Wait for the test",
            "ansible.builtin.wait_for": {"path": str(release), "timeout": 300},
        },
    ]


def wait_until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
