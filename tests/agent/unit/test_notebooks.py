"""Per-student notebook copies: exact placeholders only, student files only."""

# ruff: noqa: TID252
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from wod_agent.notebooks import NotebookValues, UnsafeWorkshopFileError, fill, stage_workshop

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..peers import write_workshop

VALUES = NotebookValues(
    student=12,
    username="student12",
    hub_url="https://hub.example.org",
    survey_url="https://example.org/s",
    organization="Org",
    workshop_id="WOD-U",
    workshop_title="Unit",
)


def test_fill_replaces_exactly_the_known_placeholders() -> None:
    text = "{{ wod.username }} {{ wod.student }} {{wod.student}} {{ wod.secret }} {{ x }}"
    assert fill(text, VALUES) == "student12 12 {{wod.student}} {{ wod.secret }} {{ x }}"


def test_stage_renders_notebooks_and_copies_data_but_not_workshop_files(tmp_path: Path) -> None:
    workshop = write_workshop(tmp_path / "src", "WOD-U", 1, 5, setup_tasks=[])
    (workshop / "reset.yml").write_text("[]", encoding="utf-8")
    (workshop / "data").mkdir()
    (workshop / "data" / "x.txt").write_text("x", encoding="utf-8")
    target = tmp_path / "out"
    [notebook] = stage_workshop(workshop, target, VALUES)
    assert sorted(p.name for p in target.iterdir()) == ["0-ReadMeFirst.ipynb", "data", "data.csv"]
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    assert cells[0]["source"][1] == "Welcome student12 (student 12) of Org.\n"
    assert cells[1]["source"] == "print('student12')"


def link_a_data_file(workshop: Path) -> None:
    (workshop / "data.csv").unlink()
    (workshop / "data.csv").symlink_to("/etc/passwd")


def link_a_directory(workshop: Path) -> None:
    (workshop / "etc").symlink_to("/etc", target_is_directory=True)


def link_in_a_subdirectory(workshop: Path) -> None:
    (workshop / "data").mkdir()
    (workshop / "data" / "key").symlink_to("../../../secret")


def add_a_fifo(workshop: Path) -> None:
    os.mkfifo(workshop / "pipe")


@pytest.mark.parametrize(
    ("make_unsafe", "named"),
    [
        (link_a_data_file, "data.csv"),
        (link_a_directory, "etc"),
        (link_in_a_subdirectory, "data/key"),
        (add_a_fifo, "pipe"),
    ],
)
def test_staging_refuses_links_and_special_files_before_copying_anything(
    tmp_path: Path, make_unsafe: Callable[[Path], object], named: str
) -> None:
    workshop = write_workshop(tmp_path / "src", "WOD-U", 1, 5)
    make_unsafe(workshop)
    target = tmp_path / "out"
    with pytest.raises(UnsafeWorkshopFileError) as caught:
        stage_workshop(workshop, target, VALUES)
    assert str(caught.value).startswith(f"{named} is ")
    assert not target.exists()


def test_staging_copies_nested_directories_and_leaves_their_notebooks_alone(
    tmp_path: Path,
) -> None:
    workshop = write_workshop(tmp_path / "src", "WOD-U", 1, 5)
    (workshop / "data" / "deep").mkdir(parents=True)
    (workshop / "data" / "deep" / "raw.ipynb").write_text('{"x": "{{ wod.username }}"}')
    (workshop / ".hidden").write_text("not for students")
    stage_workshop(workshop, tmp_path / "out", VALUES)
    copied = tmp_path / "out" / "data" / "deep" / "raw.ipynb"
    assert copied.read_text() == '{"x": "{{ wod.username }}"}'
    assert not (tmp_path / "out" / ".hidden").exists()
