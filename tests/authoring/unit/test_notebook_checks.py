"""Static notebook checks of `wod-workshop validate`: placeholders, links, format (pure)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from wod_contracts.workshop import Workshop
from wod_workshop.layout import known_placeholders, render
from wod_workshop.notebook_checks import (
    check_format,
    check_links,
    check_notebooks,
    check_placeholders,
    link_problem,
)

NB = Path("w/1-Lab.ipynb")


def notebook(*cells: nbformat.NotebookNode, kernel: str = "python3") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": kernel}
    nb.cells = list(cells)
    return nb


def md(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source)


def code(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source)


def workshop(kernel: str = "python3") -> Workshop:
    return Workshop.model_validate(
        {
            "id": "w1",
            "title": "W",
            "summary": "s",
            "description": "d",
            "duration_minutes": 60,
            "students": {"first": 1, "last": 2},
            "presenter": {"name": "P"},
            "kernel": kernel,
        }
    )


# --- placeholders -----------------------------------------------------------------------------


def test_the_known_placeholders_are_exactly_those_the_agent_fills() -> None:
    assert set(known_placeholders()) == {
        "student",
        "username",
        "hub_url",
        "survey_url",
        "organization",
        "workshop_id",
        "workshop_title",
    }
    # and rendering uses the agent's own replacement
    assert (
        render("{{ wod.username }} of {{ wod.workshop_id }}", "py-1", "Py") == "student42 of py-1"
    )


def test_known_placeholders_in_markdown_and_in_python_strings_pass() -> None:
    nb = notebook(
        md("Hi {{ wod.username }}, see {{ wod.hub_url }}"), code('print("{{ wod.student }}")')
    )
    assert check_placeholders(NB, nb, "python3") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ wod.nickname }}", "cell 1: unknown placeholder {{ wod.nickname }} (known: hub_url"),
        ("{{wod.student}}", "cell 1: write {{ wod.student }}, not {{wod.student}}"),
        ("{{  wod.username }}", "cell 1: write {{ wod.username }}, not {{  wod.username }}"),
    ],
)
def test_unknown_or_misspelled_placeholders_are_named(source: str, expected: str) -> None:
    [problem] = check_placeholders(NB, notebook(md(source)), "python3")
    assert problem.startswith(f"{NB}: {expected}")


def test_a_placeholder_outside_a_python_string_is_refused() -> None:
    nb = notebook(code("x = 1\nprint({{ wod.student }})"))
    [problem] = check_placeholders(NB, nb, "python3")
    assert "cell 1: a placeholder outside a string literal" in problem


def test_ipython_magics_in_a_cell_with_placeholders_still_parse() -> None:
    nb = notebook(code('%time x = 1\n!echo hi\nprint("{{ wod.username }}")'))
    assert check_placeholders(NB, nb, "python3") == []


def test_placeholders_in_bash_code_are_refused() -> None:
    nb = notebook(code('echo "{{ wod.username }}"'), kernel="bash")
    [problem] = check_placeholders(NB, nb, "bash")
    assert "keep them in Markdown cells" in problem


# --- links --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://docs.python.org/3/tutorial/",
        "http://127.0.0.1:8000/hub/home",
        "mailto:team@example.org",
        "#exercises",
        "/hub/home",
        "data.csv",
        "2-Next%20Lab.ipynb#part-2",
    ],
)
def test_well_formed_links_pass(target: str, tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a\n")
    (tmp_path / "2-Next Lab.ipynb").write_text("{}")
    assert link_problem(target, tmp_path) is None


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("", "an empty link"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("ftp://files.example.org/x", "scheme 'ftp'"),
        ("http://", "empty host"),
        ("https://exa_mple.org/", "is not a valid name"),
        ("https://a..b/", "is not a valid name"),
        ("mailto:nobody", "not an email address"),
        ("missing.csv", "no such file in the workshop"),
    ],
)
def test_malformed_links_are_named(target: str, reason: str, tmp_path: Path) -> None:
    problem = link_problem(target, tmp_path)
    assert problem is not None and reason in problem


def test_links_are_read_from_markdown_after_filling_placeholders(tmp_path: Path) -> None:
    path = tmp_path / "1-Lab.ipynb"
    nb = notebook(
        md("[survey]({{ wod.survey_url }}) [hub](<{{ wod.hub_url }}>)"),
        md('<a href="javascript:void(0)">raw html</a> and ![chart](chart.svg)'),
        md("[the docs](https://example.org/a page) is broken"),
        code("# [not markdown](nowhere.txt)"),
    )
    problems = check_links(path, nb, workshop())
    assert problems == [
        f"{path}: cell 2: link 'javascript:void(0)': scheme 'javascript' "
        "(use http, https or mailto)",
        f"{path}: cell 2: link 'chart.svg': no such file in the workshop",
        f"{path}: cell 3: '[the docs](https://example.org/a page)' is not a link "
        "(a space in the URL?)",
    ]


def test_links_inside_code_spans_are_not_checked(tmp_path: Path) -> None:
    nb = notebook(md("Write `[text](url)` to make a link:\n\n```\n[x](missing.txt)\n```"))
    assert check_links(tmp_path / "x.ipynb", nb, workshop()) == []


# --- format -----------------------------------------------------------------------------------


def test_kernel_mismatch_and_stored_outputs_are_named() -> None:
    ran = code("1 + 1")
    ran.execution_count = 1
    ran.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    problems = check_format(NB, notebook(ran, kernel="bash"), "python3")
    assert problems == [
        f"{NB}: metadata.kernelspec.name is 'bash', the workshop's kernel is 'python3'",
        f"{NB}: cell 1: stored with outputs (clear them before committing)",
    ]


def test_a_missing_readme_and_an_unreadable_notebook_are_named(tmp_path: Path) -> None:
    (tmp_path / "1-Lab.ipynb").write_text("{not json", encoding="utf-8")
    problems = check_notebooks(tmp_path, workshop())
    assert problems[0] == (
        f"{tmp_path}: 0-ReadMeFirst.ipynb is missing (the student's Start link opens it)"
    )
    assert problems[1].startswith(f"{tmp_path / '1-Lab.ipynb'}: not a readable notebook")
    assert len(problems) == 2
