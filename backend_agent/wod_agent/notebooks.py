"""Per-student copies of a workshop's files: the placeholders of every notebook cell filled in.

Pure file work, called by `ansible_deployer` before the playbook copies the result home.
Only the exact placeholders below are replaced, so any other `{{` in a notebook is left alone.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Workshop files that describe or prepare the seat; the student never gets them.
NOT_FOR_STUDENTS = frozenset({"workshop.yml", "setup.yml", "reset.yml"})
FIRST_NOTEBOOK = "0-ReadMeFirst.ipynb"


@dataclass(frozen=True)
class NotebookValues:
    student: int
    username: str
    hub_url: str
    survey_url: str
    organization: str
    workshop_id: str
    workshop_title: str

    def placeholders(self) -> dict[str, str]:
        return {
            "{{ wod.student }}": str(self.student),
            "{{ wod.username }}": self.username,
            "{{ wod.hub_url }}": self.hub_url,
            "{{ wod.survey_url }}": self.survey_url,
            "{{ wod.organization }}": self.organization,
            "{{ wod.workshop_id }}": self.workshop_id,
            "{{ wod.workshop_title }}": self.workshop_title,
        }


def fill(text: str, values: NotebookValues) -> str:
    for placeholder, value in values.placeholders().items():
        text = text.replace(placeholder, value)
    return text


def render_notebook(notebook: dict[str, Any], values: NotebookValues) -> dict[str, Any]:
    """The notebook with the placeholders of every cell's source replaced (outputs untouched)."""
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        if isinstance(source, list):
            # Placeholders never span lines, so line by line keeps the file's own layout.
            cell["source"] = [fill(line, values) for line in source]
        else:
            cell["source"] = fill(source, values)
    return notebook


def stage_workshop(workshop_dir: Path, target: Path, values: NotebookValues) -> list[Path]:
    """Copy the workshop's student files into `target`; returns the notebooks written."""
    target.mkdir(parents=True, exist_ok=True)
    notebooks = []
    for source in sorted(workshop_dir.iterdir()):
        if source.name.startswith(".") or source.name in NOT_FOR_STUDENTS:
            continue
        destination = target / source.name
        if source.is_dir():
            shutil.copytree(source, destination, symlinks=False)
        elif source.suffix == ".ipynb":
            notebook = json.loads(source.read_text(encoding="utf-8"))
            rendered = render_notebook(notebook, values)
            destination.write_text(
                json.dumps(rendered, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            notebooks.append(destination)
        elif source.is_file():
            shutil.copyfile(source, destination)
    return notebooks
