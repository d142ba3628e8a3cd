"""Reads `template.yaml` (CloudFormation tags and all) for the local stack and the drift tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from wod.settings import REPO_ROOT

TEMPLATE = REPO_ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Keeps `!Ref X` as {"Ref": X}, `!GetAtt A.B` as {"Fn::GetAtt": ...}, and so on."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 (SafeLoader subclass)
    return data


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


GRANTS = REPO_ROOT / "infra" / "grants.yml"


def expected_grants(path: Path = GRANTS) -> dict[str, dict[str, set[str]]]:
    """What each function's role must grant, by resource (infra/grants.yml)."""
    data: dict[str, dict[str, list[str]]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        function: {resource: set(actions) for resource, actions in grants.items()}
        for function, grants in data.items()
    }
