"""Per-seat control groups: the memory, CPU and process limits of a student's server and of
everything it starts. Used by `hub_spawner` inside the hub (root, system mode).

Both kernel interfaces are handled: cgroup v2 (a systemd host; the hub's unit needs
`Delegate=yes`) and cgroup v1 (older hosts, containers without systemd). Paths are resolved
under `root` so that the tests can point them at a fake tree.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CONTROLLERS = ("memory", "cpu", "pids")
CPU_PERIOD_US = 100_000
HUB_LEAF = "wod-hub"  # v2: where the hub moves itself, so that its cgroup may have children


class CgroupError(RuntimeError):
    """Control groups cannot give the limits asked for; the message says what to change."""


@dataclass(frozen=True)
class SeatLimits:
    """What one seat may use, all of its processes together; None: no limit."""

    memory_bytes: int | None = None
    cpus: float | None = None
    tasks: int | None = None

    def any(self) -> bool:
        return any(value is not None for value in (self.memory_bytes, self.cpus, self.tasks))


@dataclass(frozen=True)
class SeatCgroup:
    """A seat's group: a process joins it by writing its pid to every `procs_files` entry."""

    directories: tuple[Path, ...]

    @property
    def procs_files(self) -> tuple[Path, ...]:
        return tuple(directory / "cgroup.procs" for directory in self.directories)


class CgroupTree(Protocol):
    version: int

    def prepare(self, name: str, limits: SeatLimits) -> SeatCgroup:
        """Create (or reuse) the seat's group and write its limits."""
        ...

    def remove(self, name: str) -> None:
        """Remove the seat's group if it is empty (a left-over process keeps it, limited)."""
        ...


def _write(path: Path, value: str) -> None:
    try:
        path.write_text(value, encoding="ascii")
    except OSError as exc:
        raise CgroupError(f"cannot write {value!r} to {path}: {exc.strerror}") from exc


def _rmdir(directory: Path) -> None:
    try:
        directory.rmdir()
    except OSError as exc:
        if exc.errno not in (errno.ENOENT, errno.EBUSY, errno.ENOTEMPTY):
            raise


def _mkdir(directory: Path) -> None:
    try:
        directory.mkdir(exist_ok=True)
    except OSError as exc:
        raise CgroupError(f"cannot create the control group {directory}: {exc.strerror}") from exc


def _seat_dir(name: str) -> str:
    if not name or "/" in name or name.startswith("."):
        raise CgroupError(f"not a seat name: {name!r}")
    return f"wod-{name}"


@dataclass(frozen=True)
class UnifiedTree:
    """cgroup v2: one hierarchy. The seats are children of the hub's own group."""

    base: Path
    at_root: bool = False  # the root group may hold processes and have children with limits
    version: int = 2

    def setup(self) -> None:
        """Let the hub's group have children with controllers: "no internal processes" means
        the hub must first move itself (and its siblings) into a leaf of its own."""
        available = set((self.base / "cgroup.controllers").read_text().split())
        missing = [c for c in CONTROLLERS if c not in available]
        if missing:
            raise CgroupError(
                f"the controllers {', '.join(missing)} are not available in {self.base}; on a "
                "systemd host give the hub's unit Delegate=yes"
            )
        enabled = set((self.base / "cgroup.subtree_control").read_text().split())
        if all(c in enabled for c in CONTROLLERS):
            return
        if not self.at_root:
            leaf = self.base / HUB_LEAF
            _mkdir(leaf)
            for pid in (self.base / "cgroup.procs").read_text().split():
                try:
                    (leaf / "cgroup.procs").write_text(pid, encoding="ascii")
                except ProcessLookupError:
                    continue  # it exited meanwhile
                except OSError as exc:
                    raise CgroupError(f"cannot move process {pid} to {leaf}: {exc}") from exc
        _write(self.base / "cgroup.subtree_control", " ".join(f"+{c}" for c in CONTROLLERS))

    def prepare(self, name: str, limits: SeatLimits) -> SeatCgroup:
        seat = self.base / _seat_dir(name)
        _mkdir(seat)
        memory = "max" if limits.memory_bytes is None else str(limits.memory_bytes)
        _write(seat / "memory.max", memory)
        if (seat / "memory.swap.max").exists():
            # Swapping would let one seat slow the whole host down instead of meeting its limit.
            _write(seat / "memory.swap.max", "max" if limits.memory_bytes is None else "0")
        quota = "max" if limits.cpus is None else str(round(limits.cpus * CPU_PERIOD_US))
        _write(seat / "cpu.max", f"{quota} {CPU_PERIOD_US}")
        _write(seat / "pids.max", "max" if limits.tasks is None else str(limits.tasks))
        return SeatCgroup((seat,))

    def remove(self, name: str) -> None:
        _rmdir(self.base / _seat_dir(name))


