"""`wod-workshop validate`: schema (file:line), files, requirements, student ranges against every
known workshop, notebooks (format, placeholders, links) and, unless told not to, runs them all.
Takes any directories: one workshop, or a root of workshops, public or private.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wod_agent.kernels import KernelBuildError, WorkshopKernels
from wod_contracts.catalog import (
    WORKSHOP_FILE,
    CatalogEntry,
    CatalogError,
    check_catalog,
    check_entry,
    parse_workshop,
    read_root,
)
from wod_contracts.requirements import parse_requirements
from wod_contracts.yaml_lines import locate

from .layout import notebooks_of
from .notebook_checks import check_notebooks, read_notebook


@dataclass
class Report:
    """What a validation found: the workshops it checked and one line per problem."""

    checked: list[CatalogEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notebooks_run: int = 0


def default_kernel_cache() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "wod-workshop" / "kernels"


def _collect(paths: Sequence[Path]) -> tuple[list[CatalogEntry], list[str]]:
    """The workshops in the given directories (each one a workshop or a root of workshops)."""
    entries: list[CatalogEntry] = []
    problems: list[str] = []
    seen: set[Path] = set()
    for path in paths:
        if (path / WORKSHOP_FILE).is_file():
            try:
                found = [CatalogEntry(parse_workshop(path / WORKSHOP_FILE), path)]
            except CatalogError as exc:
                problems.extend(exc.problems)
                continue
            problems.extend(check_entry(found[0]))
        elif path.is_dir() and any(path.glob(f"*/{WORKSHOP_FILE}")):
            found, bad = read_root(path)
            problems.extend(bad)
        elif path.is_dir():
            problems.append(f"{path}: no {WORKSHOP_FILE} here or in its sub-directories")
            continue
        else:
            problems.append(f"{path}: no such directory")
            continue
        for entry in found:
            if entry.directory.resolve() not in seen:
                seen.add(entry.directory.resolve())
                entries.append(entry)
    return entries, problems


def _context(roots: Sequence[Path], skip: set[Path]) -> list[CatalogEntry]:
    """The other known workshops (their own problems are not this validation's business)."""
    entries: list[CatalogEntry] = []
    for root in roots:
        if root.is_dir():
            found, _ = read_root(root)
            entries.extend(e for e in found if e.directory.resolve() not in skip)
    return entries


def _kernel_pythons(
    entries: Sequence[CatalogEntry], kernels: WorkshopKernels, report: Report
) -> dict[str, Path | None]:
    """Each workshop's kernel Python: its requirements' environment, built (or reused) now."""
    pythons: dict[str, Path | None] = {}
    for entry in entries:
        requirements = entry.workshop.requirements
        if not requirements:
            pythons[entry.workshop.id] = None
            continue
        if parse_requirements(requirements)[1]:
            continue  # already reported by check_entry; nothing sensible to install
        try:
            built = kernels.environment(entry.workshop.id, requirements)
        except KernelBuildError as exc:
            report.problems.append(
                f"{locate(entry.source, ('requirements',))}: requirements: cannot install: {exc}"
            )
            continue
        pythons[entry.workshop.id] = built.python
    return pythons


def _run_notebooks(
    entries: Sequence[CatalogEntry], kernels: WorkshopKernels, report: Report
) -> None:
    # Imported here: nbclient takes a second or two to import, and --no-execute needs none of it.
    from .execution import Run, execute_all, failure

    pythons = _kernel_pythons(entries, kernels, report)
    runs = [
        Run(path, entry.workshop, pythons[entry.workshop.id])
        for entry in entries
        if entry.workshop.id in pythons
        for path in notebooks_of(entry.directory)
        if read_notebook(path)[0] is not None
    ]
    for run, result in zip(runs, execute_all(runs), strict=True):
        problem = failure(run.notebook, result)
        if problem:
            report.problems.append(problem)
    report.notebooks_run = len(runs)


def validate(
    paths: Sequence[Path],
    known_roots: Sequence[Path],
    *,
    execute: bool = True,
    kernels: WorkshopKernels | None = None,
) -> Report:
    """Check the workshops under `paths`; ranges and ids also against those of `known_roots`."""
    report = Report()
    entries, report.problems = _collect(paths)
    report.checked = entries
    given = {id(entry) for entry in entries}
    others = _context(known_roots, {entry.directory.resolve() for entry in entries})
    report.problems += check_catalog([*entries, *others], concerning=lambda e: id(e) in given)
    for entry in entries:
        report.problems += check_notebooks(entry.directory, entry.workshop)
    if execute and entries:
        _run_notebooks(entries, kernels or default_kernels(), report)
    return report


def default_kernels(cache: Path | None = None) -> WorkshopKernels:
    """Environments for workshops with requirements, built on this Python, cached per user."""
    import sys

    return WorkshopKernels(cache or default_kernel_cache(), Path(sys.executable))
