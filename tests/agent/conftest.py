"""Fixtures of the agent's tests: real moto SQS, real JupyterHubs, a signed-callback receiver.

Every process is started in its own session and its group killed at teardown.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
import yaml

from wod_agent.logs import HANDLER_NAME
from wod_contracts.orders import Order

from .peers import CallbackReceiver, serve_receiver, write_branding

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHP = REPO / "infra/local/node_modules/.bin/configurable-http-proxy"
HUB_CONFIGS = REPO / "backend_agent/hub"
SINGLEUSER_VENV = Path(
    os.environ.get("WOD_TEST_SINGLEUSER_VENV", "/var/cache/wod-agent-tests/singleuser-venv")
)
REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def _agent_logging_undone() -> Iterator[None]:
    """`wod_agent.cli.main`, run in-process by some tests, installs its own root log handler."""
    level = logging.getLogger().level
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    root.setLevel(level)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited:\n{log.read_text()[-3000:]}")
        try:
            # Not any answer: the hub's proxy answers 404 before the hub has added its route.
            if requests.get(url, timeout=2).status_code < 400:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready in {timeout}s:\n{log.read_text()[-3000:]}")


def stop_group(process: subprocess.Popen[bytes], grace: float = 15) -> None:
    """SIGTERM the process group (the hub stops its servers), then SIGKILL what is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


# --- AWS (moto) -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    endpoint = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    try:
        wait_for(f"{endpoint}/moto-api/", process, log)
        yield endpoint
    finally:
        stop_group(process, grace=5)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class SqsTestQueue:
    client: Any
    url: str
    dlq_url: str
    max_receives: int

    def send(self, order: Order, dedup: str | None = None) -> None:
        self.client.send_message(
            QueueUrl=self.url,
            MessageBody=order.model_dump_json(),
            MessageGroupId=order.seat,
            MessageDeduplicationId=dedup or order.order_id,
        )

    def count(self, url: str | None = None) -> tuple[int, int]:
        """(visible, in flight) messages."""
        attributes = self.client.get_queue_attributes(
            QueueUrl=url or self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return (
            int(attributes["ApproximateNumberOfMessages"]),
            int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        )


@pytest.fixture
def make_queue(moto_endpoint: str) -> Callable[..., SqsTestQueue]:
    """A FIFO order queue with a DLQ redrive, like the one the cloud stack creates."""
    client = boto3.client("sqs", endpoint_url=moto_endpoint, region_name=REGION)

    def make(max_receives: int = 3, visibility: int = 30) -> SqsTestQueue:
        name = f"orders-{secrets.token_hex(4)}"
        dlq_url = client.create_queue(
            QueueName=f"{name}-dlq.fifo", Attributes={"FifoQueue": "true"}
        )["QueueUrl"]
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        url = client.create_queue(
            QueueName=f"{name}.fifo",
            Attributes={
                "FifoQueue": "true",
                "VisibilityTimeout": str(visibility),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives}
                ),
            },
        )["QueueUrl"]
        return SqsTestQueue(client, url, dlq_url, max_receives)

    return make


# --- the API's callback endpoint --------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    peer = CallbackReceiver(secret=secrets.token_urlsafe(32).encode())
    server = serve_receiver(peer, free_port())
    yield peer
    server.shutdown()
    server.server_close()


# --- JupyterHub -------------------------------------------------------------------------------


@dataclass
class Hub:
    mode: str
    url: str
    api_url: str
    token: str
    homes_dir: Path
    state_dir: Path
    log: Path
    users: list[str] = field(default_factory=list)


def start_hub(
    mode: str,
    workdir: Path,
    homes_dir: Path,
    state_dir: Path,
    singleuser: Path,
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], Hub]:
    port = free_port()
    token = secrets.token_hex(32)
    env = {
        **os.environ,
        "WOD_HUB_IP": "127.0.0.1",
        "WOD_HUB_PORT": str(port),
        "WOD_HUB_INTERNAL_PORT": str(free_port()),
        "WOD_HUB_PROXY_API_PORT": str(free_port()),
        "WOD_HUB_DATA_DIR": str(workdir / "hub-data"),
        "WOD_HUB_AGENT_TOKEN": token,
        "WOD_HUB_PROXY_COMMAND": str(CHP),
        "WOD_HUB_SINGLEUSER": str(singleuser),
        "WOD_AGENT_HOMES_DIR": str(homes_dir),
        "WOD_AGENT_STATE_DIR": str(state_dir),
        **(extra_env or {}),
    }
    log = workdir / "hub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(VENV_BIN / "jupyterhub"), "-f", str(HUB_CONFIGS / f"jupyterhub_config_{mode}.py")],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/hub/api", process, log)
    except Exception:
        stop_group(process)
        raise
    return process, Hub(mode, url, f"{url}/hub/api", token, homes_dir, state_dir, log)


@pytest.fixture(scope="session")
def local_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    workdir = tmp_path_factory.mktemp("local-hub")
    homes, state = workdir / "homes", workdir / "agent-state"
    homes.mkdir()
    state.mkdir()
    process, hub = start_hub("local", workdir, homes, state, VENV_BIN / "jupyterhub-singleuser")
    yield hub
    stop_group(process)


