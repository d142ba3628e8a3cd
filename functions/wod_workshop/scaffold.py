"""`wod-workshop new`: a new workshop directory that passes `validate` as it is.

Writes `workshop.yml` (with the student range it is given), `0-ReadMeFirst.ipynb`, one lab and
a conclusion with the survey link; the author then replaces the words, not the structure.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

from wod_contracts.catalog import WORKSHOP_FILE
from wod_contracts.workshop import StudentRange

from .layout import README

LAB = "1-First-Lab.ipynb"
CONCLUSION = "9-Conclusion.ipynb"

KERNELSPECS = {
    "python3": {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python", "file_extension": ".py", "pygments_lexer": "ipython3"},
    },
    "bash": {
        "kernelspec": {"display_name": "Bash", "language": "bash", "name": "bash"},
        "language_info": {"name": "bash", "file_extension": ".sh", "mimetype": "text/x-sh"},
    },
}

WORKSHOP_YML = """\
# yaml-language-server: $schema={schema}
# Every field is described in docs/workshop-authors.md; check with `wod-workshop validate {id}`.
id: {id}
title: {title}
summary: One sentence for the catalog card, up to 300 characters.
description: |
  What participants learn, for whom the workshop is, and what they should know already.
  Markdown is welcome here; this is the text of the workshop's page.
duration_minutes: 120
students: {{first: {first}, last: {last}}}  # allocated by `wod-workshop new`: free everywhere
on_end: cleanup
kernel: {kernel}
tags: [{kernel_tag}]
level: beginner
presenter: {{name: Your Name, role: Your role}}
visibility: {visibility}
active: true
backend: {backend}
notebooks:
  - file: {lab}
    title: A first lab
    covers: What this lab teaches, in one line.
# requirements: [\"numpy>=2,<3\"]   # pip packages for this workshop's python3 kernel
"""


@dataclass(frozen=True)
class NewWorkshop:
    workshop_id: str
    title: str
    students: StudentRange
    kernel: str = "python3"
    backend: str = "default"
    private: bool = False


def _code(kernel: str, python: str, bash: str) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = nbformat.v4.new_code_cell(python if kernel == "python3" else bash)
    return cell


def _notebook(kernel: str, cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    notebook: nbformat.NotebookNode = nbformat.v4.new_notebook()
    notebook.metadata.update(KERNELSPECS[kernel])
    notebook.cells = cells
    for number, cell in enumerate(cells):
        cell.id = f"cell-{number:02d}"  # stable ids: no diff noise when nothing changed
    return notebook


def readme(kernel: str) -> nbformat.NotebookNode:
    md = nbformat.v4.new_markdown_cell
    language = "Python 3" if kernel == "python3" else "Bash"
    return _notebook(
        kernel,
        [
            md(
                "# Welcome to {{ wod.workshop_title }}\n\n"
                "Hello **{{ wod.username }}**, and welcome to this workshop offered by "
                "**{{ wod.organization }}**.\n\nSay here what the participant will learn and "
                "what they should know already."
            ),
            md(
                "## How this works\n\nThis is a Jupyter notebook made of **cells**: Markdown "
                f"cells like this one explain, code cells run in the **{language}** kernel. "
                "Select a code cell and press **Shift + Enter** to run it.\n\n"
                "Your session has a fixed length, and everything in this account is wiped at "
                "its end: download what you want to keep."
            ),
            _code(kernel, 'print("Hello, {{ wod.username }}!")', 'echo "Hello, $(whoami)!"'),
            md(
                "## The labs\n\nOpen them in order from the file browser on the left:\n\n"
                f"1. [A first lab]({LAB})\n2. [Conclusion]({CONCLUSION})"
            ),
        ],
    )


def lab(kernel: str) -> nbformat.NotebookNode:
    md = nbformat.v4.new_markdown_cell
    return _notebook(
        kernel,
        [
            md("# A first lab\n\nExplain one idea, then let the participant try it."),
            _code(kernel, "total = sum(range(1, 11))\ntotal", "echo $(( $(seq -s + 1 10) ))"),
            md(
                "## Exercise\n\nAdd the numbers from 1 to 100. Write your answer in the empty "
                "cell, then compare it with the solution below."
            ),
            _code(kernel, "", ""),
            md("### Solution"),
            _code(kernel, "sum(range(1, 101))", "echo $(( $(seq -s + 1 100) ))"),
        ],
    )


def conclusion(kernel: str) -> nbformat.NotebookNode:
    md = nbformat.v4.new_markdown_cell
    return _notebook(
        kernel,
        [
            md(
                "# Congratulations!\n\nYou have finished **{{ wod.workshop_title }}**. "
                "Recap what was practised and where to go next.\n\n"
                "## Tell us what you think\n\n"
                "It takes two minutes: **[answer the survey]({{ wod.survey_url }})**."
            )
        ],
    )


def _schema_path(directory: Path, schema: Path) -> str:
    """The schema as editors should find it: relative inside the repository that holds it
    (`../workshop.schema.json`), absolute from anywhere else (a private checkout)."""
    repository = schema.parent.parent
    if directory.is_relative_to(repository):
        return Path(os.path.relpath(schema, directory)).as_posix()
    return schema.as_posix()


def write_workshop(new: NewWorkshop, parent: Path, schema: Path) -> list[Path]:
    """Create `parent/<id>/` with its files; refuses to touch an existing directory."""
    directory = parent / new.workshop_id
    if directory.exists():
        raise FileExistsError(f"{directory} already exists")
    directory.mkdir(parents=True)
    metadata = WORKSHOP_YML.format(
        schema=_schema_path(directory.resolve(), schema.resolve()),
        id=new.workshop_id,
        title=json.dumps(new.title, ensure_ascii=False),  # a JSON string is valid YAML
        first=new.students.first,
        last=new.students.last,
        kernel=new.kernel,
        kernel_tag="python" if new.kernel == "python3" else "shell",
        visibility="private" if new.private else "public",
        backend=new.backend,
        lab=LAB,
    )
    written = [directory / WORKSHOP_FILE]
    written[0].write_text(metadata, encoding="utf-8")
    for name, notebook in ((README, readme), (LAB, lab), (CONCLUSION, conclusion)):
        nbformat.write(notebook(new.kernel), str(directory / name))
        written.append(directory / name)
    return written
