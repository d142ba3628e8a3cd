"""The layout of one workshop directory and the placeholders of its notebooks.

Shared by `wod-workshop validate` and the tests of the sample catalog (`tests/workshops`).
Placeholders are filled by the agent's own `wod_agent.notebooks.fill`, with sample values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wod_agent.notebooks import FIRST_NOTEBOOK, NotebookValues, fill
from wod_contracts.catalog import WORKSHOP_FILE

README = FIRST_NOTEBOOK
# Any `{{ wod.name }}`, whatever its spacing: the agent replaces only the canonical spelling,
# so this finds near misses such as `{{wod.student}}` too.
PLACEHOLDER = re.compile(r"\{\{\s*wod\.(\w+)\s*\}\}")


def sample_values(workshop_id: str, title: str) -> NotebookValues:
    """What the agent would fill in for student 42 of a sample organization."""
    return NotebookValues(
        student=42,
        username="student42",
        hub_url="https://hub.example.org/",
        survey_url="https://example.org/survey",
        organization="Open Workshops Community",
        workshop_id=workshop_id,
        workshop_title=title,
    )


def known_placeholders() -> dict[str, str]:
    """The placeholders the agent fills, by name (`student` -> `{{ wod.student }}`)."""
    spelled = sample_values("x", "x").placeholders()
    known = {}
    for placeholder in spelled:
        match = PLACEHOLDER.fullmatch(placeholder)
        if match:
            known[match.group(1)] = placeholder
    return known


def canonical(name: str) -> str:
    return "{{ wod." + name + " }}"


def render(source: str, workshop_id: str, title: str) -> str:
    """A cell's source as the agent deploys it (with the sample values)."""
    return fill(source, sample_values(workshop_id, title))


@dataclass(frozen=True)
class Layout:
    """The notebooks of one workshop directory, sorted by role."""

    readme: Path | None
    labs: list[Path]
    conclusion: Path | None

    @property
    def all(self) -> list[Path]:
        return [p for p in (self.readme, *self.labs, self.conclusion) if p is not None]


def layout(directory: Path) -> Layout:
    notebooks = sorted(directory.glob("*.ipynb"))
    readme = directory / README if (directory / README).is_file() else None
    conclusions = [p for p in notebooks if "conclusion" in p.stem.lower()]
    labs = [p for p in notebooks if p != readme and p not in conclusions]
    return Layout(readme, labs, conclusions[0] if len(conclusions) == 1 else None)


def notebooks_of(directory: Path) -> list[Path]:
    """Every notebook a student gets (all of them, whatever their role)."""
    return sorted(directory.glob("*.ipynb"))


def workshop_dirs(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob(f"*/{WORKSHOP_FILE}"))
