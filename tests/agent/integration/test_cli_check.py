"""`wod-agent check` against a real hub and queue: healthy, then with each kind of problem."""

# ruff: noqa: TID252
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from wod_agent.cli import main

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..conftest import AgentSetup, Hub, SqsTestQueue
from ..peers import write_workshop


def check(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`wod-agent --config <config> check`, in-process (the same entry point as the script)."""
    code = main(["--config", str(config), "check"])
    out, err = capsys.readouterr()
    return code, out, err


def edit(config: Path, **changes: object) -> None:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data.update(changes)
    config.write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.mark.slow
def test_check_passes_then_names_each_problem(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
    capsys: pytest.CaptureFixture[str],
) -> None:
    agent = make_agent(local_hub, make_queue(max_receives=3), account_mode="local")
    write_workshop(agent.workshops_dir, "WOD-CHK", 701, 710)

    code, out, err = check(agent.config_path, capsys)
    assert code == 0, out + err
    assert "FAIL" not in out
    assert "token of service wod-agent" in out

    edit(agent.config_path, hub_token="not-the-token", max_receives=4)
    code, out, _ = check(agent.config_path, capsys)
    assert code == 1
    assert "FAIL  hub_api_url/hub_token" in out
    assert "FAIL  max_receives: 4 differs from the queue's maxReceiveCount 3" in out

    edit(agent.config_path, parallelism="many")
    code, _, err = check(agent.config_path, capsys)
    assert code == 2
    assert "parallelism" in err
