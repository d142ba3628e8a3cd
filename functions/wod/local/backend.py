"""The on-prem half, run locally: a JupyterHub in `local` account mode (no root) and the
`wod-agent` polling the stack's order queue. Used by `make demo` and the full-stack tests.

Both are the shipped artefacts: `backend_agent/hub/jupyterhub_config_local.py` and the
`wod-agent` command with a config file written here.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from wod.local.provision import MAX_RECEIVES
from wod.local.stack import LOCAL_CREDENTIALS, LocalStack, free_port, wait_for_http
from wod.settings import REPO_ROOT

VENV_BIN = Path(sys.executable).parent
PROXY = REPO_ROOT / "infra" / "local" / "node_modules" / ".bin" / "configurable-http-proxy"
HUB_CONFIG = REPO_ROOT / "backend_agent" / "hub" / "jupyterhub_config_local.py"


@dataclass(frozen=True)
class LocalHub:
    url: str
    api_url: str
    token: str
    homes_dir: Path
    state_dir: Path


def hub_env(port: int, workdir: Path, token: str) -> dict[str, str]:
    return {
        "WOD_HUB_IP": "127.0.0.1",
        "WOD_HUB_PORT": str(port),
        "WOD_HUB_INTERNAL_PORT": str(free_port()),
        "WOD_HUB_PROXY_API_PORT": str(free_port()),
        "WOD_HUB_DATA_DIR": str(workdir / "hub-data"),
        "WOD_HUB_AGENT_TOKEN": token,
        "WOD_HUB_PROXY_COMMAND": str(PROXY),
        "WOD_HUB_SINGLEUSER": str(VENV_BIN / "jupyterhub-singleuser"),
        "WOD_AGENT_HOMES_DIR": str(workdir / "homes"),
        "WOD_AGENT_STATE_DIR": str(workdir / "agent-state"),
    }


def start_hub(
    stack: LocalStack, workdir: Path, port: int, name: str = "hub", token: str | None = None
) -> LocalHub:
    """A JupyterHub whose students' servers run as the current user (local account mode);
    `token` (the agent's) to start it again as it was."""
    for sub in ("homes", "agent-state", "hub-data"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    token = token or secrets.token_hex(32)
    url = f"http://127.0.0.1:{port}"
    process = stack.spawn(
        name,
        [str(VENV_BIN / "jupyterhub"), "-f", str(HUB_CONFIG)],
        hub_env(port, workdir, token),
        cwd=workdir,
    )
    wait_for_http(f"{url}/hub/api", timeout=120, process=process)
    return LocalHub(url, f"{url}/hub/api", token, workdir / "homes", workdir / "agent-state")


def write_agent_config(
    stack: LocalStack,
    hub: LocalHub,
    path: Path,
    api_url: str,
    workshops_dirs: list[Path],
    backend: str = "default",
    metrics_port: int | None = None,
) -> Path:
    """The agent's config.yml; its /healthz and /metrics on `metrics_port` (a free one if None,
    so that agents of parallel runs never fight over the default 9464)."""
    settings = stack.settings()
    config = {
        "queue_url": stack.resources.queue_urls[backend],
        "sqs_endpoint_url": stack.aws_endpoint,
        "aws_region": LOCAL_CREDENTIALS["AWS_DEFAULT_REGION"],
        "api_url": api_url.rstrip("/"),
        "callback_secret": settings.callback_secret.get_secret_value(),
        "hub_url": hub.url,
        "hub_api_url": hub.api_url,
        "hub_token": hub.token,
        "account_mode": "local",
        # The demo runs without root: every student's server runs as the demo's user.
        "allow_unsafe_local_mode": True,
        "workshops_dirs": [str(d) for d in workshops_dirs],
        "homes_dir": str(hub.homes_dir),
        "state_dir": str(hub.state_dir),
        "branding_file": str(settings.branding_file),
        "visibility_timeout": 120,
        "max_receives": MAX_RECEIVES,
        "poll_wait_seconds": 2,
        "retry_delay": 5,
        "metrics_port": free_port() if metrics_port is None else metrics_port,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    path.chmod(0o600)  # it holds the callback secret and the hub token
    return path


def start_agent(stack: LocalStack, config: Path, name: str = "agent") -> None:
    stack.spawn(
        name,
        [str(VENV_BIN / "wod-agent"), "--config", str(config), "run"],
        stack.aws_env(),
        cwd=REPO_ROOT,
    )
