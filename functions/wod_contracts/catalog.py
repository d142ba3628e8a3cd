"""Loads and checks the catalog: every `<dir>/<ID>/workshop.yml` of the public and private trees.

Called by the site hooks, the table seeding and the agent. Errors name the file and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from .workshop import Workshop

WORKSHOP_FILE = "workshop.yml"


class CatalogError(ValueError):
    """One or more workshop files are invalid; `problems` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid catalog:\n" + "\n".join(f"  {p}" for p in self.problems))


@dataclass(frozen=True)
class CatalogEntry:
    workshop: Workshop
    directory: Path

    @property
    def source(self) -> Path:
        return self.directory / WORKSHOP_FILE


@dataclass(frozen=True)
class Catalog:
    entries: tuple[CatalogEntry, ...]

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def workshops(self) -> list[Workshop]:
        return [entry.workshop for entry in self.entries]

    def get(self, workshop_id: str) -> CatalogEntry:
        for entry in self.entries:
            if entry.workshop.id == workshop_id:
                return entry
        raise KeyError(workshop_id)

    def backends(self) -> set[str]:
        return {entry.workshop.backend for entry in self.entries}

    def badges(self) -> dict[str, str]:
        """The workshops' own badge SVGs (those that ship one), by workshop id."""
        return {
            entry.workshop.id: (entry.directory / entry.workshop.badge).read_text(encoding="utf-8")
            for entry in self.entries
            if entry.workshop.badge
        }


def _field_path(loc: Iterable[int | str]) -> str:
    return ".".join(str(part) for part in loc) or "(file)"


def parse_workshop(path: Path) -> Workshop:
    """Parse one workshop.yml; raises CatalogError naming the file and each bad field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError([f"{path}: cannot read: {exc}"]) from exc
    if not isinstance(data, dict):
        raise CatalogError([f"{path}: expected a mapping of fields"])
    try:
        return Workshop.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(
            [f"{path}: {_field_path(err['loc'])}: {err['msg']}" for err in exc.errors()]
        ) from exc


def _check_entry(entry: CatalogEntry) -> list[str]:
    problems = []
    workshop = entry.workshop
    if workshop.id != entry.directory.name:
        problems.append(
            f"{entry.source}: id: '{workshop.id}' differs from its directory "
            f"'{entry.directory.name}'"
        )
    for index, notebook in enumerate(workshop.notebooks):
        if not (entry.directory / notebook.file).is_file():
            problems.append(f"{entry.source}: notebooks.{index}.file: {notebook.file} is missing")
    if workshop.badge and not (entry.directory / workshop.badge).is_file():
        problems.append(f"{entry.source}: badge: {workshop.badge} is missing")
    return problems


def _check_catalog(entries: Sequence[CatalogEntry]) -> list[str]:
    problems: list[str] = []
    seen: dict[str, CatalogEntry] = {}
    for entry in entries:
        other = seen.setdefault(entry.workshop.id, entry)
        if other is not entry:
            problems.append(f"{entry.source}: id: '{entry.workshop.id}' is also in {other.source}")
    for i, first in enumerate(entries):
        for second in entries[i + 1 :]:
            a, b = first.workshop, second.workshop
            if a.backend == b.backend and a.students.overlaps(b.students):
                problems.append(
                    f"{first.source} and {second.source}: students: ranges "
                    f"{a.students.first}..{a.students.last} and "
                    f"{b.students.first}..{b.students.last} overlap on backend '{a.backend}'"
                )
    return problems


def load_catalog(roots: Sequence[Path]) -> Catalog:
    """Read every workshop under the given roots (public first, then private ones).

    All problems are gathered before raising, so an author sees every mistake at once.
    """
    entries: list[CatalogEntry] = []
    problems: list[str] = []
    for root in roots:
        if not root.is_dir():
            problems.append(f"{root}: workshop directory does not exist")
            continue
        for source in sorted(root.glob(f"*/{WORKSHOP_FILE}")):
            try:
                entry = CatalogEntry(parse_workshop(source), source.parent)
            except CatalogError as exc:
                problems.extend(exc.problems)
                continue
            problems.extend(_check_entry(entry))
            entries.append(entry)
    problems.extend(_check_catalog(entries))
    if problems:
        raise CatalogError(problems)
    return Catalog(tuple(entries))
