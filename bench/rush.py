"""A rush of registrations through the same parts as `make demo`: the gateway over the real
handler, the local AWS endpoint, the real `wod-agent` and the real JupyterHub (local mode).

N people register at once for a workshop with W warm seats. Printed per run: registration
latency p50/p99, register -> credentials mail p50/p95/max, register -> JupyterLab serving
ReadMeFirst for a sample, warm vs cold seats, apologies, and the time until the last
participant has credentials. `--solo` first measures one participant alone, cold and warm.

    .venv/bin/python bench/rush.py [--participants 50] [--warm 50] [--warm-server] [--solo]
        [--samples 3]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import requests
import yaml

from wod.local import backend
from wod.local.proof import solve
from wod.local.stack import LocalStack, free_port
from wod.services.wiring import Services, build_services
from wod.settings import REPO_ROOT
from wod_contracts.branding import load_branding
from wod_contracts.catalog import load_catalog

RUSH = "rush-101"
COLD = "solo-cold"
WARM = "solo-warm"


def write_workshop(
    root: Path, workshop_id: str, first: int, seats: int, warm: int, warm_server: bool = False
) -> None:
    directory = root / workshop_id
    directory.mkdir(parents=True)
    data = {
        "id": workshop_id,
        "title": f"Bench {workshop_id}",
        "summary": "A workshop for the rush benchmark.",
        "description": "Made by bench/rush.py.",
        "duration_minutes": 120,
        "students": {"first": first, "last": first + seats - 1},
        "presenter": {"name": "Bench"},
        "warm_seats": warm,
        "warm_server": warm_server,
    }
    (directory / "workshop.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.cells = [nbformat.v4.new_markdown_cell("# Welcome, {{ wod.username }}")]
    nbformat.write(notebook, directory / "0-ReadMeFirst.ipynb")


def person(workshop_id: str, n: int) -> dict[str, Any]:
    return {
        "workshop_id": workshop_id,
        "email": f"p{n}@rush.example",
        "first_name": "Rush",
        "last_name": f"P{n}",
        "company": "Bench",
        "accept_terms": True,
    }


@dataclass
class Participant:
    email: str
    registered_at: float = 0.0
    latency: float = 0.0
    registration_id: str = ""
    credentials_at: float | None = None
    apology: bool = False
    mail: dict[str, Any] = field(default_factory=dict)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Rig:
    """The demo's processes on free ports, with a catalog of bench workshops."""

    def __init__(
        self,
        workdir: Path,
        participants: int,
        warm: int,
        parallelism: int | None,
        warm_server: bool = False,
    ):
        root = workdir / "workshops"
        write_workshop(root, RUSH, 30_001, participants, warm, warm_server)
        write_workshop(root, COLD, 39_001, 2, 0)
        write_workshop(root, WARM, 39_101, 2, 1)
        self.catalog = load_catalog([root])
        self.stack = LocalStack(
            aws_port=free_port(), gateway_port=free_port(), log_dir=workdir / "logs"
        )
        stack = self.stack
        stack.start_aws()
        stack.provision(self.catalog, str(load_branding(REPO_ROOT / "branding.yml").sender))
        stack.seed(self.catalog)
        self.hub = backend.start_hub(stack, workdir / "hub", free_port())
        stack.extra_env = {
            "WOD_BACKEND_HUBS": json.dumps({"default": self.hub.url}),
            # The whole rush comes from one address and one mail domain: limits raised.
            "WOD_LIMIT_SOURCE_PER_MINUTE": "100000",
            "WOD_LIMIT_SOURCE_PER_DAY": "100000",
            "WOD_DOMAIN_CAP_EXEMPT": "rush.example",
        }
        stack.start_gateway()
        config = backend.write_agent_config(
            stack, self.hub, workdir / "agent.yml", stack.api_url, [root]
        )
        if parallelism is not None:
            settings = yaml.safe_load(config.read_text())
            settings["parallelism"] = parallelism
            config.write_text(yaml.safe_dump(settings))
        backend.start_agent(stack, config)
        self.services: Services = build_services(stack.settings())
        self.seen: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def warm_up(self, workshop_id: str, target: int, timeout: float = 1800) -> float:
        started = time.monotonic()
        self.services.warm_seats.top_up(workshop_id)
        while True:
            seats = self.services.workshops.get(workshop_id, consistent=True)
            if seats.seats_warm >= target:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{seats.seats_warm}/{target} warm after {timeout:.0f}s")
            if not seats.preparing:
                self.services.warm_seats.top_up(workshop_id)
            time.sleep(0.5)

    def register(self, workshop_id: str, n: int) -> Participant:
        # The proof of work is solved first: the participant's browser does it while typing.
        body = {**person(workshop_id, n), "altcha": solve(self.stack.api_url)}
        who = Participant(body["email"])
        who.registered_at = time.monotonic()
        response = requests.post(self.stack.api_url + "registrations", json=body, timeout=120)
        who.latency = time.monotonic() - who.registered_at
        response.raise_for_status()
        who.registration_id = response.json()["registration_id"]
        return who

    def watch_mail(self, people: list[Participant], timeout: float) -> None:
        """Poll the inbox until everyone has credentials (or an apology): first-seen times."""
        by_address = {p.email: p for p in people}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = time.monotonic()
            for mail in self.stack.inbox():
                who = by_address.get(mail["to"].lower())
                if who is None:
                    continue
                if mail["kind"] == "credentials" and who.credentials_at is None:
                    who.credentials_at, who.mail = now, mail
                elif mail["kind"] == "apology":
                    who.apology = True
            if all(p.credentials_at is not None or p.apology for p in people):
                return
            time.sleep(0.2)

    def time_to_readmefirst(self, who: Participant) -> float:
        """Log in with the mailed password; seconds from registering to ReadMeFirst served."""
        text = who.mail["text"]
        username = re.search(r"Username: (\S+)", text)
        password = re.search(r"Password: (\S+)", text)
        assert username and password, text
        session = requests.Session()
        hub = self.hub.url
        session.get(f"{hub}/hub/login", timeout=30)
        xsrf = session.cookies.get("_xsrf", "")
        session.post(
            f"{hub}/hub/login",
            data={"username": username.group(1), "password": password.group(1), "_xsrf": xsrf},
            timeout=60,
        )
        user = username.group(1)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            session.get(f"{hub}/user/{user}/lab", timeout=60)  # the OAuth hop, once ready
            answer = session.get(f"{hub}/user/{user}/api/contents/0-ReadMeFirst.ipynb", timeout=60)
            if answer.status_code == 200 and answer.json().get("type") == "notebook":
                return time.monotonic() - who.registered_at
            time.sleep(0.5)
        raise TimeoutError(f"ReadMeFirst of {user} never served")

    def warm_seat(self, who: Participant) -> bool:
        return self.services.store.get(who.registration_id).warm_seat

    def stop(self) -> None:
        self.stack.stop()


