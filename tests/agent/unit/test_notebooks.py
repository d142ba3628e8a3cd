"""Per-student notebook copies: exact placeholders only, student files only."""

# ruff: noqa: TID252
from __future__ import annotations

import json
from pathlib import Path

from wod_agent.notebooks import NotebookValues, fill, stage_workshop

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
