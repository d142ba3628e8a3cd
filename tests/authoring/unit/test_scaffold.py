"""What `wod-workshop new` writes: the schema line editors follow, and files that load."""

from __future__ import annotations

from pathlib import Path

import pytest

from wod_contracts.catalog import read_root
from wod_contracts.workshop import StudentRange
from wod_workshop.notebook_checks import check_notebooks
from wod_workshop.scaffold import NewWorkshop, write_workshop


@pytest.fixture
def schema(tmp_path: Path) -> Path:
    path = tmp_path / "repo" / "workshops" / "workshop.schema.json"
    path.parent.mkdir(parents=True)
    path.write_text("{}")
    return path


def first_line(directory: Path) -> str:
    return (directory / "workshop.yml").read_text().splitlines()[0]


@pytest.mark.parametrize("kernel", ["python3", "bash"])
def test_a_scaffold_in_the_public_catalog_loads_and_passes_the_static_checks(
    schema: Path, kernel: str
) -> None:
    new = NewWorkshop("my-101", 'Title: with "quotes"', StudentRange(first=161, last=180), kernel)
    written = write_workshop(new, schema.parent, schema)
    directory = written[0].parent
    assert first_line(directory) == "# yaml-language-server: $schema=../workshop.schema.json"
    [entry], problems = read_root(schema.parent)
    assert problems == []
    assert entry.workshop.title == 'Title: with "quotes"'
    assert (entry.workshop.students, entry.workshop.kernel) == (new.students, kernel)
    assert check_notebooks(directory, entry.workshop) == []


def test_a_scaffold_elsewhere_points_at_the_schema_by_absolute_path(
    schema: Path, tmp_path: Path
) -> None:
    new = NewWorkshop("secret-1", "Secret", StudentRange(first=1, last=2), private=True)
    written = write_workshop(new, tmp_path / "private", schema)
    assert first_line(written[0].parent) == f"# yaml-language-server: $schema={schema}"
    [entry], _ = read_root(tmp_path / "private")
    assert entry.workshop.visibility.value == "private"


def test_an_existing_directory_is_never_overwritten(schema: Path) -> None:
    (schema.parent / "my-101").mkdir()
    with pytest.raises(FileExistsError):
        write_workshop(
            NewWorkshop("my-101", "T", StudentRange(first=1, last=2)), schema.parent, schema
        )
