"""Line numbers for fields of a YAML file, so an error can say `file:line: field: message`.

PyYAML's composer keeps each node's position; `line_of` walks a pydantic error location (a
tuple of keys and list indexes) down the node tree. Used by `catalog` for every problem it reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml


def compose(text: str) -> yaml.Node | None:
    """The node tree of a YAML document (None if it is empty or not valid YAML)."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def _child(node: yaml.Node, part: int | str) -> tuple[yaml.Node, yaml.Node] | None:
    """(key node or item node, value node) of one step down, or None if there is no such step."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item, item
    return None


def line_of(root: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """The 1-based line of the deepest part of `loc` found in the tree.

    A field that is present points at its value (or at its key, for an unknown key); a missing
    field points at the mapping that should hold it.
    """
    if root is None:
        return None
    node = root
    line = node.start_mark.line
    for part in loc:
        step = _child(node, part)
        if step is None:
            break
        key, node = step
        line = key.start_mark.line
    return line + 1


def locate(path: Path, loc: Sequence[int | str] = ()) -> str:
    """`path:line` for a field of a YAML file, or just `path` if the line cannot be found."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return str(path)
    line = line_of(compose(text), loc)
    return f"{path}:{line}" if line is not None else str(path)