def solo(rig: Rig, workshop_id: str, n: int, label: str) -> None:
    who = rig.register(workshop_id, n)
    rig.watch_mail([who], timeout=600)
    assert who.credentials_at is not None, f"{label}: no credentials"
    mail_s = who.credentials_at - who.registered_at
    lab_s = rig.time_to_readmefirst(who)
    seat = "warm" if rig.warm_seat(who) else "cold"
    print(
        f"one participant, {label:<4}: registration {who.latency * 1000:5.0f} ms, "
        f"credentials {mail_s:5.1f} s, ReadMeFirst {lab_s:5.1f} s ({seat} seat)"
    )


def rush(rig: Rig, participants: int, samples: int) -> None:
    burst_at = time.monotonic()
    with ThreadPoolExecutor(participants) as pool:
        people = list(pool.map(lambda n: rig.register(RUSH, n), range(participants)))
    rig.watch_mail(people, timeout=1800)
    latencies = [p.latency for p in people]
    mailed = [p for p in people if p.credentials_at is not None]
    to_mail = [p.credentials_at - p.registered_at for p in mailed if p.credentials_at]
    warm = sum(rig.warm_seat(p) for p in people)
    last = max(p.credentials_at for p in mailed if p.credentials_at) - burst_at if mailed else 0
    print(
        f"registration latency: p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {pct(latencies, 0.99) * 1000:.0f} ms"
    )
    if to_mail:
        print(
            f"register -> credentials mail: p50 {statistics.median(to_mail):.1f} s, "
            f"p95 {pct(to_mail, 0.95):.1f} s, max {max(to_mail):.1f} s"
        )
    print(
        f"seats: {warm} warm, {participants - warm} cold; credentials {len(mailed)}/"
        f"{participants}; apologies {sum(p.apology for p in people)}"
    )
    print(f"last participant with credentials: {last:.1f} s after the burst")
    sampled = [rig.time_to_readmefirst(p) for p in mailed[:samples]]
    if sampled:
        print(
            "register -> ReadMeFirst served (sample): " + ", ".join(f"{s:.1f} s" for s in sampled)
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--warm", type=int, default=50, help="warm seats of the workshop")
    parser.add_argument("--samples", type=int, default=3, help="logins to ReadMeFirst")
    parser.add_argument("--parallelism", type=int, default=None, help="agent (demo's default)")
    parser.add_argument("--solo", action="store_true", help="first, one participant alone")
    parser.add_argument(
        "--warm-server", action="store_true", help="warm seats with their server started"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wod-rush-") as tmp:
        rig = Rig(Path(tmp), args.participants, args.warm, args.parallelism, args.warm_server)
        try:
            if args.solo:
                solo(rig, COLD, 900_001, "cold")
                rig.warm_up(WARM, 1)
                solo(rig, WARM, 900_002, "warm")
            if args.warm:
                took = rig.warm_up(RUSH, args.warm)
                print(f"{args.warm} warm seats prepared in {took:.0f} s before the rush")
            servers = " (servers started)" if args.warm_server else ""
            print(f"{args.participants} registrations at once, {args.warm} warm seats{servers}:")
            rush(rig, args.participants, args.samples)
        finally:
            rig.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
