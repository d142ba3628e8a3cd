"""`run_checks`: one line per check; a warning is printed but does not fail the run."""

from __future__ import annotations

import pytest

from wod_agent import checks
from wod_agent.checks import Check, Status, run_checks
from wod_agent.config import AgentConfig


def fixed(result: Check) -> object:
    def check(config: AgentConfig) -> Check:
        return result

    return check


def broken(config: AgentConfig) -> Check:
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("results", "healthy"),
    [
        ([(True, "fine"), (Status.WARN, "look at this")], True),
        ([(True, "fine"), (False, "bad")], False),
        ([(Status.WARN, "look"), (Status.FAIL, "bad")], False),
    ],
)
def test_a_warning_is_printed_and_only_a_failure_fails(
    monkeypatch: pytest.MonkeyPatch, results: list[Check], healthy: bool
) -> None:
    monkeypatch.setattr(checks, "CHECKS", tuple(fixed(r) for r in results))
    lines: list[str] = []
    assert run_checks(None, lines.append) is healthy  # type: ignore[arg-type]
    tags = {True: "ok  ", False: "FAIL", Status.WARN: "WARN", Status.FAIL: "FAIL"}
    assert lines == [f"{tags[ok]}  {message}" for ok, message in results]


def test_a_check_that_raises_is_a_failure_that_hides_no_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checks, "CHECKS", (broken, fixed((True, "fine"))))
    lines: list[str] = []
    assert run_checks(None, lines.append) is False  # type: ignore[arg-type]
    assert lines == ["FAIL  broken: unexpected RuntimeError: boom", "ok    fine"]
