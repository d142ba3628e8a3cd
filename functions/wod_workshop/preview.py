"""`wod-workshop preview ID`: runs `wod.local.demo --only ID`, registers through the API like a
participant, waits for the credentials mail in the local inbox and prints the login. Runs until
Ctrl-C (or SIGTERM), which stops everything the demo started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import requests

from wod.local.inbox import Credentials, credentials
from wod.local.proof import solve
from wod.seed import PRIVATE_ENV

PREVIEW_EMAIL = "author@example.org"
POLL_SECONDS = 1.0


class PreviewError(RuntimeError):
    """The stack did not come up, or no seat was ready in time."""


@dataclass(frozen=True)
class Ports:
    site: int
    aws: int
    hub: int

    @classmethod
    def from_env(cls) -> Ports:
        """The ports of `make demo` (WOD_DEMO_*), so a preview takes the same flags."""
        env = os.environ
        return cls(
            int(env.get("WOD_DEMO_PORT", "8080")),
            int(env.get("WOD_DEMO_AWS_PORT", "4566")),
            int(env.get("WOD_DEMO_HUB_PORT", "8000")),
        )


@dataclass(frozen=True)
class Seat:
    site_url: str
    page_url: str
    hub_url: str
    inbox_url: str
    login: Credentials


def _until(
    what: str, check: Callable[[], bool], deadline: float, demo: subprocess.Popen[bytes]
) -> None:
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            raise PreviewError(f"the local stack exited (rc {demo.returncode}) while {what}")
        if check():
            return
        time.sleep(POLL_SECONDS)
    raise PreviewError(f"timed out while {what}")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def ready_seat(
    workshop_id: str, ports: Ports, demo: subprocess.Popen[bytes], timeout: float
) -> Seat:
    """Wait for the stack, register like a participant and wait for the credentials mail."""
    deadline = time.monotonic() + timeout
    site = f"http://127.0.0.1:{ports.site}/"
    api = site + "api/"
    _until("starting the stack", lambda: _answers(f"{api}workshops/{workshop_id}"), deadline, demo)
    response = requests.post(
        api + "registrations",
        json={
            "workshop_id": workshop_id,
            "email": PREVIEW_EMAIL,
            "first_name": "Workshop",
            "last_name": "Author",
            "company": "Preview",
            "accept_terms": True,
            "altcha": solve(api),  # the proof of work a registration carries
        },
        timeout=60,
    )
    if response.status_code != 202:
        raise PreviewError(f"registration refused: {response.status_code} {response.text}")
    found: list[Credentials] = []

    def mailed() -> bool:
        messages = requests.get(site + "_inbox/messages.json", timeout=10).json()
        for message in messages:
            if message["to"].lower() == PREVIEW_EMAIL and message["kind"] == "credentials":
                found.append(credentials(message))
                return True
        return False

    _until("preparing the seat (see .local/preview/logs/agent.log)", mailed, deadline, demo)
    return Seat(
        site_url=site,
        page_url=f"{site}workshops/{workshop_id}/",
        hub_url=f"http://127.0.0.1:{ports.hub}/",
        inbox_url=f"{site}_inbox/",
        login=found[0],
    )


def describe(workshop_id: str, seat: Seat) -> str:
    return (
        f"\nPreview of {workshop_id} is ready:\n"
        f"  workshop page  {seat.page_url}\n"
        f"  inbox          {seat.inbox_url}\n"
        f"  hub            {seat.hub_url}\n"
        f"  login          {seat.login.username} / {seat.login.password}\n"
        f"  start          {seat.login.start_url}\n"
        "Edit the notebooks in the workshop's directory; a new preview deploys them again.\n"
        "Ctrl-C stops everything."
    )


def _private_env(private: Sequence[Path]) -> dict[str, str]:
    """The demo's environment: the given private directories join WOD_PRIVATE_WORKSHOPS."""
    existing = [p for p in os.environ.get(PRIVATE_ENV, "").split(os.pathsep) if p]
    joined = os.pathsep.join([*existing, *(str(p.resolve()) for p in private)])
    return {**os.environ, PRIVATE_ENV: joined}


def run_preview(
    workshop_id: str,
    ports: Ports,
    private: Sequence[Path] = (),
    timeout: float = 600,
    out: Callable[[str], None] = print,
) -> int:
    """Run the preview until interrupted; returns the exit code for the CLI."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "wod.local.demo", "--only", workshop_id,
         "--port", str(ports.site), "--aws-port", str(ports.aws), "--hub-port", str(ports.hub)],
        env=_private_env(private),
        start_new_session=True,  # its own process group: stopping it stops all it started
    )  # fmt: skip

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        seat = ready_seat(workshop_id, ports, demo, timeout)
        out(describe(workshop_id, seat))
        return demo.wait()
    except PreviewError as exc:
        print(f"preview failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGTERM)
            try:
                demo.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(demo.pid, signal.SIGKILL)
                demo.wait()
