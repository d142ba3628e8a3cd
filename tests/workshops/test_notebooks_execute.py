"""Runs every notebook of the sample catalog, templated as the backend agent would deploy it."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient
from workshop_layout import layout, render, workshop_dirs

CELL_TIMEOUT_SECONDS = 60


def notebooks() -> list[Path]:
    return [path for directory in workshop_dirs() for path in layout(directory).all]


@pytest.mark.slow
@pytest.mark.parametrize("notebook", notebooks(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_executes_cleanly(
    notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a private copy of the workshop, templated for one student, and a throwaway home
    meta = yaml.safe_load((notebook.parent / "workshop.yml").read_text())
    workdir = tmp_path / meta["id"]
    shutil.copytree(notebook.parent, workdir)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    nb = nbformat.read(str(workdir / notebook.name), as_version=4)
    for cell in nb.cells:
        cell.source = render(cell.source, meta["id"], meta["title"])

    # When it runs top to bottom in its own kernel
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name=nb.metadata.kernelspec.name,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()

    # Then no cell reported an error
    errors = [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
