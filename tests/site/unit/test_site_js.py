"""Runs the page scripts' own unit tests (tests/site/js, `node --test`) when node is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

JS_TESTS = Path(__file__).resolve().parents[1] / "js"


def test_page_script_units_pass_under_node() -> None:
    node = shutil.which("node")
    assert node is not None, "node is missing: `make test` needs Node.js (it runs npm too)"
    result = subprocess.run(
        # The site's scripts are plain .js ES modules (no package.json next to them).
        [node, "--experimental-default-type=module", "--test", str(JS_TESTS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
