"""Shared knowledge about the layout of `workshops/<ID>/`, imported by the workshop tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORKSHOPS = REPO / "workshops"
README = "0-ReadMeFirst.ipynb"

# The strings the backend agent replaces in cell sources at deploy time, with sample values.
# The agent replaces these exact strings (plain text, no template engine), so a different
# spacing such as `{{wod.student}}` is left as it is: PLACEHOLDER finds such near misses.
PLACEHOLDER = re.compile(r"\{\{\s*wod\.(\w+)\s*\}\}")
SAMPLE_VALUES = {
    "student": "42",
    "username": "student42",
    "hub_url": "https://hub.example.org/",
    "survey_url": "https://example.org/survey",
    "organization": "Open Workshops Community",
}


def canonical(name: str) -> str:
    return "{{ wod." + name + " }}"


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


def workshop_dirs() -> list[Path]:
    return sorted(p.parent for p in WORKSHOPS.glob("*/workshop.yml"))


def render(source: str, workshop_id: str, title: str) -> str:
    """Replace the placeholders textually, as the agent does when it deploys a workshop."""
    values = {**SAMPLE_VALUES, "workshop_id": workshop_id, "workshop_title": title}
    for name, value in values.items():
        source = source.replace(canonical(name), value)
    return source
