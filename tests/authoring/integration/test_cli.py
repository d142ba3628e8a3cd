"""`wod-workshop` as an author runs it: a subprocess on good and bad workshop directories.

Each test checks the exit code and the lines printed. The runs that execute notebooks (real
kernels, and a real pip install for a workshop with requirements) are marked slow.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from tests.conftest import write_workshop
from wod.seed import DEMO_WORKSHOPS
from wod.settings import REPO_ROOT
from wod_contracts.catalog import load_catalog
from wod_contracts.workshop import StudentRange

CLI = Path(sys.executable).parent / "wod-workshop"
PUBLIC = REPO_ROOT / "workshops"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def run(*args: str | Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "WOD_PRIVATE_WORKSHOPS"}
    env["XDG_CACHE_HOME"] = str(cache)
    return subprocess.run(
        [str(CLI), *map(str, args)], capture_output=True, text=True, env=env, timeout=600
    )


@pytest.fixture
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


def students_of(directory: Path) -> StudentRange:
    meta = yaml.safe_load((directory / "workshop.yml").read_text(encoding="utf-8"))
    return StudentRange.model_validate(meta["students"])


def known_ranges() -> list[StudentRange]:
    return [w.students for w in load_catalog([PUBLIC, DEMO_WORKSHOPS]).workshops]


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return result.stdout.splitlines()


# --- new --------------------------------------------------------------------------------------


def test_new_allocates_a_range_free_of_public_demo_private_and_sibling_workshops(
    tmp_path: Path, cache: Path
) -> None:
    # Given a private directory that already holds a workshop right after the public ones
    private, drafts = tmp_path / "private", tmp_path / "drafts"
    taken = max(r.last for r in known_ranges() if r.last < 900) + 1
    write_workshop(private, "secret-101", taken, taken + 9, visibility="private")

    # When an author scaffolds two workshops in another directory
    first = run("new", "draft-101", "--dir", drafts, "--private", private, cache=cache)
    second = run(
        "new", "draft-102", "--dir", drafts, "--seats", "5", "--private", private, cache=cache
    )

    # Then each gets a range that overlaps no known workshop, nor the one made before it
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    a, b = students_of(drafts / "draft-101"), students_of(drafts / "draft-102")
    assert (a.capacity, b.capacity) == (20, 5)
    used = [*known_ranges(), StudentRange(first=taken, last=taken + 9)]
    assert not any(a.overlaps(r) or b.overlaps(r) for r in used)
    assert not a.overlaps(b)
    assert f"students {a.first}..{a.last}" in first.stdout
    assert sorted(p.name for p in (drafts / "draft-101").iterdir()) == [
        "0-ReadMeFirst.ipynb",
        "1-First-Lab.ipynb",
        "9-Conclusion.ipynb",
        "workshop.yml",
    ]
    # an out-of-repository directory points editors at the schema by its absolute path
    header = (drafts / "draft-101" / "workshop.yml").read_text().splitlines()[0]
    assert header == f"# yaml-language-server: $schema={PUBLIC / 'workshop.schema.json'}"


def test_new_refuses_a_bad_id_a_taken_id_and_an_existing_directory(
    tmp_path: Path, cache: Path
) -> None:
    bad = run("new", "no spaces!", "--dir", tmp_path, cache=cache)
    assert bad.returncode == 2 and "is not a workshop id" in bad.stderr
    taken = run("new", "python-101", "--dir", tmp_path, cache=cache)
    assert taken.returncode == 1 and "a workshop 'python-101' already exists" in taken.stderr
    (tmp_path / "mine-101").mkdir()
    exists = run("new", "mine-101", "--dir", tmp_path, cache=cache)
    assert exists.returncode == 1 and "already exists" in exists.stderr


@pytest.mark.slow
def test_scaffolded_workshops_pass_validation_with_their_notebooks_run(
    tmp_path: Path, cache: Path
) -> None:
    # Given a python3 and a bash workshop just scaffolded
    for workshop_id, kernel in (("py-draft", "python3"), ("sh-draft", "bash")):
        made = run("new", workshop_id, "--dir", tmp_path, "--kernel", kernel, cache=cache)
        assert made.returncode == 0, made.stderr

    # When the author validates the directory that holds them
    result = run("validate", tmp_path, cache=cache)

    # Then there is nothing to fix and every notebook ran
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "ok: py-draft, sh-draft, 6 notebooks ran" in result.stderr


# --- validate -----------------------------------------------------------------------------------


def make_bad_workshop(root: Path) -> Path:
    """Valid YAML and schema, but a range taken by python-101 and problems in its notebook."""
    directory = write_workshop(
        root, "bad-101", 15, 20, notebooks=[{"file": "1-Lab.ipynb", "title": "Lab"}]
    )
    readme = nbformat.v4.new_notebook()
    readme.metadata["kernelspec"] = KERNELSPEC
    readme.cells = [nbformat.v4.new_markdown_cell("# Hello {{wod.username}}")]
    nbformat.write(readme, str(directory / "0-ReadMeFirst.ipynb"))
    lab = nbformat.v4.new_notebook()
    lab.metadata["kernelspec"] = KERNELSPEC
    lab.cells = [
        nbformat.v4.new_markdown_cell("See [the data](data.csv) and {{ wod.nickname }}."),
        nbformat.v4.new_code_cell("print('{{ wod.username }}')"),
        nbformat.v4.new_code_cell("1 / 0"),
    ]
    nbformat.write(lab, str(directory / "1-Lab.ipynb"))
    return directory


def test_validate_reports_each_problem_on_one_line_and_exits_1(tmp_path: Path, cache: Path) -> None:
    directory = make_bad_workshop(tmp_path)
    source = directory / "workshop.yml"
    students_line = source.read_text().splitlines().index("students:") + 1

    result = run("validate", "--no-execute", directory, cache=cache)

    assert result.returncode == 1
    assert lines(result) == [
        f"{source}:{students_line}: students: ranges 15..20 and 1..20 overlap on backend "
        f"'default' (the other is {PUBLIC / 'python-101' / 'workshop.yml'}:15)",
        f"{directory / '0-ReadMeFirst.ipynb'}: cell 1: write {{{{ wod.username }}}}, not "
        "{{wod.username}} (the agent replaces that exact spelling only)",
        f"{directory / '1-Lab.ipynb'}: cell 1: unknown placeholder {{{{ wod.nickname }}}} "
        "(known: hub_url, organization, student, survey_url, username, workshop_id, "
        "workshop_title)",
        f"{directory / '1-Lab.ipynb'}: cell 1: link 'data.csv': no such file in the workshop",
    ]
    assert "4 problem(s); workshops checked: bad-101" in result.stderr


@pytest.mark.slow
def test_validate_runs_the_notebooks_and_names_the_failing_cell(
    tmp_path: Path, cache: Path
) -> None:
    directory = make_bad_workshop(tmp_path)
    result = run("validate", directory, cache=cache)
    assert result.returncode == 1
    assert f"{directory / '1-Lab.ipynb'}: cell 3: ZeroDivisionError: division by zero" in lines(
        result
    )
    assert "2 notebooks ran" in result.stderr


def test_schema_errors_carry_the_file_and_line(tmp_path: Path, cache: Path) -> None:
    directory = tmp_path / "typo-101"
    directory.mkdir()
    source = directory / "workshop.yml"
    source.write_text(
        "# yaml-language-server: $schema=../workshop.schema.json\n"
        "id: typo-101\n"
        "title: Typo\n"
        "summary: s\n"
        "description: d\n"
        "duration_minutes: 60\n"
        "students: {first: 5001, last: 5010}\n"
        "presenter: {name: P}\n"
        "level: expert\n"
        "colour: blue\n",
        encoding="utf-8",
    )
    result = run("validate", "--no-execute", directory, cache=cache)
    assert result.returncode == 1
    assert lines(result) == [
        f"{source}:9: level: Input should be 'beginner', 'intermediate' or 'advanced'",
        f"{source}:10: colour: Extra inputs are not permitted",
    ]


def test_a_root_of_private_workshops_is_checked_against_itself_and_the_public_catalog(
    tmp_path: Path, cache: Path
) -> None:
    # Given a private root whose two workshops overlap each other, one also a demo workshop
    first = write_workshop(tmp_path, "alpha", 5001, 5010, visibility="private")
    second = write_workshop(tmp_path, "beta", 5005, 5015, visibility="private")
    demo = write_workshop(tmp_path, "gamma", 905, 906, visibility="private")
    for directory in (first, second, demo):
        nbformat.write(
            nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC}),
            str(directory / "0-ReadMeFirst.ipynb"),
        )

    result = run("validate", "--no-execute", tmp_path, cache=cache)

    assert result.returncode == 1
    found = lines(result)
    assert len(found) == 2, found
    assert re.match(
        rf"{first}/workshop\.yml:\d+: students: ranges 5001\.\.5010 and 5005\.\.5015 ", found[0]
    )
    assert str(DEMO_WORKSHOPS / "quick-tour" / "workshop.yml") in found[1]


def test_validate_of_the_public_catalog_passes(cache: Path) -> None:
    result = run("validate", "--no-execute", PUBLIC, DEMO_WORKSHOPS, cache=cache)
    assert result.returncode == 0, result.stdout
    assert result.stderr.startswith("ok: dataviz-101, ")


def test_directories_without_workshops_and_usage_errors(tmp_path: Path, cache: Path) -> None:
    empty = run("validate", tmp_path, tmp_path / "nope", cache=cache)
    assert empty.returncode == 1
    assert lines(empty) == [
        f"{tmp_path}: no workshop.yml here or in its sub-directories",
        f"{tmp_path / 'nope'}: no such directory",
    ]
    usage = run("validate", cache=cache)
    assert usage.returncode == 2 and "required: DIR" in usage.stderr
    typo = run("validate", "--private", tmp_path / "privat", PUBLIC, cache=cache)
    assert typo.returncode == 2
    assert typo.stderr.strip() == f"--private {tmp_path / 'privat'}: no such directory"


@pytest.mark.slow
def test_requirements_are_installed_for_the_run_and_bad_ones_are_named(
    tmp_path: Path, cache: Path
) -> None:
    # Given a workshop whose notebook imports its requirement, and one with a bad requirement
    good = write_workshop(tmp_path, "cows-101", 5101, 5102, requirements=["cowsay==6.1"])
    readme = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    readme.cells = [nbformat.v4.new_code_cell("import cowsay\ncowsay.cow('{{ wod.username }}')")]
    nbformat.write(readme, str(good / "0-ReadMeFirst.ipynb"))
    bad = write_workshop(tmp_path, "cows-102", 5103, 5104, requirements=["cowsay @ file:///x"])
    nbformat.write(readme, str(bad / "0-ReadMeFirst.ipynb"))

    result = run("validate", tmp_path, cache=cache)

    # Then the good one ran in its environment (built in the cache) and the bad one is named
    assert result.returncode == 1
    [problem] = lines(result)
    assert re.match(r".*cows-102/workshop\.yml:\d+: requirements\.0: .* points at a URL", problem)
    assert "1 notebooks ran" in result.stderr
    assert [p.name.split("-")[:2] for p in (cache / "wod-workshop" / "kernels").iterdir()
            if p.is_dir()] == [["cows", "101"]]  # fmt: skip


# --- schema -------------------------------------------------------------------------------------


def test_make_schema_writes_the_committed_schema_and_check_spots_a_stale_one(
    tmp_path: Path, cache: Path
) -> None:
    # The recipe of `make schema`, with its target redirected to a scratch file
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    [recipe] = re.findall(r"^schema: venv\n\t(.+)$", makefile, flags=re.MULTILINE)
    committed = PUBLIC / "workshop.schema.json"
    assert recipe == "$(BIN)/wod-workshop schema workshops/workshop.schema.json"
    out = tmp_path / "schema.json"
    wrote = run("schema", out, cache=cache)
    assert wrote.returncode == 0
    assert out.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")
    assert json.loads(out.read_text())["properties"]["requirements"]["type"] == "array"

    assert run("schema", "--check", committed, cache=cache).returncode == 0
    out.write_text(out.read_text().replace('"requirements"', '"requirement"'), encoding="utf-8")
    stale = run("schema", "--check", out, cache=cache)
    assert stale.returncode == 1 and "run `make schema`" in stale.stderr
