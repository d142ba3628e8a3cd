"""Static checks of a workshop's notebooks: format, kernel, stored outputs, placeholders, links.

Pure file work (no kernel, no network), called by `validate`; one `file: cell N: …` line per
problem. The sample catalog's tests call the same functions.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import idna
import mistune
import nbformat
from IPython.core.inputtransformer2 import TransformerManager
from pydantic import HttpUrl, TypeAdapter, ValidationError

from wod_contracts.workshop import Workshop

from .layout import PLACEHOLDER, README, canonical, known_placeholders, notebooks_of, render

LINK_SCHEMES = {"http", "https", "mailto"}
# Markdown that did not become a link: `[text](url with a space)` stays as text.
BROKEN_LINK = re.compile(r"\[[^\]\n]+\]\([^)\n]*\)")
_http_url: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, list[str]]:
    """The notebook, validated against nbformat 4, or the reason it cannot be used."""
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises JSON, validation and reader errors alike
        return None, [f"{path}: not a readable notebook: {str(exc).splitlines()[0]}"]
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        return None, [f"{path}: not a valid nbformat 4 notebook: {exc.message}"]
    return notebook, []


def check_format(path: Path, notebook: nbformat.NotebookNode, kernel: str) -> list[str]:
    """The kernelspec matches the workshop's kernel, and no outputs are stored."""
    problems = []
    name = notebook.metadata.get("kernelspec", {}).get("name")
    if name != kernel:
        problems.append(
            f"{path}: metadata.kernelspec.name is {name!r}, the workshop's kernel is {kernel!r}"
        )
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            problems.append(
                f"{path}: cell {number}: stored with outputs (clear them before committing)"
            )
    return problems


def check_placeholders(path: Path, notebook: nbformat.NotebookNode, kernel: str) -> list[str]:
    """Only placeholders the agent fills, spelled as it expects; in Python code only inside
    string literals, so the notebook also runs untemplated."""
    known = known_placeholders()
    transform = TransformerManager().transform_cell
    problems = []
    for number, cell in enumerate(notebook.cells, start=1):
        where = f"{path}: cell {number}"
        found = list(PLACEHOLDER.finditer(cell.source))
        for match in found:
            name = match.group(1)
            if name not in known:
                problems.append(
                    f"{where}: unknown placeholder {match.group(0)} "
                    f"(known: {', '.join(sorted(known))})"
                )
            elif match.group(0) != canonical(name):
                problems.append(
                    f"{where}: write {canonical(name)}, not {match.group(0)} "
                    "(the agent replaces that exact spelling only)"
                )
        if cell.cell_type != "code" or not found:
            continue
        if kernel != "python3":
            problems.append(f"{where}: placeholders in {kernel} code; keep them in Markdown cells")
            continue
        try:
            tree = ast.parse(transform(cell.source))
        except SyntaxError as exc:
            problems.append(f"{where}: not valid Python: {exc.msg} (line {exc.lineno})")
            continue
        strings = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        ]
        inside = sum(len(PLACEHOLDER.findall(s)) for s in strings)
        if inside != len(found):
            problems.append(
                f"{where}: a placeholder outside a string literal (the untemplated "
                "notebook would not run)"
            )
    return problems


class _Links(HTMLParser):
    """Collects link targets and the visible text of rendered Markdown (code excluded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []
        self.text: list[str] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if (tag, name) in {("a", "href"), ("img", "src")}:
                self.targets.append(value or "")
        if tag in ("code", "pre"):
            self._code += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre") and self._code:
            self._code -= 1

    def handle_data(self, data: str) -> None:
        if not self._code:
            self.text.append(data)


def link_problem(target: str, directory: Path) -> str | None:
    """Why a link target is malformed (None if it is fine). Nothing is fetched."""
    if not target.strip():
        return "an empty link"
    if target.startswith("#"):
        return None
    parts = urlsplit(target)
    if parts.scheme:
        if parts.scheme not in LINK_SCHEMES:
            return f"link {target!r}: scheme {parts.scheme!r} (use http, https or mailto)"
        if parts.scheme == "mailto":
            return None if "@" in parts.path else f"link {target!r}: not an email address"
        try:
            _http_url.validate_python(target)
        except ValidationError as exc:
            return f"link {target!r}: {exc.errors()[0]['msg']}"
        if any(c.isspace() for c in target):
            return f"link {target!r}: contains white space"
        try:  # HttpUrl is lenient with host names; IDNA's rules are not
            idna.encode(parts.hostname or "", uts46=True, std3_rules=True)
        except idna.IDNAError as exc:
            return f"link {target!r}: host {parts.hostname!r} is not a valid name ({exc})"
        return None
    if target.startswith("/"):
        return None  # a path on the hub (e.g. /hub/...), resolved by the browser
    relative = unquote(parts.path)
    if relative and not (directory / relative).exists():
        return f"link {target!r}: no such file in the workshop"
    return None


def check_links(path: Path, notebook: nbformat.NotebookNode, workshop: Workshop) -> list[str]:
    """Links of Markdown cells, with the placeholders filled in as the agent would."""
    # Harmful schemes kept as written, so that a `javascript:` link is reported, not rewritten.
    renderer = mistune.HTMLRenderer(escape=False, allow_harmful_protocols=True)
    markdown = mistune.create_markdown(renderer=renderer)
    problems = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "markdown":
            continue
        parser = _Links()
        parser.feed(str(markdown(render(cell.source, workshop.id, workshop.title))))
        for target in parser.targets:
            problem = link_problem(target, path.parent)
            if problem:
                problems.append(f"{path}: cell {number}: {problem}")
        for broken in BROKEN_LINK.findall("".join(parser.text)):
            problems.append(
                f"{path}: cell {number}: {broken!r} is not a link (a space in the URL?)"
            )
    return problems


def check_notebooks(directory: Path, workshop: Workshop) -> list[str]:
    """Every static check of every notebook of one workshop directory."""
    problems = []
    if not (directory / README).is_file():
        problems.append(f"{directory}: {README} is missing (the student's Start link opens it)")
    for path in notebooks_of(directory):
        notebook, unreadable = read_notebook(path)
        if notebook is None:
            problems.extend(unreadable)
            continue
        problems.extend(check_format(path, notebook, workshop.kernel))
        problems.extend(check_placeholders(path, notebook, workshop.kernel))
        problems.extend(check_links(path, notebook, workshop))
    return problems
