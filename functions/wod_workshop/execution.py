"""Runs notebooks as a student's seat would: templated, in the workshop's kernel, a few at once
in one event loop (kernels mostly start and wait). Shared by `wod-workshop validate` and the
sample catalog's tests (`tests/workshops`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from wod_agent.kernels import KERNELSPECS_DIR, kernel_name, write_kernelspec
from wod_contracts.workshop import Workshop

from .layout import render

CELL_TIMEOUT_SECONDS = 60
CONCURRENT_KERNELS = 4


@dataclass(frozen=True)
class Run:
    """One notebook to run: its workshop, and the Python of the workshop's environment if it
    has requirements (None: the kernel Jupyter finds here)."""

    notebook: Path
    workshop: Workshop
    python: Path | None = None


async def execute(run: Run, scratch: Path) -> nbformat.NotebookNode:
    """Run one notebook from a templated copy of its workshop, with a throwaway HOME."""
    workshop = run.workshop
    workdir = scratch / workshop.id
    shutil.copytree(run.notebook.parent, workdir)
    home = scratch / "home"
    home.mkdir()
    nb: nbformat.NotebookNode = nbformat.read(str(workdir / run.notebook.name), as_version=4)
    for cell in nb.cells:
        cell.source = render(cell.source, workshop.id, workshop.title)
    name = nb.metadata.get("kernelspec", {}).get("name") or workshop.kernel
    manager = None
    if run.python is not None:
        # The kernelspec a seat's home gets, found through a kernel manager of our own.
        name = kernel_name(workshop.id)
        write_kernelspec(home, run.python, workshop.id, workshop.title)
        specs = KernelSpecManager(kernel_dirs=[str(home / KERNELSPECS_DIR)])
        manager = AsyncKernelManager(kernel_name=name, kernel_spec_manager=specs)
    client = NotebookClient(
        nb,
        km=manager,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name=name,
        resources={"metadata": {"path": str(workdir)}},
    )
    log = scratch / "kernel.log"  # the kernel's own chatter, kept out of the report
    try:
        with log.open("wb") as kernel_output:
            await client.async_execute(
                env={**os.environ, "HOME": str(home)},
                stdout=kernel_output,
                stderr=kernel_output,
                cleanup_kc=True,
            )
    except CellExecutionError as exc:
        message = _error_line(exc.ename, exc.evalue)
        raise RunFailure(run.notebook, _last_run_cell(nb), message) from exc
    except CellTimeoutError as exc:
        message = f"ran longer than {CELL_TIMEOUT_SECONDS} s"
        raise RunFailure(run.notebook, _last_run_cell(nb), message) from exc
    except DeadKernelError as exc:
        said = log.read_text(errors="replace").strip().splitlines()[-1:] or [str(exc)]
        raise RunFailure(run.notebook, _last_run_cell(nb), f"the kernel died: {said[0]}") from exc
    return nb


class RunFailure(Exception):
    """A notebook stopped at a cell; `str()` is one line, the cause keeps the traceback."""

    def __init__(self, notebook: Path, cell: int | None, message: str) -> None:
        self.notebook, self.cell, self.message = notebook, cell, message
        where = f"{notebook}: cell {cell}" if cell is not None else str(notebook)
        super().__init__(f"{where}: {message}")


def _last_run_cell(nb: nbformat.NotebookNode) -> int | None:
    """The 1-based number of the last code cell that started (the one that failed)."""
    started = [
        number
        for number, cell in enumerate(nb.cells, start=1)
        if cell.cell_type == "code" and cell.get("execution_count") is not None
    ]
    return started[-1] if started else None


def execute_all(
    runs: Sequence[Run], scratch: Path | None = None, concurrency: int = CONCURRENT_KERNELS
) -> list[nbformat.NotebookNode | BaseException]:
    """Run the notebooks, a few at a time; a failed run gives its exception, in order."""

    async def run_all(base: Path) -> list[nbformat.NotebookNode | BaseException]:
        gate = asyncio.Semaphore(concurrency)

        async def one(index: int, run: Run) -> nbformat.NotebookNode:
            async with gate:
                own = base / f"{index}-{run.notebook.parent.name}-{run.notebook.stem}"
                own.mkdir(parents=True)
                return await execute(run, own)

        return await asyncio.gather(
            *(one(i, run) for i, run in enumerate(runs)), return_exceptions=True
        )

    with tempfile.TemporaryDirectory(prefix="wod-run-") as tmp:
        base = scratch or Path(tmp)
        # In a thread of its own: the caller may have an event loop running in this thread
        # (e.g. Playwright's sync API in a test session), where asyncio.run() refuses to start.
        with ThreadPoolExecutor(max_workers=1) as thread:
            return thread.submit(asyncio.run, run_all(base)).result()


def failure(notebook: Path, result: nbformat.NotebookNode | BaseException) -> str | None:
    """One line saying why a run failed (None if every cell ran without an error)."""
    if isinstance(result, RunFailure):
        return str(result)
    if isinstance(result, BaseException):
        return f"{notebook}: could not run: {type(result).__name__}: {result}".splitlines()[0]
    for number, cell in enumerate(result.cells, start=1):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.output_type == "error":
                return f"{notebook}: cell {number}: {_error_line(output.ename, output.evalue)}"
    return None


def _error_line(ename: str, evalue: str) -> str:
    first = (evalue or "").strip().splitlines()
    return f"{ename}: {first[0]}" if first else ename
