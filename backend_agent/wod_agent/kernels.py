"""Per-workshop Python kernels: one virtualenv per workshop and requirements, built once under a
lock on top of a base environment (ipykernel included) and shared by the workshop's seats.
Called by `ansible_deployer` before a CREATE playbook, and by `wod-workshop validate`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .ports import DeploymentError

log = logging.getLogger(__name__)

# Bumped when the layout of an environment changes, so old ones are not reused.
LAYOUT_VERSION = 1
READY_MARKER = "wod-kernel.json"
# Where Jupyter looks for a user's kernelspecs (jupyter_core: ~/.local/share/jupyter on Linux).
KERNELSPECS_DIR = Path(".local/share/jupyter/kernels")
OUTPUT_TAIL = 2000


class KernelBuildError(DeploymentError):
    """The workshop's environment could not be built (pip failed, or ipykernel is missing)."""


@dataclass(frozen=True)
class KernelEnvironment:
    """A built environment; `built` tells whether this call built it (False: it was reused)."""

    directory: Path
    built: bool

    @property
    def python(self) -> Path:
        return self.directory / "bin" / "python"


def _site_dirs(python: Path) -> list[str]:
    """The site-packages directories of an interpreter's environment, in its own order."""
    code = (
        "import json, sysconfig; p = sysconfig.get_paths(); "
        "print(json.dumps(list(dict.fromkeys([p['purelib'], p['platlib']]))))"
    )
    out = subprocess.run(
        [str(python), "-c", code], check=True, capture_output=True, text=True, timeout=60
    )
    dirs: list[str] = json.loads(out.stdout)
    return dirs


