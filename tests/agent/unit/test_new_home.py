"""playbooks/files/new-home.sh, the one task that rebuilds a seat's home: nothing of the old home
is left, the staged files are copied in, and everything is private to the seat."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

NEW_HOME = Path(__file__).parents[3] / "backend_agent/wod_agent/playbooks/files/new-home.sh"


def new_home(home: Path, staging: Path | None) -> None:
    subprocess.run(
        ["bash", str(NEW_HOME), str(home), str(staging) if staging else ""],
        check=True,
        capture_output=True,
        timeout=30,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_the_home_holds_the_staged_files_only_and_privately(tmp_path: Path) -> None:
    # Given a home left by a previous holder (a file, a directory, a link out of the home)
    home = tmp_path / "homes" / "student1"
    (home / "old-dir").mkdir(parents=True)
    (home / "old-dir" / "notes.txt").write_text("participant 1")
    outside = tmp_path / "outside.txt"
    outside.write_text("not the seat's")
    (home / "link").symlink_to(outside)
    # and the staged workshop: a notebook, a data directory, an executable script
    staging = tmp_path / "staging"
    (staging / "data").mkdir(parents=True)
    (staging / "0-ReadMeFirst.ipynb").write_text("{}")
    (staging / "data" / "values.csv").write_text("1,2\n")
    (staging / "data").chmod(0o755)
    (staging / "run.sh").write_text("#!/bin/sh\n")
    (staging / "run.sh").chmod(0o755)

    # When the home is rebuilt
    new_home(home, staging)

    # Then it holds exactly the staged files
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == [
        "0-ReadMeFirst.ipynb",
        "data",
        "data/values.csv",
        "run.sh",
    ]
    assert (home / "data" / "values.csv").read_text() == "1,2\n"
    # and nothing is readable by anyone else; an executable stays executable for its owner
    assert mode(home) == 0o700
    assert mode(home / "data") == 0o700
    assert mode(home / "0-ReadMeFirst.ipynb") == 0o600
    assert mode(home / "run.sh") == 0o700
    # and what the old link pointed to is untouched
    assert outside.read_text() == "not the seat's"


def test_without_staging_the_home_is_empty(tmp_path: Path) -> None:
    home = tmp_path / "student2"
    home.mkdir()
    (home / "left.txt").write_text("x")

    new_home(home, None)

    assert list(home.iterdir()) == []
    assert mode(home) == 0o700
