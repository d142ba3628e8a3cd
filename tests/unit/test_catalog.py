"""Loading workshop metadata: errors name the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write_workshop
from wod.settings import REPO_ROOT
from wod_contracts.catalog import CatalogError, load_catalog
from wod_contracts.workshop import json_schema, json_schema_text


def test_two_valid_workshops_load(tmp_path: Path) -> None:
    write_workshop(tmp_path, "alpha", 1, 10)
    write_workshop(tmp_path, "beta", 11, 20, on_end="reset", kernel="bash")
    catalog = load_catalog([tmp_path])
    assert [w.id for w in catalog.workshops] == ["alpha", "beta"]
    assert catalog.get("alpha").workshop.capacity == 10


def test_a_bad_field_is_named_with_its_file(tmp_path: Path) -> None:
    directory = write_workshop(tmp_path, "alpha", 10, 5, duration_minutes="long")
    with pytest.raises(CatalogError) as caught:
        load_catalog([tmp_path])
    text = str(caught.value)
    lines = (directory / "workshop.yml").read_text().splitlines()
    duration = next(i for i, line in enumerate(lines, 1) if line.startswith("duration_minutes:"))
    students = lines.index("students:") + 1
    assert f"{directory / 'workshop.yml'}:{duration}: duration_minutes:" in text
    assert f"{directory / 'workshop.yml'}:{students}: students:" in text


def test_unknown_fields_are_errors(tmp_path: Path) -> None:
    write_workshop(tmp_path, "alpha", 1, 5, capacity=10)
    with pytest.raises(CatalogError, match="capacity: Extra inputs are not permitted"):
        load_catalog([tmp_path])


def test_overlapping_ranges_on_one_backend_name_both_files(tmp_path: Path) -> None:
    a = write_workshop(tmp_path, "alpha", 1, 10)
    b = write_workshop(tmp_path, "beta", 10, 20)
    with pytest.raises(CatalogError) as caught:
        load_catalog([tmp_path])
    (problem,) = caught.value.problems
    assert str(a / "workshop.yml") in problem and str(b / "workshop.yml") in problem
    assert "overlap" in problem


def test_the_same_range_on_two_backends_is_fine(tmp_path: Path) -> None:
    write_workshop(tmp_path, "alpha", 1, 10, backend="east")
    write_workshop(tmp_path, "beta", 1, 10, backend="west")
    assert len(load_catalog([tmp_path])) == 2


def test_private_roots_merge_and_duplicate_ids_are_refused(tmp_path: Path) -> None:
    public, private = tmp_path / "public", tmp_path / "private"
    write_workshop(public, "alpha", 1, 10)
    write_workshop(private, "secret", 11, 20, visibility="private")
    assert {w.id for w in load_catalog([public, private]).workshops} == {"alpha", "secret"}
    write_workshop(private, "alpha", 21, 30)
    with pytest.raises(CatalogError, match="is also in"):
        load_catalog([public, private])


def test_the_id_must_match_its_directory(tmp_path: Path) -> None:
    directory = write_workshop(tmp_path, "alpha", 1, 10)
    directory.rename(tmp_path / "renamed")
    with pytest.raises(CatalogError, match="differs from its directory"):
        load_catalog([tmp_path])


def test_a_listed_notebook_must_exist(tmp_path: Path) -> None:
    write_workshop(tmp_path, "alpha", 1, 10, notebooks=[{"file": "1-Lab.ipynb", "title": "Lab"}])
    with pytest.raises(CatalogError, match=r"notebooks\.0\.file: 1-Lab.ipynb is missing"):
        load_catalog([tmp_path])


def test_the_reminder_must_fall_inside_the_session(tmp_path: Path) -> None:
    write_workshop(tmp_path, "alpha", 1, 10, duration_minutes=30, reminder_minutes_before_end=30)
    with pytest.raises(CatalogError, match="reminder_minutes_before_end"):
        load_catalog([tmp_path])


def test_the_published_json_schema_is_up_to_date() -> None:
    published = (REPO_ROOT / "workshops" / "workshop.schema.json").read_text(encoding="utf-8")
    assert json.loads(published) == json_schema(), "the schema is stale: run `make schema`"
    assert published == json_schema_text(), "the schema is not as written: run `make schema`"
