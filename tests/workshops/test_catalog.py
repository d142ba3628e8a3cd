"""Checks the shape of every workshop of the sample catalog without running any notebook."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from tests.workshops.workshop_layout import (
    PLACEHOLDER,
    SAMPLE_VALUES,
    WORKSHOPS,
    canonical,
    layout,
    workshop_dirs,
)
from wod_contracts.catalog import CatalogEntry, load_catalog

KNOWN_PLACEHOLDERS = {*SAMPLE_VALUES, "workshop_id", "workshop_title"}
SCHEMA_LINE = "# yaml-language-server: $schema=../workshop.schema.json"


@pytest.fixture(scope="module")
def entries() -> dict[str, CatalogEntry]:
    return {entry.workshop.id: entry for entry in load_catalog([WORKSHOPS])}


def ids() -> list[str]:
    return [d.name for d in workshop_dirs()]


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


def test_catalog_mixes_end_actions_and_kernels(entries: dict[str, CatalogEntry]) -> None:
    workshops = [entry.workshop for entry in entries.values()]
    assert {w.on_end.value for w in workshops} == {"cleanup", "reset"}
    assert {w.kernel for w in workshops} == {"python3", "bash"}


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
def test_notebooks_are_valid_clean_and_use_the_workshop_kernel(
    entries: dict[str, CatalogEntry], workshop_id: str
) -> None:
    kernel = entries[workshop_id].workshop.kernel
    for path in layout(WORKSHOPS / workshop_id).all:
        nb = read(path)
        nbformat.validate(nb)
        assert nb.nbformat == 4
        assert nb.metadata.kernelspec.name == kernel, path.name
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{path.name}: stored with outputs"
                assert cell.execution_count is None, f"{path.name}: stored with a count"


@pytest.mark.parametrize("workshop_id", ids())
def test_placeholders_are_known_and_python_code_keeps_them_in_strings(
    entries: dict[str, CatalogEntry], workshop_id: str
) -> None:
    """An untemplated notebook must still run, so a placeholder may only sit in a string."""
    transform = TransformerManager().transform_cell
    for path in layout(WORKSHOPS / workshop_id).all:
        for cell in read(path).cells:
            names = PLACEHOLDER.findall(cell.source)
            assert set(names) <= KNOWN_PLACEHOLDERS, f"{path.name}: unknown {names}"
            spelled = [m.group(0) for m in PLACEHOLDER.finditer(cell.source)]
            assert spelled == [canonical(n) for n in names], f"{path.name}: spacing of {spelled}"
            if cell.cell_type != "code" or not names:
                continue
            assert entries[workshop_id].workshop.kernel == "python3", (
                f"{path.name}: keep placeholders in markdown cells of bash notebooks"
            )
            strings = [
                node.value
                for node in ast.walk(ast.parse(transform(cell.source)))
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
            ]
            in_strings = sum(len(PLACEHOLDER.findall(s)) for s in strings)
            assert in_strings == len(names), f"{path.name}: placeholder outside a string"
