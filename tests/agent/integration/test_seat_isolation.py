"""System mode: one participant cannot reach the next one on the same seat, nor take the host.

Real hub (PAM, `SeatSpawner`), real playbooks, real cron/at tools, and a real kernel started
through the participant's own server. Runs as root (CI does); see `require_system`.
"""

# ruff: noqa: TID252
from __future__ import annotations

import os
import pwd
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from jupyter_client.blocking.client import BlockingKernelClient

from wod_agent.cgroups import LegacyTree, UnifiedTree, detect
from wod_contracts.orders import OrderVerb

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..conftest import (
    SEAT_CPUS,
    SEAT_MEMORY,
    SEAT_TASKS,
    SYSTEM_SEATS,
    AgentSetup,
    Hub,
    SqsTestQueue,
    require_system,
)
from ..peers import (
    home_listing,
    hub_login,
    make_order,
    run_agent_once,
    wait_until,
    whoami_setup,
    write_workshop,
)

pytestmark = pytest.mark.slow
SHARED_TEMP_DIRS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))


@pytest.fixture
def seat_tools() -> None:
    require_system("crontab", "at", "atq", "ipcmk", "setpriv")


def run_as(username: str, script: str) -> str:
    """What the participant can do from a terminal of their server: run commands as themself."""
    result = subprocess.run(
        ["runuser", "-u", username, "--", "bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        cwd="/",
    )
    return result.stdout


def deploy(agent: AgentSetup, verb: OrderVerb, student: int, workshop_id: str) -> dict[str, Any]:
    order = make_order(verb, student, workshop_id)
    agent.queue.send(order)
    run_agent_once(agent.config_path)
    [callback] = agent.receiver.accepted(order.order_id)
    assert callback["outcome"] == "succeeded", callback
    return callback


def owned_by(uid: int) -> list[Path]:
    return [
        entry
        for directory in SHARED_TEMP_DIRS
        for entry in directory.iterdir()
        if entry.lstat().st_uid == uid
    ]


def processes_of(uid: int) -> list[str]:
    """Command lines of the live (not zombie) processes of a user."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
            command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields["Uid"].split()[0]) == uid and not fields["State"].strip().startswith("Z"):
            found.append(command.strip())
    return found


def test_the_next_participant_finds_nothing_of_the_previous_one(
    system_hub: Hub,
    seat_tools: None,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
) -> None:
    # Given participant 1 on a seat, who leaves things outside their home: a cron
    # job, an `at` job, files in each shared temporary directory, a SysV shared memory segment
    # and a process that escaped their server
    seat = SYSTEM_SEATS + 11
    username = f"student{seat}"
    system_hub.users.append(username)
    agent = make_agent(system_hub, make_queue())
    write_workshop(agent.workshops_dir, "WOD-ISO", seat, seat + 1, whoami_setup())
    deploy(agent, OrderVerb.CREATE, seat, "WOD-ISO")
    uid = pwd.getpwnam(username).pw_uid
    marker = f"wod-left-over-{uuid.uuid4().hex[:8]}"
    run_as(
        username,
        f"""set -e
        echo '*/5 * * * * cat /etc/hostname > /tmp/{marker}-cron' | crontab -
        echo 'touch /tmp/{marker}-at' | at now + 2 hours 2>/dev/null
        echo secret > /tmp/{marker}.csv
        mkdir -p /var/tmp/{marker}/deep && echo secret > /var/tmp/{marker}/deep/notes.txt
        echo secret > /dev/shm/{marker}
        ipcmk -M 4096 >/dev/null
        setsid bash -c 'exec -a {marker} sleep 3600' </dev/null >/dev/null 2>&1 &
        """,
    )
    assert "cat /etc/hostname" in run_as(username, "crontab -l")
    assert username in subprocess.run(["atq"], capture_output=True, text=True).stdout
    assert len(owned_by(uid)) == 3
    wait_until(lambda: any(marker in c for c in processes_of(uid)), 10, "the escaped process")

    # When the session ends, and participant 2 gets the same seat
    deploy(agent, OrderVerb.CLEANUP, seat, "WOD-ISO")
    deploy(agent, OrderVerb.CREATE, seat, "WOD-ISO")

    # Then nothing of participant 1 is left: no crontab, no at job, no files, no IPC object,
    # no process but participant 2's own server
    crontab = subprocess.run(["crontab", "-l", "-u", username], capture_output=True, text=True)
    assert crontab.returncode == 1 and "no crontab" in crontab.stderr
    assert username not in subprocess.run(["atq"], capture_output=True, text=True).stdout
    assert owned_by(uid) == []
    ipcs = subprocess.run(["ipcs", "-m"], capture_output=True, text=True, check=True).stdout
    assert username not in ipcs
    running = processes_of(uid)
    assert not any(marker in command for command in running)
    assert running and all("jupyterhub-singleuser" in command for command in running), running
    # and participant 2 finds the workshop in a fresh home, set up by the workshop's setup.yml
    # running as the student, not as root (the default), and leaving nothing of Ansible's
    home = Path(pwd.getpwnam(username).pw_dir)
    names = [p.name for p in home.iterdir()]
    assert sorted(n for n in names if not n.startswith(".")) == ["0-ReadMeFirst.ipynb", "data.csv"]
    assert ".ansible" not in names
    assert (home / ".setup-user").read_text() == f"{username}\n"
    assert (home / ".setup-user").stat().st_uid == uid


# --- limits --------------------------------------------------------------------------------


def server_pid(uid: int) -> int:
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            command = (status.parent / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            continue
        uid_line = next(line for line in text.splitlines() if line.startswith("Uid:"))
        if int(uid_line.split()[1]) == uid and b"jupyterhub-singleuser" in command:
            return int(status.parent.name)
    raise AssertionError(f"no server of uid {uid}")


def seat_files(username: str) -> dict[str, Path]:
    """The limit and counter files of the seat's control group, by what they hold."""
    tree = detect()
    if isinstance(tree, UnifiedTree):
        seat = tree.base / f"wod-{username}"
        return {
            "memory": seat / "memory.max",
            "cpu": seat / "cpu.max",
            "tasks": seat / "pids.max",
            "events": seat / "memory.events",
            "procs": seat / "cgroup.procs",
        }
    assert isinstance(tree, LegacyTree)
    memory, cpu = tree.bases["memory"] / f"wod-{username}", tree.bases["cpu"] / f"wod-{username}"
    return {
        "memory": memory / "memory.limit_in_bytes",
        "cpu": cpu / "cpu.cfs_quota_us",
        "tasks": tree.bases["pids"] / f"wod-{username}" / "pids.max",
        "events": memory / "memory.oom_control",
        "procs": memory / "cgroup.procs",
    }


def oom_kills(events: Path) -> int:
    for line in events.read_text().splitlines():
        key, _, value = line.partition(" ")
        if key == "oom_kill":
            return int(value)
    return 0


@pytest.fixture
def kernel_of() -> Iterator[Callable[[requests.Session, str, str], BlockingKernelClient]]:
    """Starts a kernel through the participant's server (their session, their cookies) and
    connects to it with its connection file, which root can read."""
    clients: list[BlockingKernelClient] = []

    def start(session: requests.Session, hub_url: str, username: str) -> BlockingKernelClient:
        base = f"{hub_url}/user/{username}"
        xsrf = next(c.value for c in session.cookies if c.name == "_xsrf" and "/user/" in c.path)
        response = session.post(
            f"{base}/api/kernels", json={"name": "python3"}, headers={"X-XSRFToken": xsrf}
        )
        assert response.status_code == 201, response.text[:300]
        kernel_id = response.json()["id"]
        home = Path(pwd.getpwnam(username).pw_dir)
        found: list[Path] = []
        wait_until(
            lambda: bool(found.extend(home.rglob(f"kernel-{kernel_id}.json")) or found),
            30,
            "the kernel's connection file",
        )
        client = BlockingKernelClient(connection_file=str(found[0]))
        client.load_connection_file()
        # No heartbeat channel: on a loaded machine a late beat reads as a dead kernel.
        client.start_channels(hb=False)
        client.wait_for_ready(timeout=60)
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.stop_channels()


def run_cell(client: BlockingKernelClient, code: str, timeout: float = 60) -> str:
    """The cell's stdout; raises TimeoutError if the kernel never answers (it died)."""
    output: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            output.append(message["content"]["text"])

    client.execute_interactive(code, timeout=timeout, output_hook=keep)
    return "".join(output)


def test_limits_stop_a_memory_hog_and_a_process_flood_while_hub_and_agent_stay_up(
    system_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
    kernel_of: Callable[[requests.Session, str, str], BlockingKernelClient],
) -> None:
    # Given a participant's server, limited as a whole by the seat's control group
    seat = SYSTEM_SEATS + 21
    username = f"student{seat}"
    system_hub.users.append(username)
    agent = make_agent(system_hub, make_queue())
    # (whose setup.yml asks for root: the explicit opt-in of workshop.yml)
    write_workshop(
        agent.workshops_dir, "WOD-LIM", seat, seat + 1, whoami_setup(), setup_runs_as="root"
    )
    created = deploy(agent, OrderVerb.CREATE, seat, "WOD-LIM")
    uid = pwd.getpwnam(username).pw_uid
    assert (Path(pwd.getpwnam(username).pw_dir) / ".setup-user").read_text() == "root\n"
    server = server_pid(uid)
    files = seat_files(username)
    assert str(server) in files["procs"].read_text().split()
    assert int(files["memory"].read_text().split()[0]) == SEAT_MEMORY
    assert files["cpu"].read_text().split()[0] == str(round(SEAT_CPUS * 100_000))
    assert int(files["tasks"].read_text()) == SEAT_TASKS
    session, landing = hub_login(system_hub.url, username, created["password"])
    assert landing.status_code == 200
    home_listing(session, system_hub.url, username)  # the OAuth hop to the server
    kernel = kernel_of(session, system_hub.url, username)
    assert run_cell(kernel, "print(6 * 7)") == "42\n"

    # When the participant starts processes until something stops them
    flood = run_cell(
        kernel,
        f"""import subprocess
children = []
try:
    for _ in range({SEAT_TASKS * 2}):
        children.append(subprocess.Popen(["sleep", "600"]))
except OSError as error:
    print("refused after", len(children), error.errno)
for child in children:
    child.kill()
    child.wait()
""",
    )
    # Then the seat's task limit refuses them (EAGAIN), well before twice the limit
    assert flood.startswith("refused after"), flood
    assert int(flood.split()[2]) < SEAT_TASKS and flood.split()[3] == "11"

    # When the participant allocates four times the seat's memory
    before = oom_kills(files["events"])
    started = time.monotonic()
    kernel.execute(f"hog = b'x' * {SEAT_MEMORY * 4}\nprint('survived')")
    # Then the kernel is killed by the seat's limit, long before the host runs short
    wait_until(lambda: oom_kills(files["events"]) > before, 60, "an OOM kill in the seat")
    print(f"hog stopped after {time.monotonic() - started:.1f}s")
    # and the participant's server, the hub and the agent are still up
    assert os.path.exists(f"/proc/{server}")
    status = session.get(f"{system_hub.url}/user/{username}/api/status", timeout=10)
    assert status.status_code == 200
    assert requests.get(system_hub.api_url, timeout=10).status_code == 200
    deploy(agent, OrderVerb.CLEANUP, seat, "WOD-LIM")
    assert processes_of(uid) == []
