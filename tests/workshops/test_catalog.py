"""Checks the shape of every workshop of the sample catalog without running any notebook."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from wod_contracts.catalog import CatalogEntry, load_catalog
from wod_workshop.layout import layout, workshop_dirs
from wod_workshop.notebook_checks import check_notebooks

WORKSHOPS = Path(__file__).resolve().parents[2] / "workshops"
SCHEMA_LINE = "# yaml-language-server: $schema=../workshop.schema.json"


@pytest.fixture(scope="module")
def entries() -> dict[str, CatalogEntry]:
    return {entry.workshop.id: entry for entry in load_catalog([WORKSHOPS])}


def ids() -> list[str]:
    return [d.name for d in workshop_dirs(WORKSHOPS)]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def test_catalog_loads_with_every_sample_workshop(entries: dict[str, CatalogEntry]) -> None:
    expected = {
        "python-101",
        "python-201",
        "rest-apis-101",
        "git-101",
        "jupyter-101",
        "linux-shell-101",
        "dataviz-101",
        "ml-101",
    }
    assert expected <= set(entries)


def test_catalog_mixes_end_actions_kernels_and_requirements(
    entries: dict[str, CatalogEntry],
) -> None:
    workshops = [entry.workshop for entry in entries.values()]
    assert {w.on_end.value for w in workshops} == {"cleanup", "reset"}
    assert {w.kernel for w in workshops} == {"python3", "bash"}
    # at least one declares requirements, so CI installs and runs them as a backend would
    assert any(w.requirements for w in workshops)


@pytest.mark.parametrize("workshop_id", ids())
def test_workshop_yml_points_editors_at_the_schema(workshop_id: str) -> None:
    first_line = (WORKSHOPS / workshop_id / "workshop.yml").read_text().splitlines()[0]
    assert first_line == SCHEMA_LINE


@pytest.mark.parametrize("workshop_id", ids())
def test_workshop_has_readme_labs_and_conclusion(workshop_id: str) -> None:
    found = layout(WORKSHOPS / workshop_id)
    assert found.readme is not None, "0-ReadMeFirst.ipynb is missing"
    assert 2 <= len(found.labs) <= 4, [p.name for p in found.labs]
    assert found.conclusion is not None, "exactly one *Conclusion*.ipynb is expected"
    assert all(lab.name < found.conclusion.name for lab in found.labs), "conclusion comes last"
    assert "{{ wod.survey_url }}" in json.dumps(read(found.conclusion).cells)


@pytest.mark.parametrize("workshop_id", ids())
def test_notebooks_listed_in_metadata_are_exactly_the_labs(
    entries: dict[str, CatalogEntry], workshop_id: str
) -> None:
    listed = [nb.file for nb in entries[workshop_id].workshop.notebooks]
    labs = [p.name for p in layout(WORKSHOPS / workshop_id).labs]
    assert listed == labs
    assert all(nb.covers for nb in entries[workshop_id].workshop.notebooks)


@pytest.mark.parametrize("workshop_id", ids())
def test_notebooks_pass_the_static_checks_of_validate(
    entries: dict[str, CatalogEntry], workshop_id: str
) -> None:
    """What `wod-workshop validate --no-execute` checks: valid nbformat 4, the workshop's
    kernel, no stored outputs, known placeholders spelled right and only inside Python strings,
    well-formed links."""
    entry = entries[workshop_id]
    assert check_notebooks(entry.directory, entry.workshop) == []
