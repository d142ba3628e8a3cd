"""`Deployer` with ansible-runner: one playbook per verb, extravars built from the order.

The password never reaches Ansible, not even hashed: every playbook leaves the seat locked,
and the agent sets the salted hash itself once the playbook succeeded (one code path for every
verb, as for a warm seat). The event handler still redacts the password and its hash from every
event before it is written to the artifacts, should a workshop's own tasks ever show them.

A PREPARE runs the CREATE playbook and leaves the seat locked; a CREATE of a seat still as
prepared only sets its password (no playbook: a warm seat opens in well under a second).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ansible_runner
from passlib.hash import pbkdf2_sha256, sha512_crypt
from pydantic import SecretStr

from wod_contracts.branding import Branding
from wod_contracts.catalog import Catalog, CatalogEntry, CatalogError
from wod_contracts.orders import SETS_PASSWORD, Order, OrderVerb
from wod_contracts.workshop import SetupUser, Workshop

from .config import AccountMode
from .kernels import WorkshopKernels, use_workshop_kernel, write_kernelspec
from .notebooks import (
    NOT_FOR_STUDENTS,
    NotebookValues,
    UnsafeWorkshopFileError,
    stage_workshop,
)
from .ports import DeploymentError, PermanentOrderError, WarmSeat

log = logging.getLogger(__name__)
PLAYBOOKS_DIR = Path(__file__).parent / "playbooks"
REDACTED = "********"
STUDENTS_GROUP = "wodstudents"


@dataclass(frozen=True)
class DeployerSettings:
    account_mode: AccountMode
    homes_dir: Path
    state_dir: Path
    hub_url: str
    python: str
    playbook_binary: Path | None
    timeout_seconds: int
    artifacts_kept: int = 10
    # What runs a workshop's tasks as the student: a Python that any account may execute.
    student_python: str = "/usr/bin/python3"
    # Kernels of workshops with requirements (see `kernels`): the Python whose environment they
    # extend (the agent's own by default; in system mode, one students can run, such as the
    # single-user server's), and where they are kept (default `state_dir/kernels`).
    kernel_python: Path | None = None
    kernel_envs_dir: Path | None = None

    @property
    def passwords_dir(self) -> Path:
        return self.state_dir / "hub-passwords"

    @property
    def kernels_dir(self) -> Path:
        return self.kernel_envs_dir or self.state_dir / "kernels"

    @property
    def kernel_base(self) -> Path:
        return self.kernel_python or Path(self.python)


def password_hash(password: SecretStr, mode: AccountMode) -> str:
    """What the account store expects: crypt(3) for Linux, pbkdf2 for the hub's hash files."""
    secret = password.get_secret_value()
    if mode is AccountMode.SYSTEM:
        return str(sha512_crypt.hash(secret))
    return str(pbkdf2_sha256.hash(secret))


def redactor(secrets: list[str]) -> Callable[[dict[str, Any]], bool]:
    """An ansible-runner event handler that scrubs the given strings from every event."""

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            for secret in secrets:
                value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    def handle(event: dict[str, Any]) -> bool:
        for key, value in list(event.items()):
            event[key] = scrub(value)
        return True  # keep the (scrubbed) event in the artifacts

    return handle


