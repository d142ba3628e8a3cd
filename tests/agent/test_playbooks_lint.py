"""The agent's playbooks pass ansible-lint (production profile)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PLAYBOOKS = Path(__file__).resolve().parents[2] / "backend_agent/wod_agent/playbooks"


@pytest.mark.slow
def test_playbooks_are_ansible_lint_clean() -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-lint"),
            "--offline",
            "--profile",
            "production",
            ".",
        ],
        cwd=PLAYBOOKS,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