class WorkshopKernels:
    """Builds and caches the environments under `root` (the agent's `state_dir/kernels`).

    `base_python` is the interpreter whose environment every kernel extends; `shared` makes the
    environments readable and reachable by other users (system mode: students run them).
    """

    def __init__(
        self,
        root: Path,
        base_python: Path,
        *,
        shared: bool = False,
        pip_timeout: float = 1800,
    ) -> None:
        self._root = root
        self._base = base_python
        self._shared = shared
        self._pip_timeout = pip_timeout

    def key(self, workshop_id: str, requirements: Sequence[str]) -> str:
        """`<workshop>-<hash>`: a change of requirements or of the base Python is a new key."""
        identity = {
            "layout": LAYOUT_VERSION,
            # The interpreter behind the base: a new Python version gets new environments.
            "base": [str(self._base), os.path.realpath(self._base)],
            "requirements": [r.strip() for r in requirements],
        }
        digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
        return f"{workshop_id}-{digest[:16]}"

    def environment(self, workshop_id: str, requirements: Sequence[str]) -> KernelEnvironment:
        """The workshop's environment, built now if no one built it before (under a lock)."""
        key = self.key(workshop_id, requirements)
        directory = self._root / key
        if self._ready(directory):
            return KernelEnvironment(directory, built=False)
        with self._lock(key):
            if self._ready(directory):  # built by another seat while this one waited
                return KernelEnvironment(directory, built=False)
            started = time.monotonic()
            self._build(directory, requirements)
            log.info(
                "built the kernel environment %s in %.1f s", directory, time.monotonic() - started
            )
            return KernelEnvironment(directory, built=True)

    # -- building ------------------------------------------------------------------------------

    def _ready(self, directory: Path) -> bool:
        return (directory / READY_MARKER).is_file()

    @contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        """An exclusive lock per environment: other agent threads and processes wait here."""
        self._root.mkdir(parents=True, exist_ok=True)
        if self._shared:
            self._make_reachable()
        with (self._root / f".{key}.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _build(self, directory: Path, requirements: Sequence[str]) -> None:
        if self._shared:
            self._check_reachable()
        shutil.rmtree(directory, ignore_errors=True)  # a build that died half-way
        try:
            self._run([str(self._base), "-m", "venv", "--without-pip", str(directory)])
            python = directory / "bin" / "python"
            own_site = _site_dirs(python)[0]
            # `site.addsitedir` (not a bare path) so the base's own .pth files apply too.
            layers = "".join(
                f"import site; site.addsitedir({d!r})\n" for d in _site_dirs(self._base)
            )
            Path(own_site, "wod-base-environment.pth").write_text(layers, encoding="utf-8")
            wanted = [r.strip() for r in requirements]
            if not self._imports(python, "ipykernel"):
                wanted.append("ipykernel")
            if wanted:
                # The agent's pip installs into the new environment; packages the base already
                # has in a fitting version are used as they are.
                self._run(
                    [sys.executable, "-m", "pip", "--python", str(python), "install",
                     "--no-input", "--disable-pip-version-check", "--progress-bar", "off",
                     *wanted],
                    timeout=self._pip_timeout,
                )  # fmt: skip
            if not self._imports(python, "ipykernel"):
                raise KernelBuildError(f"{directory}: ipykernel cannot be imported after the build")
            if self._shared:
                _open_to_others(directory)
            marker = {"requirements": list(requirements), "base_python": str(self._base)}
            (directory / READY_MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise

    def _run(self, argv: list[str], timeout: float = 300) -> None:
        try:
            subprocess.run(
                argv, check=True, capture_output=True, text=True, timeout=timeout, stdin=None
            )
        except subprocess.CalledProcessError as exc:
            output = (exc.stdout or "") + (exc.stderr or "")
            raise KernelBuildError(
                f"{Path(argv[0]).name} {' '.join(argv[1:4])} … failed (rc {exc.returncode}): "
                f"{output[-OUTPUT_TAIL:].strip()}"
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise KernelBuildError(f"{' '.join(argv[:4])} … took over {timeout} s") from exc

    def _imports(self, python: Path, module: str) -> bool:
        probe = subprocess.run(
            [str(python), "-c", f"import {module}"], capture_output=True, timeout=120
        )
        return probe.returncode == 0

    def _check_reachable(self) -> None:
        """System mode: students must be able to run the interpreter, read the base's
        packages and reach the environments."""
        needed = [Path(os.path.realpath(self._base)), *map(Path, _site_dirs(self._base))]
        needed.append(self._root)
        for path in needed:
            blocked = _blocked_for_others(path)
            if blocked is not None:
                raise KernelBuildError(
                    f"students cannot reach {path}: {blocked} is closed to other users; "
                    "give the agent a kernel Python that students can run (such as the "
                    "single-user server's) or open that directory (chmod o+rx)"
                )

    def _make_reachable(self) -> None:
        """Students must reach the environments: the root is 0755 and its parent (the agent's
        state_dir, whose other contents are 0700/0600) gets search permission, not listing."""
        self._root.chmod(0o755)
        parent = self._root.parent
        mode = stat.S_IMODE(parent.stat().st_mode)
        if mode & 0o011 != 0o011:
            parent.chmod(mode | 0o011)


def _blocked_for_others(path: Path) -> Path | None:
    """The first directory on the way to `path` (or `path` itself) that other users cannot
    pass; None if the way is open."""
    for ancestor in reversed(path.parents):
        if not stat.S_IMODE(ancestor.stat().st_mode) & stat.S_IXOTH:
            return ancestor
    mode = stat.S_IMODE(path.stat().st_mode)
    wanted = stat.S_IXOTH | (stat.S_IROTH if path.is_dir() else 0)
    return None if mode & wanted == wanted else path


def _open_to_others(directory: Path) -> None:
    """Add read (and, for directories and executables, search) permission for everyone."""
    for path in [directory, *directory.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        extra = 0o055 if path.is_dir() or mode & 0o100 else 0o044
        if mode & extra != extra:
            path.chmod(mode | extra)


def kernel_name(workshop_id: str) -> str:
    """The workshop's own kernel name: a server's environment may hold a `python3` kernelspec
    that wins over a user's (jupyter_core prefers environment paths), so it cannot be reused."""
    return f"wod-{workshop_id.lower()}"


def kernelspec(python: Path, workshop_title: str) -> dict[str, object]:
    """A kernelspec that starts ipykernel with the workshop's environment."""
    return {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python 3 ({workshop_title})",
        "language": "python",
        "metadata": {"debugger": True},
    }


def write_kernelspec(home: Path, python: Path, workshop_id: str, workshop_title: str) -> Path:
    """Write the workshop's kernelspec under `home` (a seat's staging copy, or a scratch home)."""
    target = home / KERNELSPECS_DIR / kernel_name(workshop_id) / "kernel.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(kernelspec(python, workshop_title), indent=1), encoding="utf-8")
    return target


def use_workshop_kernel(notebooks: Iterable[Path], workshop_id: str, workshop_title: str) -> None:
    """Point the (staged) notebooks at the workshop's kernel instead of `python3`."""
    for path in notebooks:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        notebook.setdefault("metadata", {})["kernelspec"] = {
            "name": kernel_name(workshop_id),
            "display_name": f"Python 3 ({workshop_title})",
            "language": "python",
        }
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