@dataclass(frozen=True)
class LegacyTree:
    """cgroup v1: one hierarchy per controller; the seat gets a group in each of them."""

    bases: dict[str, Path]  # controller -> the hub's own group in that controller's hierarchy
    version: int = 1

    def setup(self) -> None:
        for controller, base in self.bases.items():
            if not os.access(base, os.W_OK):
                raise CgroupError(f"the {controller} control group {base} is not writable")

    def prepare(self, name: str, limits: SeatLimits) -> SeatCgroup:
        seats = {c: base / _seat_dir(name) for c, base in self.bases.items()}
        for seat in seats.values():
            _mkdir(seat)
        memory, swap = seats["memory"] / "memory.limit_in_bytes", None
        if (seats["memory"] / "memory.memsw.limit_in_bytes").exists():
            swap = seats["memory"] / "memory.memsw.limit_in_bytes"
            _write(swap, "-1")  # memory+swap may never be below memory: lift it first
        value = "-1" if limits.memory_bytes is None else str(limits.memory_bytes)
        _write(memory, value)
        if swap is not None:
            _write(swap, value)
        _write(seats["cpu"] / "cpu.cfs_period_us", str(CPU_PERIOD_US))
        quota = "-1" if limits.cpus is None else str(round(limits.cpus * CPU_PERIOD_US))
        _write(seats["cpu"] / "cpu.cfs_quota_us", quota)
        _write(seats["pids"] / "pids.max", "max" if limits.tasks is None else str(limits.tasks))
        # One directory per hierarchy, even where two controllers share one (cpu,cpuacct).
        return SeatCgroup(tuple(dict.fromkeys(seats.values())))

    def remove(self, name: str) -> None:
        for base in dict.fromkeys(self.bases.values()):
            _rmdir(base / _seat_dir(name))


@dataclass(frozen=True)
class _Mount:
    root: str  # the hierarchy's path mounted here
    point: Path
    fstype: str
    options: frozenset[str]


def _mounts(mountinfo: str) -> list[_Mount]:
    mounts = []
    for line in mountinfo.splitlines():
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        point = Path(fields[4].replace("\\040", " "))
        mounts.append(_Mount(fields[3], point, tail[0], frozenset(tail[2].split(","))))
    return mounts


def _own_paths(proc_cgroup: str) -> dict[str, str]:
    """controller name (or "" for v2) -> this process's group in that hierarchy."""
    paths: dict[str, str] = {}
    for line in proc_cgroup.splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _inside(mount: _Mount, own: str, root: Path) -> Path:
    relative = own
    if mount.root != "/" and own.startswith(mount.root):
        relative = own[len(mount.root) :]
    return root / str(mount.point).lstrip("/") / relative.lstrip("/")


def detect(
    root: Path = Path("/"), mountinfo: str | None = None, proc_cgroup: str | None = None
) -> UnifiedTree | LegacyTree:
    """The hierarchy that holds the memory controller: v1 if a v1 mount has it, else v2."""
    if mountinfo is None:
        mountinfo = (root / "proc/self/mountinfo").read_text()
    if proc_cgroup is None:
        proc_cgroup = (root / "proc/self/cgroup").read_text()
    mounts, own = _mounts(mountinfo), _own_paths(proc_cgroup)
    legacy = {c: m for m in mounts if m.fstype == "cgroup" for c in CONTROLLERS if c in m.options}
    if "memory" in legacy:
        missing = [c for c in CONTROLLERS if c not in legacy or c not in own]
        if missing:
            raise CgroupError(f"no cgroup v1 hierarchy for {', '.join(missing)}")
        return LegacyTree({c: _inside(legacy[c], own[c], root) for c in CONTROLLERS})
    unified = [m for m in mounts if m.fstype == "cgroup2"]
    if unified and "" in own:
        return UnifiedTree(_inside(unified[0], own[""], root), at_root=own[""] == "/")
    raise CgroupError("no cgroup filesystem with a memory controller is mounted")
