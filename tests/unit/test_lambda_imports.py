"""The Lambda handlers import only what their artifact ships (functions/requirements.txt):
the catalog checks' `packaging` and the authors' tools stay out of the import path."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from wod.settings import REPO_ROOT

HANDLERS = ["api", "sweep", "lifecycle", "mail_events"]


def test_handlers_do_not_import_what_the_artifact_lacks() -> None:
    shipped = {
        re.split(r"[\[=<>]", line)[0].strip().lower()
        for line in (REPO_ROOT / "functions" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert "packaging" not in shipped  # if it ever ships, this test can go
    code = (
        "import json, sys\n"
        + "".join(f"import wod.handlers.{name}\n" for name in HANDLERS)
        + "print(json.dumps(sorted(sys.modules)))"
    )
    env_modules = json.loads(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )
    unwanted = [
        m for m in env_modules if m.split(".")[0] in {"packaging", "wod_workshop", "nbformat"}
    ]
    assert unwanted == []


def test_babel_loads_with_the_first_mail_not_with_a_handler() -> None:
    """Babel (and its locale data) costs a cold start that most API requests do not need."""
    code = (
        "import sys\n"
        + "".join(f"import wod.handlers.{name}\n" for name in HANDLERS)
        + "assert not [m for m in sys.modules if m.split('.')[0] == 'babel'], 'babel at import'\n"
        + "from datetime import UTC, datetime\n"
        + "from wod.mail.dates import participant_time\n"
        + "print(participant_time(datetime(2026, 11, 27, 11, tzinfo=UTC), 'Europe/Paris', 'fr'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "vendredi 27 novembre 2026, 12:00 (Europe/Paris)"
