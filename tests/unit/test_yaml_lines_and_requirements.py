"""Catalog errors carry `file:line`, and workshop requirements are checked pip strings (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import write_workshop
from wod_contracts.catalog import CatalogError, load_catalog
from wod_contracts.requirements import parse_requirements
from wod_contracts.yaml_lines import compose, line_of, locate

DOC = """\
# a comment first
id: alpha
students:
  first: 1
  last: 0
presenter: {name: P, role: R}
notebooks:
  - file: 1-A.ipynb
    title: A
  - file: 2-B.ipynb
    title: B
tags: [x, y]
"""


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        (("id",), 2),
        (("students",), 3),
        (("students", "last"), 5),
        (("presenter", "role"), 6),  # a flow mapping: its keys share the line
        (("notebooks", 1, "title"), 11),
        (("notebooks", 1), 10),
        (("tags", 1), 12),
        (("missing",), 2),  # not there: the mapping that should hold it
        (("students", "nothing"), 3),
        ((), 2),
    ],
)
def test_line_of_a_field(loc: tuple[int | str, ...], line: int) -> None:
    assert line_of(compose(DOC), loc) == line


def test_no_line_for_invalid_yaml_and_just_the_path_then(tmp_path: Path) -> None:
    path = tmp_path / "workshop.yml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    assert compose(path.read_text()) is None
    assert locate(path, ("id",)) == str(path)


def test_schema_errors_name_file_line_and_field(tmp_path: Path) -> None:
    directory = tmp_path / "alpha"
    directory.mkdir()
    source = directory / "workshop.yml"
    data = {
        "id": "alpha",
        "title": "A",
        "summary": "s",
        "description": "d",
        "duration_minutes": "long",
        "students": {"first": 10, "last": 5},
        "presenter": {"name": "P"},
        "colour": "blue",
    }
    source.write_text("# header\n" + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog([tmp_path])
    assert caught.value.problems == [
        f"{source}:6: duration_minutes: Input should be a valid integer, unable to parse string "
        "as an integer",
        f"{source}:7: students: Value error, last (5) is below first (10)",
        f"{source}:12: colour: Extra inputs are not permitted",
    ]


def test_a_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    directory = tmp_path / "alpha"
    directory.mkdir()
    (directory / "workshop.yml").write_text("id: alpha\ntitle: [oops\nsummary: s\n")
    with pytest.raises(CatalogError, match=r"alpha/workshop\.yml:\d+: not valid YAML"):
        load_catalog([tmp_path])


def test_good_requirements_parse() -> None:
    parsed, problems = parse_requirements(
        ["numpy>=2,<3", "pandas[excel]==2.2.3", 'tomli; python_version < "3.11"', "cowsay"]
    )
    assert problems == []
    assert [r.name for r in parsed] == ["numpy", "pandas", "tomli", "cowsay"]


@pytest.mark.parametrize(
    ("requirement", "reason"),
    [
        ("-e .", "is not a pip requirement"),
        ("--index-url https://x", "is not a pip requirement"),
        ("numpy >=", "is not a pip requirement"),
        ("two words", "is not a pip requirement"),
        ("pkg @ https://example.org/pkg.whl", "points at a URL"),
    ],
)
def test_bad_requirements_are_named(requirement: str, reason: str) -> None:
    parsed, [problem] = parse_requirements([requirement])
    assert parsed == []
    assert problem.startswith(f"0: '{requirement}'") and reason in problem


def test_a_package_required_twice_is_named_whatever_its_spelling() -> None:
    _, [problem] = parse_requirements(["Pillow>=10", "pillow==11.0"])
    assert problem == "1: 'pillow' is already required at 0"


def test_the_catalog_reports_bad_requirements_with_their_line(tmp_path: Path) -> None:
    directory = write_workshop(tmp_path, "alpha", 1, 10, requirements=["numpy>=2", "-e ."])
    line = (directory / "workshop.yml").read_text().splitlines().index("- -e .") + 1
    with pytest.raises(CatalogError) as caught:
        load_catalog([tmp_path])
    [problem] = caught.value.problems
    assert problem.startswith(f"{directory / 'workshop.yml'}:{line}: requirements.1: '-e .'")


def test_requirements_need_a_python3_workshop(tmp_path: Path) -> None:
    write_workshop(tmp_path, "alpha", 1, 10, kernel="bash", requirements=["cowsay"])
    with pytest.raises(CatalogError, match="only a python3 workshop can have requirements"):
        load_catalog([tmp_path])
