"""Runs every notebook of the sample catalog, templated as the backend agent would deploy it.

The notebooks run a few at a time (a session fixture) with the same code as
`wod-workshop validate` (`wod_workshop.execution`); each test then reports on its own notebook.
A workshop with `requirements` runs in its environment, built as the agent builds it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from wod_contracts.catalog import CatalogEntry, load_catalog
from wod_workshop.execution import Run, execute_all, failure
from wod_workshop.layout import layout, workshop_dirs
from wod_workshop.validate import default_kernels

WORKSHOPS = Path(__file__).resolve().parents[2] / "workshops"


def notebooks() -> list[Path]:
    return [path for directory in workshop_dirs(WORKSHOPS) for path in layout(directory).all]


@pytest.fixture(scope="session")
def executions(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[Path, nbformat.NotebookNode | BaseException]:
    """Every selected notebook, executed; a failed run maps to its exception."""
    selected: list[Path] = [
        item.callspec.params["notebook"]
        for item in request.session.items
        if "notebook" in getattr(getattr(item, "callspec", None), "params", {})
    ]
    entries: dict[Path, CatalogEntry] = {e.directory: e for e in load_catalog([WORKSHOPS])}
    kernels = default_kernels(tmp_path_factory.mktemp("kernels"))
    pythons = {
        directory: kernels.environment(entry.workshop.id, entry.workshop.requirements).python
        for directory, entry in entries.items()
        if entry.workshop.requirements and any(nb.parent == directory for nb in selected)
    }
    runs = [Run(nb, entries[nb.parent].workshop, pythons.get(nb.parent)) for nb in selected]
    results = execute_all(runs, tmp_path_factory.mktemp("runs"))
    return dict(zip(selected, results, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("notebook", notebooks(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_executes_cleanly(
    notebook: Path, executions: dict[Path, nbformat.NotebookNode | BaseException]
) -> None:
    # Given the notebook ran top to bottom in its own kernel (see `executions`)
    result = executions[notebook]

    # Then the run finished (a RunFailure names the failing cell, its cause the traceback) ...
    if isinstance(result, BaseException):
        raise result

    # ... and no cell reported an error
    assert failure(notebook, result) is None
