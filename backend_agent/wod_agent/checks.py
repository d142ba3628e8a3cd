"""`wod-agent check`: one line per prerequisite, so an operator sees every problem at once.

Called by `cli`; each check returns (ok, message) and never raises. `ok` is True, False or
`Status.WARN` (worth a look, not a failure).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path

import requests

from wod_contracts.branding import load_branding
from wod_contracts.catalog import CatalogError, load_catalog
from wod_contracts.signing import TOLERANCE_SECONDS

from .config import AccountMode, AgentConfig, ConfigError
from .hub_rest import REQUIRED_SCOPES, JupyterHubRest
from .ports import HubError, QueueError
from .sqs_queue import SqsOrderQueue


class Status(StrEnum):
    OK = "ok  "
    WARN = "WARN"
    FAIL = "FAIL"


Check = tuple[bool | Status, str]
CLOCK_WARNING_SECONDS = 60


def check_secrets(config: AgentConfig) -> Check:
    try:
        config.callback_secret_bytes()
        config.hub_token_value()
    except ConfigError as exc:
        return False, "; ".join(exc.problems)
    return True, "callback secret and hub token are readable"


def check_state_dir(config: AgentConfig) -> Check:
    try:
        config.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = config.state_dir / ".check"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        return False, f"state_dir: {config.state_dir} is not writable: {exc.strerror}"
    return True, f"state_dir {config.state_dir} is writable"


def check_catalog(config: AgentConfig) -> Check:
    try:
        catalog = load_catalog(config.workshops_dirs)
        branding = load_branding(config.branding_file)
    except CatalogError as exc:
        return False, "workshops_dirs/branding_file: " + "; ".join(exc.problems)
    return True, f"{len(catalog)} workshops, branding of {branding.name}"


def check_queue(config: AgentConfig) -> Check:
    queue = SqsOrderQueue(
        config.queue_url, region=config.aws_region, endpoint_url=config.sqs_endpoint_url
    )
    try:
        attributes = queue.describe()
    except QueueError as exc:
        return False, f"queue_url: {exc}"
    redrive = attributes.get("RedrivePolicy")
    if not redrive:
        return False, "queue_url: the queue has no RedrivePolicy (failed orders would loop)"
    max_count = int(json.loads(redrive).get("maxReceiveCount", 0))
    if max_count != config.max_receives:
        return False, (
            f"max_receives: {config.max_receives} differs from the queue's maxReceiveCount "
            f"{max_count}: the agent must report failure on the last delivery"
        )
    return True, (
        f"queue readable (visibility {attributes.get('VisibilityTimeout')}s, "
        f"maxReceiveCount {max_count}, FIFO {attributes.get('FifoQueue', 'false')})"
    )


def check_hub(config: AgentConfig) -> Check:
    try:
        hub = JupyterHubRest(config.hub_api_url, config.hub_token_value(), timeout_seconds=5)
        version = hub.version()
        owner = hub.whoami()
    except (HubError, ConfigError) as exc:
        return False, f"hub_api_url/hub_token: {exc}"
    scopes = set(owner.get("scopes", []))
    missing = [scope for scope in REQUIRED_SCOPES if scope not in scopes]
    if missing:
        return False, f"hub_token: missing scopes {', '.join(missing)} (have {sorted(scopes)})"
    broad = sorted(s for s in scopes if s in ("admin-ui", "admin:auth_state", "tokens", "proxy"))
    note = f"; broader than needed: {', '.join(broad)}" if broad else ""
    return True, f"hub {version}, token of {owner.get('kind')} {owner.get('name')}{note}"


def check_ansible(config: AgentConfig) -> Check:
    binary = config.playbook_binary() or (
        Path(found) if (found := shutil.which("ansible-playbook")) else None
    )
    if binary is None:
        return False, "ansible_playbook: ansible-playbook is neither beside this Python nor on PATH"
    try:
        result = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as exc:
        return False, f"ansible_playbook: {binary}: {exc.strerror}"
    if result.returncode != 0:
        return False, f"ansible_playbook: {binary} --version exited {result.returncode}"
    return True, f"{binary}: {result.stdout.splitlines()[0] if result.stdout else '?'}"


def check_clock(config: AgentConfig, clock: Callable[[], float] = time.time) -> Check:
    """The API refuses a callback signed more than TOLERANCE_SECONDS away from its own clock:
    compare with the `Date` of its answer (one-second resolution, which is plenty)."""
    before = clock()
    try:
        response = requests.head(config.api_url, timeout=10, allow_redirects=False)
    except requests.RequestException as exc:
        return False, f"api_url: {config.api_url} does not answer ({type(exc).__name__})"
    local = (before + clock()) / 2
    header = response.headers.get("Date", "")
    try:
        remote = parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return Status.WARN, f"clock: the API sent no usable Date header ({header!r}): skew unknown"
    skew = remote - local
    figure = f"{abs(skew):.0f}s {'behind' if skew > 0 else 'ahead of'} the API"
    if abs(skew) > TOLERANCE_SECONDS:
        return False, (
            f"clock: this host is {figure}, beyond the {TOLERANCE_SECONDS}s the API tolerates: "
            "every callback would be refused (401); synchronize the clock (NTP)"
        )
    if abs(skew) > CLOCK_WARNING_SECONDS:
        return Status.WARN, (
            f"clock: this host is {figure} (callbacks are refused beyond "
            f"{TOLERANCE_SECONDS}s); synchronize the clock (NTP)"
        )
    return True, f"clock within {abs(skew):.0f}s of the API's"


# What playbooks/files/clear-student.sh needs to clear a seat (util-linux, procps, findutils).
SEAT_TOOLS = ("setpriv", "ps", "find", "ipcs", "ipcrm")


def check_account_mode(config: AgentConfig) -> Check:
    if config.account_mode is AccountMode.LOCAL:
        return Status.WARN, (
            "account_mode local: every participant's server runs as this agent's user "
            "(demo and tests only)"
        )
    if os.geteuid() != 0:
        return False, "account_mode: system mode manages Linux users and must run as root"
    missing = [tool for tool in SEAT_TOOLS if shutil.which(tool) is None]
    if missing:
        return False, f"account_mode: clearing a seat needs {', '.join(missing)} on PATH"
    return True, f"account_mode {config.account_mode.value}"


CHECKS: tuple[Callable[[AgentConfig], Check], ...] = (
    check_account_mode,
    check_secrets,
    check_state_dir,
    check_catalog,
    check_queue,
    check_hub,
    check_ansible,
    check_clock,
)


def run_checks(config: AgentConfig, echo: Callable[[str], None]) -> bool:
    """Run every check, print one line each; True unless one failed (a warning is no failure)."""
    healthy = True
    for check in CHECKS:
        try:
            ok, message = check(config)
        except Exception as exc:  # a check must never hide the others
            ok, message = False, f"{check.__name__}: unexpected {type(exc).__name__}: {exc}"
        status = ok if isinstance(ok, Status) else Status.OK if ok else Status.FAIL
        healthy &= status is not Status.FAIL
        echo(f"{status.value}  {message}")
    return healthy
