"""Loads and checks the catalog: every `<dir>/<ID>/workshop.yml` of the public and private trees.

Called by the site hooks, the table seeding, the agent and `wod-workshop validate`. Errors read
`file:line: field: message`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from .workshop import Workshop
from .yaml_lines import compose, line_of, locate

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
    """Parse one workshop.yml; raises CatalogError naming the file, line and each bad field."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except OSError as exc:
        raise CatalogError([f"{path}: cannot read: {exc}"]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise CatalogError([f"{where}: not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise CatalogError([f"{path}: expected a mapping of fields"])
    try:
        return Workshop.model_validate(data)
    except ValidationError as exc:
        tree = compose(text)
        problems = []
        for err in exc.errors():
            line = line_of(tree, err["loc"])
            where = f"{path}:{line}" if line is not None else str(path)
            problems.append(f"{where}: {_field_path(err['loc'])}: {err['msg']}")
        raise CatalogError(problems) from exc


def read_entry(directory: Path) -> CatalogEntry:
    """One workshop directory, parsed and checked; raises CatalogError with every problem."""
    entry = CatalogEntry(parse_workshop(directory / WORKSHOP_FILE), directory)
    problems = check_entry(entry)
    if problems:
        raise CatalogError(problems)
    return entry


def check_entry(entry: CatalogEntry) -> list[str]:
    """What the model alone cannot see: the directory's name, files and requirement grammar."""
    problems = []
    workshop, source = entry.workshop, entry.source
    if workshop.id != entry.directory.name:
        problems.append(
            f"{locate(source, ('id',))}: id: '{workshop.id}' differs from its directory "
            f"'{entry.directory.name}'"
        )
    for index, notebook in enumerate(workshop.notebooks):
        if not (entry.directory / notebook.file).is_file():
            problems.append(
                f"{locate(source, ('notebooks', index, 'file'))}: notebooks.{index}.file: "
                f"{notebook.file} is missing"
            )
    if workshop.badge and not (entry.directory / workshop.badge).is_file():
        problems.append(f"{locate(source, ('badge',))}: badge: {workshop.badge} is missing")
    if workshop.requirements:
        # Imported here: the API's Lambda imports this module (CatalogError) but never checks
        # requirements, and `packaging` is neither in its artifact nor cheap to import.
        from .requirements import parse_requirements

        _, bad = parse_requirements(workshop.requirements)
        for problem in bad:
            index = int(problem.split(":", 1)[0])
            problems.append(f"{locate(source, ('requirements', index))}: requirements.{problem}")
    return problems


def check_catalog(
    entries: Sequence[CatalogEntry], concerning: Callable[[CatalogEntry], bool] | None = None
) -> list[str]:
    """Duplicate ids and overlapping student ranges between entries (only the pairs where at
    least one side is `concerning`, if given)."""
    problems: list[str] = []
    seen: dict[str, CatalogEntry] = {}
    wanted = concerning or (lambda _entry: True)
    for entry in entries:
        other = seen.setdefault(entry.workshop.id, entry)
        if other is not entry and (wanted(entry) or wanted(other)):
            problems.append(
                f"{locate(entry.source, ('id',))}: id: '{entry.workshop.id}' is also in "
                f"{other.source}"
            )
    for i, first in enumerate(entries):
        for second in entries[i + 1 :]:
            a, b = first.workshop, second.workshop
            if not (wanted(first) or wanted(second)):
                continue
            if a.backend == b.backend and a.students.overlaps(b.students):
                problems.append(
                    f"{locate(first.source, ('students',))}: students: ranges "
                    f"{a.students.first}..{a.students.last} and "
                    f"{b.students.first}..{b.students.last} overlap on backend '{a.backend}' "
                    f"(the other is {locate(second.source, ('students',))})"
                )
    return problems


def read_root(root: Path) -> tuple[list[CatalogEntry], list[str]]:
    """Every workshop under one root (`<root>/<ID>/workshop.yml`), and the problems found."""
    if not root.is_dir():
        return [], [f"{root}: workshop directory does not exist"]
    entries: list[CatalogEntry] = []
    problems: list[str] = []
    for source in sorted(root.glob(f"*/{WORKSHOP_FILE}")):
        try:
            entry = CatalogEntry(parse_workshop(source), source.parent)
        except CatalogError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(check_entry(entry))
        entries.append(entry)
    return entries, problems


def load_catalog(roots: Sequence[Path]) -> Catalog:
    """Read every workshop under the given roots (public first, then private ones).

    All problems are gathered before raising, so an author sees every mistake at once.
    """
    entries: list[CatalogEntry] = []
    problems: list[str] = []
    for root in roots:
        found, bad = read_root(root)
        entries.extend(found)
        problems.extend(bad)
    problems.extend(check_catalog(entries))
    if problems:
        raise CatalogError(problems)
    return Catalog(tuple(entries))
