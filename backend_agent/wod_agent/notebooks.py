"""Per-student copies of a workshop's files: the placeholders of every notebook cell filled in.

Pure file work, called by `ansible_deployer` before the playbook copies the result home.
Only the exact placeholders below are replaced, so any other `{{` in a notebook is left alone.
Only regular files and directories are copied: a symbolic link (`data.csv -> /etc/...`) or a
device is refused, so nothing outside the workshop's directory can reach a student's home.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Workshop files that describe or prepare the seat; the student never gets them.
NOT_FOR_STUDENTS = frozenset({"workshop.yml", "setup.yml", "reset.yml"})
FIRST_NOTEBOOK = "0-ReadMeFirst.ipynb"


class UnsafeWorkshopFileError(ValueError):
    """A file of the workshop that must never be copied to a student (a link, a device...)."""


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
    """Copy the workshop's student files into `target`; returns the notebooks written.

    Raises UnsafeWorkshopFileError, naming the file, before anything is copied.
    """
    root = workshop_dir.resolve(strict=True)
    files = [
        path
        for path in sorted(root.iterdir())
        if not path.name.startswith(".") and path.name not in NOT_FOR_STUDENTS
    ]
    plan = [entry for path in files for entry in _walk(root, path)]
    target.mkdir(parents=True, exist_ok=True)
    notebooks = []
    for source, is_dir in plan:
        destination = target / source.relative_to(root)
        if is_dir:
            destination.mkdir(exist_ok=True)
        elif source.suffix == ".ipynb" and source.parent == root:
            notebook = json.loads(_read(root, source))
            rendered = render_notebook(notebook, values)
            destination.write_text(
                json.dumps(rendered, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            notebooks.append(destination)
        else:
            destination.write_bytes(_read(root, source))
    return notebooks


def _walk(root: Path, path: Path) -> list[tuple[Path, bool]]:
    """(path, is a directory) for `path` and all below it, parents first; never follows a link."""
    mode = path.lstat().st_mode
    relative = path.relative_to(root)
    if stat.S_ISLNK(mode):
        raise UnsafeWorkshopFileError(
            f"{relative} is a symbolic link (to {os.readlink(path)}): put the file itself in "
            "the workshop's directory"
        )
    if stat.S_ISREG(mode):
        return [(path, False)]
    if not stat.S_ISDIR(mode):
        raise UnsafeWorkshopFileError(f"{relative} is neither a regular file nor a directory")
    found = [(path, True)]
    for child in sorted(path.iterdir()):
        found.extend(_walk(root, child))
    return found


def _read(root: Path, path: Path) -> bytes:
    """The file's bytes, refusing a link that replaced it after the walk (O_NOFOLLOW)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise UnsafeWorkshopFileError(f"{path.relative_to(root)}: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as handle:
        return handle.read()
