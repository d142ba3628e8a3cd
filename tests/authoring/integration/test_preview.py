"""`wod-workshop preview` end to end: one command brings up the local stack with only a private
draft workshop, and prints a login that works on the local hub; SIGTERM stops everything."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from wod.local.stack import free_port
from wod.settings import REPO_ROOT
from wod_contracts.workshop import StudentRange
from wod_workshop.scaffold import NewWorkshop, write_workshop

CLI = Path(sys.executable).parent / "wod-workshop"
READY_SECONDS = 600  # moto, site build, hub and a first seat on a loaded 2-core machine

pytestmark = pytest.mark.slow


def read_lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


def test_preview_serves_only_the_workshop_and_prints_a_working_login(tmp_path: Path) -> None:
    # Given a private draft workshop, outside the repository
    drafts = tmp_path / "drafts"
    new = NewWorkshop("draft-preview", "Draft Preview", StudentRange(first=7001, last=7002))
    write_workshop(new, drafts, REPO_ROOT / "workshops" / "workshop.schema.json")
    site, aws, hub = free_port(), free_port(), free_port()

    # When the author previews it
    env = {k: v for k, v in os.environ.items() if k != "WOD_PRIVATE_WORKSHOPS"}
    process = subprocess.Popen(
        [str(CLI), "preview", "draft-preview", "--private", str(drafts),
         "--port", str(site), "--aws-port", str(aws), "--hub-port", str(hub)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )  # fmt: skip
    output: queue.Queue[str] = queue.Queue()
    threading.Thread(target=read_lines, args=(process.stdout, output), daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not any(line.startswith("  start ") for line in seen):
            assert time.monotonic() < deadline, "".join(seen)
            assert process.poll() is None, "".join(seen)
            try:
                seen.append(output.get(timeout=1))
            except queue.Empty:
                continue
        text = "".join(seen)

        # Then it prints the workshop's page, which the site serves, and only that workshop
        page = re.search(r"workshop page\s+(\S+)", text)
        assert page and page.group(1) == f"http://127.0.0.1:{site}/workshops/draft-preview/"
        assert "Draft Preview" in requests.get(page.group(1), timeout=30).text
        listed = requests.get(f"http://127.0.0.1:{site}/api/workshops", timeout=30).json()
        assert [w["id"] for w in listed] == ["draft-preview"]

        # and a login of one of its seats that opens JupyterLab on the first notebook
        login = re.search(r"login\s+(student\d+) / (\S+)", text)
        assert login and login.group(1) in ("student7001", "student7002")
        session = requests.Session()
        login_url = f"http://127.0.0.1:{hub}/hub/login?next=/hub/user-redirect/lab"
        session.get(login_url, timeout=30)
        landing = session.post(
            login_url,
            data={
                "username": login.group(1),
                "password": login.group(2),
                "_xsrf": session.cookies.get("_xsrf"),
            },
            timeout=120,
        )
        assert landing.status_code == 200
        contents = session.get(
            f"http://127.0.0.1:{hub}/user/{login.group(1)}/api/contents", timeout=30
        ).json()
        assert "0-ReadMeFirst.ipynb" in [item["name"] for item in contents["content"]]
    finally:
        # When it is stopped like Ctrl-C would
        os.killpg(process.pid, signal.SIGTERM)
        code = process.wait(timeout=120)

    # Then it exits cleanly and the stack it started is gone
    assert code == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{hub}/hub/api", timeout=5)
