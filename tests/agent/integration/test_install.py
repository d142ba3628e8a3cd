"""The install steps of docs/agent.md, run as written: `make agent-wheel`, the wheel with its
`agent` extra in a clean virtualenv, `wod-agent --version`, then `wod-agent check` against the
real local stack (moto SQS, a JupyterHub), with the exit codes an operator relies on.

Only the two host paths of the guide are replaced (the virtualenv and the config file). For
speed, pip's own cache is reused (only the first run on a machine downloads the packages) and
pip does not precompile bytecode (PIP_NO_COMPILE: the same files are installed; Python
compiles what it imports on first use).
"""

# ruff: noqa: TID252
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..conftest import REPO, AgentSetup, Hub, SqsTestQueue
from ..peers import write_workshop

pytestmark = pytest.mark.slow
GUIDE = REPO / "docs/agent.md"
GUIDE_VENV = "/opt/wod-agent"
GUIDE_CONFIG = "/etc/wod-agent/config.yml"


def install_steps() -> str:
    """The shell block between the guide's `install:begin` and `install:end` markers."""
    text = GUIDE.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- install:begin -->\s*```sh\n(.*?)```\s*<!-- install:end -->", text, re.S
    )
    assert found, f"{GUIDE} has no install block"
    return found.group(1)


def clean_environment() -> dict[str, str]:
    """This process's environment (AWS endpoint credentials) without the test virtualenv."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(PIP_NO_COMPILE="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def test_the_guide_installs_a_working_agent_on_a_fresh_virtualenv(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
    tmp_path: Path,
) -> None:
    agent = make_agent(local_hub, make_queue(max_receives=3), account_mode="local")
    write_workshop(agent.workshops_dir, "WOD-INST", 901, 910)
    venv = tmp_path / "wod-agent"
    steps = install_steps()
    assert GUIDE_VENV in steps and GUIDE_CONFIG in steps
    script = steps.replace(GUIDE_VENV, str(venv)).replace(GUIDE_CONFIG, str(agent.config_path))

    # When the guide's steps run, as one shell script that stops at the first failure
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=REPO,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    # Then the agent is installed from the wheel, says its version and passes every check
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert f"wod-agent {version('workshops-on-demand')}" in ran.stdout.splitlines()
    checks = [line for line in ran.stdout.splitlines() if line.startswith(("ok  ", "FAIL"))]
    assert len(checks) == 7 and all(line.startswith("ok  ") for line in checks), ran.stdout
    assert f"{venv}/bin/ansible-playbook: ansible-playbook [core" in ran.stdout
    where = subprocess.run(
        [str(venv / "bin/python"), "-c", "import wod_agent; print(wod_agent.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(venv / "lib")), "not the wheel's copy"

    # and its check fails with 1 on a problem, and with 2 on an invalid configuration
    wod_agent = [str(venv / "bin/wod-agent"), "--config", str(agent.config_path), "check"]
    settings = yaml.safe_load(agent.config_path.read_text(encoding="utf-8"))
    agent.config_path.write_text(yaml.safe_dump({**settings, "max_receives": 4}))
    problem = subprocess.run(wod_agent, capture_output=True, text=True, check=False)
    assert problem.returncode == 1
    assert "FAIL  max_receives: 4 differs from the queue's maxReceiveCount 3" in problem.stdout
    agent.config_path.write_text(yaml.safe_dump({**settings, "parallelism": "many"}))
    invalid = subprocess.run(wod_agent, capture_output=True, text=True, check=False)
    assert invalid.returncode == 2
    assert f"{agent.config_path}: parallelism: Input should be a valid integer" in invalid.stderr
