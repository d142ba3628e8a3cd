"""Runs every notebook of the sample catalog, templated as the backend agent would deploy it.

Kernels spend most of their time starting up and waiting, so the selected notebooks run a few at
a time in one event loop (a session fixture); each test then reports on its own notebook.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from tests.workshops.workshop_layout import layout, render, workshop_dirs

CELL_TIMEOUT_SECONDS = 60
CONCURRENT_KERNELS = 4


def notebooks() -> list[Path]:
    return [path for directory in workshop_dirs() for path in layout(directory).all]


async def execute(notebook: Path, scratch: Path) -> nbformat.NotebookNode:
    """Run one notebook from a templated copy of its workshop, with a throwaway HOME."""
    meta = yaml.safe_load((notebook.parent / "workshop.yml").read_text(encoding="utf-8"))
    workdir = scratch / meta["id"]
    shutil.copytree(notebook.parent, workdir)
    home = scratch / "home"
    home.mkdir()
    nb = nbformat.read(str(workdir / notebook.name), as_version=4)
    for cell in nb.cells:
        cell.source = render(cell.source, meta["id"], meta["title"])
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name=nb.metadata.kernelspec.name,
        resources={"metadata": {"path": str(workdir)}},
    )
    await client.async_execute(env={**os.environ, "HOME": str(home)})
    return nb


@pytest.fixture(scope="session")
def executions(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[Path, nbformat.NotebookNode | BaseException]:
    """Every selected notebook, executed; a failed run maps to its exception."""
    selected = [
        item.callspec.params["notebook"]
        for item in request.session.items
        if "notebook" in getattr(getattr(item, "callspec", None), "params", {})
    ]

    async def run_all() -> list[nbformat.NotebookNode | BaseException]:
        gate = asyncio.Semaphore(CONCURRENT_KERNELS)

        async def one(notebook: Path) -> nbformat.NotebookNode:
            async with gate:
                scratch = tmp_path_factory.mktemp(f"{notebook.parent.name}-{notebook.stem}")
                return await execute(notebook, scratch)

        return await asyncio.gather(*(one(nb) for nb in selected), return_exceptions=True)

    # In a thread of its own: in a full run, Playwright's sync API (browser tests) may have left
    # an event loop running in the main thread, where asyncio.run() refuses to start.
    with ThreadPoolExecutor(max_workers=1) as thread:
        results = thread.submit(asyncio.run, run_all()).result()
    return dict(zip(selected, results, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("notebook", notebooks(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_executes_cleanly(
    notebook: Path, executions: dict[Path, nbformat.NotebookNode | BaseException]
) -> None:
    # Given the notebook ran top to bottom in its own kernel (see `executions`)
    result = executions[notebook]

    # Then the run finished (a CellExecutionError names the failing cell) ...
    if isinstance(result, BaseException):
        raise result

    # ... and no cell reported an error
    errors = [
        output
        for cell in result.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
