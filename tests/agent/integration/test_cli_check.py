"""`wod-agent check` against a real hub and queue: healthy, then with each kind of problem."""

# ruff: noqa: TID252
from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..conftest import AgentSetup, Hub, SqsTestQueue
from ..peers import write_workshop

WOD_AGENT = Path(sys.executable).parent / "wod-agent"


def check(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WOD_AGENT), "--config", str(config), "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def edit(config: Path, **changes: object) -> None:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data.update(changes)
    config.write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.mark.slow
def test_check_passes_then_names_each_problem(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
) -> None:
    agent = make_agent(local_hub, make_queue(max_receives=3), account_mode="local")
    write_workshop(agent.workshops_dir, "WOD-CHK", 701, 710)

    healthy = check(agent.config_path)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "FAIL" not in healthy.stdout
    assert "token of service wod-agent" in healthy.stdout

    edit(agent.config_path, hub_token="not-the-token", max_receives=4)
    broken = check(agent.config_path)
    assert broken.returncode == 1
    assert "FAIL  hub_api_url/hub_token" in broken.stdout
    assert "FAIL  max_receives: 4 differs from the queue's maxReceiveCount 3" in broken.stdout

    edit(agent.config_path, parallelism="many")
    invalid = check(agent.config_path)
    assert invalid.returncode == 2
    assert "parallelism" in invalid.stderr
