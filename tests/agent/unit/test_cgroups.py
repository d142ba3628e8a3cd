"""Per-seat control groups: which interface a host has, and the files each limit is written to.

The kernel's files are stood in for by plain files in a temporary tree (the real thing runs as
root in tests/agent/integration/test_seat_isolation.py); the hub's limit settings are parsed
from WOD_HUB_* variables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wod_agent.cgroups import (
    HUB_LEAF,
    CgroupError,
    LegacyTree,
    SeatLimits,
    UnifiedTree,
    detect,
)
from wod_agent.hub_config import HubSettings

# A container without systemd (this project's CI): v1 hierarchies, an empty v2 mount beside.
HYBRID_MOUNTS = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
HYBRID_OWN = """\
8:pids:/
4:memory:/process_api/abc
1:cpu,cpuacct:/
0::/
"""
# A systemd host: one v2 hierarchy; the hub is its own service.
UNIFIED_MOUNTS = "25 21 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
UNIFIED_OWN = "0::/system.slice/jupyterhub.service\n"
LIMITS = SeatLimits(memory_bytes=512 * 1024**2, cpus=1.5, tasks=200)


def test_a_v1_host_gets_a_group_per_hierarchy_under_the_hubs_own() -> None:
    tree = detect(Path("/r"), HYBRID_MOUNTS, HYBRID_OWN)
    assert tree == LegacyTree(
        {
            "memory": Path("/r/sys/fs/cgroup/memory/process_api/abc"),
            "cpu": Path("/r/sys/fs/cgroup/cpu,cpuacct"),
            "pids": Path("/r/sys/fs/cgroup/pids"),
        }
    )


def test_a_systemd_host_gets_the_unified_hierarchy_at_the_hubs_service() -> None:
    tree = detect(Path("/r"), UNIFIED_MOUNTS, UNIFIED_OWN)
    assert tree == UnifiedTree(Path("/r/sys/fs/cgroup/system.slice/jupyterhub.service"))
    at_root = detect(Path("/r"), UNIFIED_MOUNTS, "0::/\n")
    assert at_root == UnifiedTree(Path("/r/sys/fs/cgroup"), at_root=True)


def test_no_memory_controller_is_a_clear_error() -> None:
    only_cpu = "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
    with pytest.raises(CgroupError, match="no cgroup filesystem with a memory controller"):
        detect(Path("/r"), only_cpu, "1:cpu:/\n")
    no_pids = HYBRID_MOUNTS.replace("rw,pids", "rw,devices")
    with pytest.raises(CgroupError, match="no cgroup v1 hierarchy for pids"):
        detect(Path("/r"), no_pids, HYBRID_OWN)


def fake_v2(base: Path, controllers: str = "cpuset cpu io memory pids") -> None:
    base.mkdir(parents=True)
    (base / "cgroup.controllers").write_text(controllers + "\n")
    (base / "cgroup.subtree_control").write_text("")
    (base / "cgroup.procs").write_text("101\n102\n")


def test_v2_setup_moves_the_hub_to_a_leaf_then_delegates_the_controllers(
    tmp_path: Path,
) -> None:
    base = tmp_path / "jupyterhub.service"
    fake_v2(base)
    # (the kernel fills a new group's files itself; here the test does)
    (base / HUB_LEAF).mkdir()
    UnifiedTree(base).setup()
    # Plain files keep the last write: the kernel would have appended each pid.
    assert (base / HUB_LEAF / "cgroup.procs").read_text() == "102"
    assert (base / "cgroup.subtree_control").read_text() == "+memory +cpu +pids"


def test_v2_setup_without_delegation_names_the_fix(tmp_path: Path) -> None:
    base = tmp_path / "jupyterhub.service"
    fake_v2(base, controllers="cpu")
    with pytest.raises(CgroupError, match=r"memory, pids are not available.*Delegate=yes"):
        UnifiedTree(base).setup()


def test_v2_seat_limits(tmp_path: Path) -> None:
    base = tmp_path / "svc"
    base.mkdir()
    (base / "wod-student7").mkdir()
    (base / "wod-student7" / "memory.swap.max").write_text("max")
    cgroup = UnifiedTree(base).prepare("student7", LIMITS)
    seat = base / "wod-student7"
    assert cgroup.procs_files == (seat / "cgroup.procs",)
    assert (seat / "memory.max").read_text() == str(512 * 1024**2)
    assert (seat / "memory.swap.max").read_text() == "0"  # no swapping past the limit
    assert (seat / "cpu.max").read_text() == "150000 100000"
    assert (seat / "pids.max").read_text() == "200"
    UnifiedTree(base).prepare("student7", SeatLimits())
    assert [(seat / f).read_text() for f in ("memory.max", "cpu.max", "pids.max")] == [
        "max",
        "max 100000",
        "max",
    ]


def test_v1_seat_limits_in_each_hierarchy(tmp_path: Path) -> None:
    bases = {c: tmp_path / c for c in ("memory", "cpu", "pids")}
    for base in bases.values():
        (base / "wod-student7").mkdir(parents=True)
    (bases["memory"] / "wod-student7" / "memory.memsw.limit_in_bytes").write_text("")
    cgroup = LegacyTree(bases).prepare("student7", LIMITS)
    assert cgroup.procs_files == tuple(b / "wod-student7" / "cgroup.procs" for b in bases.values())
    memory = bases["memory"] / "wod-student7"
    assert (memory / "memory.limit_in_bytes").read_text() == str(512 * 1024**2)
    assert (memory / "memory.memsw.limit_in_bytes").read_text() == str(512 * 1024**2)
    assert (bases["cpu"] / "wod-student7" / "cpu.cfs_quota_us").read_text() == "150000"
    assert (bases["pids"] / "wod-student7" / "pids.max").read_text() == "200"


def test_removing_a_seat_group_keeps_one_that_still_holds_something(tmp_path: Path) -> None:
    bases = {c: tmp_path / c for c in ("memory", "cpu", "pids")}
    for base in bases.values():
        (base / "wod-student7").mkdir(parents=True)
    (bases["memory"] / "wod-student7" / "left-over").write_text("")  # the kernel says EBUSY
    LegacyTree(bases).remove("student7")
    LegacyTree(bases).remove("student8")  # never created: nothing to do
    assert [(b / "wod-student7").exists() for b in bases.values()] == [True, False, False]


def test_a_seat_name_cannot_leave_the_hubs_group(tmp_path: Path) -> None:
    with pytest.raises(CgroupError, match="not a seat name"):
        UnifiedTree(tmp_path).prepare("../../escape", LIMITS)


# --- the hub's settings ---------------------------------------------------------------------

TOKEN = {"WOD_HUB_AGENT_TOKEN": "t"}


def test_the_hub_limits_each_seat_by_default_and_each_limit_can_be_lifted() -> None:
    default = HubSettings.from_env(TOKEN)
    assert (default.mem_limit, default.cpu_limit, default.tasks_limit) == (1024**3, 1.0, 512)
    custom = HubSettings.from_env(
        {
            **TOKEN,
            "WOD_HUB_MEM_LIMIT": "1.5G",
            "WOD_HUB_CPU_LIMIT": "0.5",
            "WOD_HUB_TASKS_LIMIT": "none",
        }
    )
    assert (custom.mem_limit, custom.cpu_limit, custom.tasks_limit) == (
        int(1.5 * 1024**3),
        0.5,
        None,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MEM_LIMIT", "lots"),
        ("MEM_LIMIT", "0"),
        ("CPU_LIMIT", "-1"),
        ("CPU_LIMIT", "0.001"),
        ("TASKS_LIMIT", "1.5"),
    ],
)
def test_a_bad_limit_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"WOD_HUB_{name}: '{value}' is not a valid limit"):
        HubSettings.from_env({**TOKEN, f"WOD_HUB_{name}": value})