class AnsibleDeployer:
    def __init__(
        self,
        settings: DeployerSettings,
        catalog: Callable[[], Catalog],
        branding: Callable[[], Branding],
    ) -> None:
        self._settings = settings
        self._catalog = catalog
        self._branding = branding
        self._kernels = WorkshopKernels(
            settings.kernels_dir,
            settings.kernel_base,
            shared=settings.account_mode is AccountMode.SYSTEM,
            pip_timeout=settings.timeout_seconds,
        )

    def deploy(self, order: Order, password: SecretStr) -> None:
        hashed = password_hash(password, self._settings.account_mode)
        # Only a CREATE opens the seat: after a CLEANUP or RESET it stays locked (no password
        # at all is stronger than one nobody was told).
        opens = order.verb in SETS_PASSWORD
        self._deploy(order, hashed if opens else None, [password.get_secret_value(), hashed])

    def prepare(self, order: Order) -> WarmSeat:
        entry = self._entry(order)
        files = self._deploy(order, None, [])
        return WarmSeat(
            workshop_id=order.workshop_id,
            fingerprint=self._fingerprint(order, entry),
            files=tuple(files),
            server=entry.workshop.warm_server,
        )

    def activate(self, order: Order, password: SecretStr, warm: WarmSeat) -> bool:
        entry = self._entry(order)
        home = self._settings.homes_dir / order.username
        if (
            warm.workshop_id != order.workshop_id
            or warm.fingerprint != self._fingerprint(order, entry)
            or not all((home / name).is_file() for name in warm.files)
        ):
            log.warning("seat %s is not as prepared: deploying it in full", order.seat)
            return False
        hashed = password_hash(password, self._settings.account_mode)
        self._set_password(order.username, hashed)
        return True

    def reissue(self, order: Order, password: SecretStr) -> None:
        self._entry(order)  # a seat of a workshop of this backend, or PermanentOrderError
        self._set_password(order.username, password_hash(password, self._settings.account_mode))

    def _entry(self, order: Order) -> CatalogEntry:
        try:
            entry = self._catalog().get(order.workshop_id)
        except CatalogError as exc:
            raise DeploymentError(f"the catalog is invalid: {exc}") from exc
        except KeyError as exc:
            raise PermanentOrderError(
                f"workshop {order.workshop_id} is not on this backend"
            ) from exc
        if order.student not in entry.workshop.students.numbers():
            raise PermanentOrderError(
                f"student {order.student} is not a seat of workshop {entry.workshop.id}"
            )
        return entry

    def _deploy(self, order: Order, hashed: str | None, secrets: list[str]) -> list[str]:
        """Run the verb's playbook (CREATE's, seat left locked, for a PREPARE); the files
        staged into the home, relative to it."""
        settings = self._settings
        entry = self._entry(order)
        workshop = entry.workshop
        work = settings.state_dir / "work" / order.order_id
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, mode=0o700)
        try:
            staging = work / "files"
            staged: list[str] = []
            if order.verb in (OrderVerb.CREATE, OrderVerb.PREPARE):
                # Only these copy files: a CLEANUP never depends on the workshop's content.
                self._stage(order, entry.directory, workshop, staging)
                staged = sorted(
                    str(path.relative_to(staging)) for path in staging.rglob("*") if path.is_file()
                )
            if settings.account_mode is AccountMode.LOCAL:
                # The old password dies before anything else (system mode: the playbook's first
                # task locks the account).
                (settings.passwords_dir / order.username).unlink(missing_ok=True)
            self._run(order, self._extravars(order, entry.directory, workshop, staging), secrets)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if hashed is not None:
            self._set_password(order.username, hashed)
        return staged

    def _fingerprint(self, order: Order, entry: CatalogEntry) -> str:
        """What a seat of this workshop gets: its files and everything filled into them."""
        digest = hashlib.sha256()
        digest.update(entry.workshop.model_dump_json().encode())
        digest.update(repr(self._values(order, entry.workshop)).encode())
        for path in sorted(entry.directory.rglob("*")):
            relative = path.relative_to(entry.directory)
            if relative.parts[0] in NOT_FOR_STUDENTS or relative.parts[0].startswith("."):
                continue
            digest.update(str(relative).encode() + b"\0")
            if path.is_file() and not path.is_symlink():
                digest.update(path.read_bytes())
        return digest.hexdigest()

    def _set_password(self, username: str, hashed: str) -> None:
        """Opens a seat the playbook left locked (or replaces its password): crypt(3) hash into
        the account (system mode), pbkdf2 hash file read by the hub (local mode)."""
        settings = self._settings
        if settings.account_mode is AccountMode.SYSTEM:
            try:
                subprocess.run(
                    ["chpasswd", "--encrypted"],
                    input=f"{username}:{hashed}\n",
                    text=True,
                    check=True,
                    capture_output=True,
                    timeout=30,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                raise DeploymentError(f"the password of {username} was not set: {exc}") from None
            return
        directory = settings.passwords_dir
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{username}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(hashed + "\n")
        os.replace(temporary, directory / username)  # 0600 from mkstemp; atomic for the hub

    def _values(self, order: Order, workshop: Workshop) -> NotebookValues:
        branding = self._branding()
        return NotebookValues(
            student=order.student,
            username=order.username,
            hub_url=self._settings.hub_url,
            survey_url=str(workshop.survey_url or branding.survey_url),
            organization=branding.name,
            workshop_id=workshop.id,
            workshop_title=workshop.title,
        )

    def _stage(self, order: Order, directory: Path, workshop: Workshop, staging: Path) -> None:
        values = self._values(order, workshop)
        try:
            notebooks = stage_workshop(directory, staging, values)
        except UnsafeWorkshopFileError as exc:
            raise PermanentOrderError(f"workshop {workshop.id} refused: {exc}") from exc
        if workshop.requirements:
            kernel = self._kernels.environment(workshop.id, workshop.requirements)
            write_kernelspec(staging, kernel.python, workshop.id, workshop.title)
            use_workshop_kernel(notebooks, workshop.id, workshop.title)

    def _extravars(
        self,
        order: Order,
        workshop_dir: Path,
        workshop: Workshop,
        staging: Path,
    ) -> dict[str, Any]:
        settings = self._settings
        setup, reset = workshop_dir / "setup.yml", workshop_dir / "reset.yml"
        system = settings.account_mode is AccountMode.SYSTEM
        as_student = system and workshop.setup_runs_as is SetupUser.STUDENT
        extravars: dict[str, Any] = {
            "wod_order_id": order.order_id,
            "wod_verb": order.verb.value,
            "wod_workshop_id": order.workshop_id,
            "wod_student": order.student,
            "wod_username": order.username,
            "wod_account_mode": settings.account_mode.value,
            "wod_home": str(settings.homes_dir / order.username),
            "wod_workshop_dir": str(workshop_dir),
            "wod_staging_dir": str(staging),
            "wod_setup_tasks": str(setup) if setup.is_file() else "",
            "wod_reset_tasks": str(reset) if reset.is_file() else "",
            "wod_students_group": STUDENTS_GROUP,
            # setup.yml and reset.yml run as the student unless the workshop asks for root;
            # local mode has no student accounts (everything runs as the agent's user).
            "wod_setup_become": as_student,
            "wod_setup_python": settings.student_python if as_student else settings.python,
        }
        if settings.account_mode is AccountMode.SYSTEM:
            extravars["wod_owner"] = order.username
        return extravars

    def _run(self, order: Order, extravars: dict[str, Any], secrets: list[str]) -> None:
        settings = self._settings
        verb = OrderVerb.CREATE if order.verb is OrderVerb.PREPARE else order.verb
        playbook = PLAYBOOKS_DIR / f"{verb.value.lower()}.yml"
        private_dir = settings.state_dir / "runner" / order.seat
        private_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        log.info("running %s for %s (order %s)", playbook.name, order.username, order.order_id)
        # ansible-runner finds ansible-playbook on PATH (its `binary` option would drop the
        # playbook): put the configured one first, as an unactivated virtualenv lacks it.
        path = os.environ.get("PATH", os.defpath)
        if settings.playbook_binary is not None:
            path = f"{settings.playbook_binary.parent}{os.pathsep}{path}"
        try:
            runner = ansible_runner.run(
                private_data_dir=str(private_dir),
                playbook=str(playbook),
                inventory=(
                    "localhost ansible_connection=local"
                    f" ansible_python_interpreter={settings.python}"
                ),
                extravars=extravars,
                event_handler=redactor(secrets),
                rotate_artifacts=settings.artifacts_kept,
                ident=f"{order.order_id}-{os.urandom(3).hex()}",
                quiet=True,
                timeout=settings.timeout_seconds,
                envvars={
                    "ANSIBLE_NOCOLOR": "1",
                    "ANSIBLE_LOCALHOST_WARNING": "False",
                    "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
                    "ANSIBLE_RETRY_FILES_ENABLED": "False",
                    # Local connection: pipe modules to Python instead of staging temp files.
                    "ANSIBLE_PIPELINING": "True",
                    "PATH": path,
                },
            )
        except Exception as exc:  # ansible-runner raises bare exceptions on setup problems
            raise DeploymentError(f"ansible-runner could not start: {exc}") from exc
        if runner.rc != 0 or runner.status != "successful":
            raise DeploymentError(
                f"{playbook.name} {runner.status} (rc {runner.rc}){_failed_task(runner)}"
            )


def _failed_task(runner: Any) -> str:
    """The name and message of the first failed task, for the error report."""
    try:
        for event in runner.events:
            if event.get("event") in ("runner_on_failed", "runner_on_unreachable"):
                data = event.get("event_data", {})
                result = data.get("res", {})
                message = result.get("msg", "") if isinstance(result, dict) else ""
                return f" at task '{data.get('task', '?')}': {message}"[:500]
    except (OSError, ValueError):
        return ""
    return ""