def _singleuser_venv() -> Path:
    """A virtualenv from Debian's Python that student accounts can execute (FIELD-NOTES)."""
    python = SINGLEUSER_VENV / "bin/python"
    command = SINGLEUSER_VENV / "bin/jupyterhub-singleuser"
    if not command.exists():
        subprocess.run(["/usr/bin/python3", "-m", "venv", str(SINGLEUSER_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "jupyterhub==6.1.1", "jupyterlab==4.6.6"],
            check=True,
        )
    os.chmod(SINGLEUSER_VENV.parent, 0o755)  # noqa: S103  # students run this Python
    return command


def require_system(*tools: str) -> None:
    """Skip on a laptop without root or tools; fail in CI, where system mode must run."""
    missing = None
    if os.geteuid() != 0:
        missing = "system mode needs root (CI runs as root)"
    elif not Path("/usr/bin/python3").exists():
        missing = "system mode needs /usr/bin/python3"
    elif absent := [tool for tool in ("useradd", *tools) if shutil.which(tool) is None]:
        missing = f"system mode tests need {', '.join(absent)} (make deps installs them)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)


# System-mode seats of this test session: real accounts, so a random block of numbers keeps two
# sessions on one machine (developers sharing it) off each other's accounts.
SYSTEM_SEATS = 10_000 + 100 * secrets.randbelow(800)

# The system hub's per-seat limits: small, so that the tests can reach them quickly.
SEAT_MEMORY = 512 * 1024**2
SEAT_CPUS = 0.5
SEAT_TASKS = 96
CLEAR_STUDENT = REPO / "backend_agent/wod_agent/playbooks/files/clear-student.sh"


@pytest.fixture(scope="session")
def system_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    require_system()
    workdir = tmp_path_factory.mktemp("system-hub")
    # Students must traverse to their homes: not under pytest's 0700 temp dirs.
    homes = Path(f"/srv/wod-agent-test-homes-{secrets.token_hex(3)}")
    homes.mkdir(mode=0o755)
    state = workdir / "agent-state"
    state.mkdir()
    limits = {
        "WOD_HUB_MEM_LIMIT": str(SEAT_MEMORY),
        "WOD_HUB_CPU_LIMIT": str(SEAT_CPUS),
        "WOD_HUB_TASKS_LIMIT": str(SEAT_TASKS),
    }
    process, hub = start_hub("system", workdir, homes, state, _singleuser_venv(), limits)
    yield hub
    stop_group(process)
    from wod_agent.cgroups import detect

    for user in hub.users:
        # What a test left running, scheduled or in /tmp, then the account and its group.
        subprocess.run(["bash", str(CLEAR_STUDENT), user], capture_output=True, check=False)
        subprocess.run(["userdel", "--force", "--remove", user], capture_output=True, check=False)
        detect().remove(user)
    members = subprocess.run(["getent", "group", "wodstudents"], capture_output=True, text=True)
    if not members.stdout.strip().split(":")[-1]:  # another session's students may still need it
        subprocess.run(["groupdel", "wodstudents"], capture_output=True, check=False)
    shutil.rmtree(homes, ignore_errors=True)


# --- the agent --------------------------------------------------------------------------------


@dataclass
class AgentSetup:
    config_path: Path
    workshops_dir: Path
    hub: Hub
    queue: SqsTestQueue
    receiver: CallbackReceiver


@pytest.fixture
def make_agent(
    tmp_path: Path, moto_endpoint: str, receiver: CallbackReceiver
) -> Callable[..., AgentSetup]:
    """Writes an agent config.yml for a hub and a queue; workshops go in `workshops_dir`."""

    def make(hub: Hub, queue: SqsTestQueue, **overrides: Any) -> AgentSetup:
        workshops = tmp_path / "workshops"
        workshops.mkdir(exist_ok=True)
        secret_file = tmp_path / "callback-secret"
        secret_file.write_bytes(receiver.secret)
        settings: dict[str, Any] = {
            "queue_url": queue.url,
            "sqs_endpoint_url": moto_endpoint,
            "aws_region": REGION,
            "api_url": receiver.url,
            "callback_secret_file": str(secret_file),
            "hub_url": hub.url,
            "hub_api_url": hub.api_url,
            "hub_token": hub.token,
            "account_mode": hub.mode,
            "allow_unsafe_local_mode": hub.mode == "local",
            "workshops_dirs": [str(workshops)],
            "homes_dir": str(hub.homes_dir),
            "state_dir": str(hub.state_dir),
            "branding_file": str(write_branding(tmp_path / "branding.yml")),
            "parallelism": 2,
            "visibility_timeout": 30,
            "max_receives": queue.max_receives,
            "poll_wait_seconds": 1,
            "retry_delay": 1,
            "playbook_timeout": 300,
            # Never the default 9464: agents of parallel test runs would fight over it.
            "metrics_port": free_port(),
        }
        settings.update(overrides)
        config_path = tmp_path / "config.yml"
        config_path.write_text(yaml.safe_dump(settings), encoding="utf-8")
        return AgentSetup(config_path, workshops, hub, queue, receiver)

    return make
