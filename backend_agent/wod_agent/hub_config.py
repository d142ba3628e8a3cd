"""JupyterHub settings for the two account modes, applied by `backend_agent/hub/*.py`.

Kept here, typed and importable, so the two hub config files stay three lines long. Settings
come from `WOD_HUB_*` variables (read once, in `HubSettings.from_env`).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .cgroups import CgroupError
from .hub_rest import REQUIRED_SCOPES
from .hub_spawner import seat_cgroups
from .notebooks import FIRST_NOTEBOOK

AGENT_SERVICE = "wod-agent"
STUDENTS_GROUP = "wodstudents"
# Per seat, system mode: a JupyterLab server with a kernel or two fits well within these.
DEFAULT_LIMITS = {"mem_limit": "1G", "cpu_limit": "1", "tasks_limit": "512"}
NO_LIMIT = "none"
MIN_CPUS = 0.01
T = TypeVar("T")
N = TypeVar("N", int, float)


@dataclass(frozen=True)
class HubSettings:
    ip: str
    port: int
    hub_port: int
    proxy_api_port: int
    data_dir: Path
    agent_token: str
    proxy_command: str
    singleuser_command: str
    homes_dir: Path
    passwords_dir: Path
    mem_limit: int | None  # bytes
    cpu_limit: float | None  # cores
    tasks_limit: int | None  # processes and threads

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HubSettings:
        env = os.environ if environ is None else environ
        token = env.get("WOD_HUB_AGENT_TOKEN", "")
        token_file = env.get("WOD_HUB_AGENT_TOKEN_FILE", "")
        if not token and token_file:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        if not token:
            raise ValueError("set WOD_HUB_AGENT_TOKEN_FILE (or WOD_HUB_AGENT_TOKEN) for the agent")
        here = Path(sys.executable).parent
        state_dir = Path(env.get("WOD_AGENT_STATE_DIR", "/var/lib/wod-agent"))
        return cls(
            ip=env.get("WOD_HUB_IP", "0.0.0.0"),  # noqa: S104  # the public entry point
            port=int(env.get("WOD_HUB_PORT", "8000")),
            hub_port=int(env.get("WOD_HUB_INTERNAL_PORT", "8081")),
            proxy_api_port=int(env.get("WOD_HUB_PROXY_API_PORT", "8001")),
            data_dir=Path(env.get("WOD_HUB_DATA_DIR", "/var/lib/wod-hub")),
            agent_token=token,
            proxy_command=env.get("WOD_HUB_PROXY_COMMAND")
            or shutil.which("configurable-http-proxy")
            or "configurable-http-proxy",
            singleuser_command=env.get("WOD_HUB_SINGLEUSER", str(here / "jupyterhub-singleuser")),
            homes_dir=Path(env.get("WOD_AGENT_HOMES_DIR", "/home")),
            passwords_dir=Path(env.get("WOD_HUB_PASSWORDS_DIR", str(state_dir / "hub-passwords"))),
            mem_limit=_limit(env, "mem_limit", _byte_size),
            cpu_limit=_limit(env, "cpu_limit", _cpus),
            tasks_limit=_limit(env, "tasks_limit", _positive(int)),
        )


def _limit(env: Mapping[str, str], name: str, parse: Callable[[str], T]) -> T | None:
    """A per-seat limit from WOD_HUB_<NAME>; 'none' is an explicit "no limit"."""
    key = f"WOD_HUB_{name.upper()}"
    raw = env.get(key, DEFAULT_LIMITS[name]).strip()
    if raw.lower() == NO_LIMIT:
        return None
    try:
        return parse(raw)
    except ValueError:
        raise ValueError(f"{key}: {raw!r} is not a valid limit (or 'none' for no limit)") from None


def _byte_size(raw: str) -> int:
    """Bytes, with an optional K/M/G/T suffix (powers of 1024, as JupyterHub's `mem_limit`)."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([KMGT]?)", raw.upper())
    if not match or float(match[1]) <= 0:
        raise ValueError(raw)
    return int(float(match[1]) * 1024 ** " KMGT".index(match[2] or " "))


def _cpus(raw: str) -> float:
    """Cores; the kernel's smallest CPU quota is 1 ms per 100 ms period."""
    value = float(raw)
    if not value >= MIN_CPUS:
        raise ValueError(raw)
    return value


def _positive(kind: Callable[[str], N]) -> Callable[[str], N]:
    def parse(raw: str) -> N:
        value = kind(raw)
        if not value > 0:
            raise ValueError(raw)
        return value

    return parse


def _common(c: Any, settings: HubSettings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    c.JupyterHub.bind_url = f"http://{settings.ip}:{settings.port}"
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{settings.hub_port}"
    # Explicit: the default (bind port + 1) collides easily.
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
    c.ConfigurableHTTPProxy.command = [settings.proxy_command]
    c.ConfigurableHTTPProxy.pid_file = str(settings.data_dir / "proxy.pid")
    c.JupyterHub.db_url = f"sqlite:///{settings.data_dir / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(settings.data_dir / "jupyterhub_cookie_secret")
    c.JupyterHub.services = [{"name": AGENT_SERVICE, "api_token": settings.agent_token}]
    c.JupyterHub.load_roles = [
        {
            "name": AGENT_SERVICE,
            "description": "What the backend agent needs: start, stop and forget student users.",
            "scopes": list(REQUIRED_SCOPES),
            "services": [AGENT_SERVICE],
        }
    ]
    # The mailed Start link goes through /hub/user-redirect; land on the first notebook.
    c.Spawner.default_url = f"/lab/tree/{FIRST_NOTEBOOK}"
    # A stopped server starts by itself instead of showing a "Launch" button.
    c.JupyterHub.implicit_spawn_seconds = 0.5
    c.Spawner.start_timeout = 120
    c.Spawner.http_timeout = 90
    # The REST API answers a server start at once ("pending") instead of holding the request up
    # to 10 s: the agent opens a warm seat without waiting for its server (it follows the
    # progress stream when it must), and a browser sees the hub's progress page meanwhile.
    # A handler setting, not a JupyterHub trait: `c.JupyterHub.slow_spawn_timeout` is ignored.
    c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
    c.Authenticator.admin_users = set()


def configure_system(c: Any, environ: Mapping[str, str] | None = None) -> None:
    """Linux users studentN, PAM, LocalProcessSpawner: the production default (hub as root).

    The single-user command must come from a virtualenv made from the system's
    /usr/bin/python3 (a student cannot run a Python that lives under root's home).
    """
    settings = HubSettings.from_env(environ)
    _common(c, settings)
    c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
    c.PAMAuthenticator.allowed_groups = {STUDENTS_GROUP}
    c.PAMAuthenticator.open_sessions = False
    # LocalProcessSpawner plus a control group per seat; see docs/agent.md, "Seat isolation".
    c.JupyterHub.spawner_class = "wod_agent.hub_spawner.SeatSpawner"
    c.SeatSpawner.mem_limit = settings.mem_limit
    c.SeatSpawner.cpu_limit = settings.cpu_limit
    c.SeatSpawner.tasks_limit = settings.tasks_limit
    if settings.mem_limit or settings.cpu_limit or settings.tasks_limit:
        # Fail at start, with the reason, rather than at the first student's spawn.
        try:
            seat_cgroups()
        except CgroupError as exc:
            raise SystemExit(
                f"per-seat limits need control groups: {exc}. To run without limits, set "
                "WOD_HUB_MEM_LIMIT, WOD_HUB_CPU_LIMIT and WOD_HUB_TASKS_LIMIT to 'none'."
            ) from exc
    c.Spawner.cmd = [settings.singleuser_command]
    venv_bin = str(Path(settings.singleuser_command).parent)
    c.Spawner.environment = {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin"}
    c.Spawner.notebook_dir = "~"


def configure_local(c: Any, environ: Mapping[str, str] | None = None) -> None:
    """No root: hashes written by the agent; every server runs as the hub's own user."""
    settings = HubSettings.from_env(environ)
    _common(c, settings)
    c.JupyterHub.authenticator_class = "wod_agent.hub_auth.HashFileAuthenticator"
    c.HashFileAuthenticator.passwords_dir = str(settings.passwords_dir)
    c.Authenticator.allow_all = True  # the authenticator itself admits students only
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    c.SimpleLocalProcessSpawner.home_dir_template = str(settings.homes_dir / "{username}")
    c.Spawner.cmd = [settings.singleuser_command]
    venv_bin = str(Path(settings.singleuser_command).parent)
    c.Spawner.environment = {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin"}
    if os.geteuid() == 0:
        c.Spawner.args = ["--allow-root"]  # servers run as the hub's user, here root
