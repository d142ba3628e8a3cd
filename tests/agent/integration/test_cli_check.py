"""`wod-agent check` against a real hub and queue: healthy, then with each kind of problem."""

# ruff: noqa: TID252
from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from wod_agent.checks import Status, check_clock
from wod_agent.cli import main
from wod_agent.config import AgentConfig

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..conftest import AgentSetup, Hub, SqsTestQueue
from ..peers import CallbackReceiver, write_workshop


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
    assert "ok    clock within" in out
    assert "WARN  account_mode local: every participant's server runs as this agent's user" in out

    edit(agent.config_path, hub_token="not-the-token", max_receives=4)
    code, out, _ = check(agent.config_path, capsys)
    assert code == 1
    assert "FAIL  hub_api_url/hub_token" in out
    assert "FAIL  max_receives: 4 differs from the queue's maxReceiveCount 3" in out

    edit(agent.config_path, parallelism="many")
    code, _, err = check(agent.config_path, capsys)
    assert code == 2
    assert "parallelism" in err


def config_for(api_url: str) -> AgentConfig:
    return AgentConfig.model_validate(
        {
            "queue_url": "https://sqs.eu-west-1.amazonaws.com/1/orders.fifo",
            "api_url": api_url,
            "callback_secret": "s3cret",
            "hub_url": "http://127.0.0.1:9",
            "hub_api_url": "http://127.0.0.1:9/hub/api",
            "hub_token": "t",
            "workshops_dirs": ["/nonexistent"],
        }
    )


@pytest.mark.parametrize(
    ("local_offset", "status", "words"),
    [
        (0, True, "clock within {n}s of the API's"),
        (-90, Status.WARN, "this host is {n}s behind the API (callbacks are refused beyond 300s)"),
        (150, Status.WARN, "this host is {n}s ahead of the API (callbacks are refused beyond"),
        (-400, False, "{n}s behind the API, beyond the 300s the API tolerates: every callback"),
        (3600, False, "{n}s ahead of the API, beyond the 300s the API tolerates"),
    ],
)
def test_check_reports_clock_skew_against_the_api_date(
    receiver: CallbackReceiver, local_offset: int, status: bool | Status, words: str
) -> None:
    # Given the API's real Date header and this host's clock off by `local_offset` seconds
    ok, message = check_clock(config_for(receiver.url), clock=lambda: time.time() + local_offset)
    assert ok == status, message
    # The figure is the offset to within the Date header's one-second resolution (and the
    # request's own time, on a loaded machine)
    pattern = re.escape(words).replace(re.escape("{n}"), r"(\d+)")
    found = re.search(pattern, message)
    assert found, message
    assert abs(int(found[1]) - abs(local_offset)) <= 3, message


def test_check_clock_names_an_api_that_does_not_answer() -> None:
    ok, message = check_clock(config_for("http://127.0.0.1:9/api"))
    assert ok is False
    assert message.startswith("api_url: http://127.0.0.1:9/api does not answer")
