"""The `agent` extra declares every third-party package the agent's code imports."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
AGENT_CODE = [
    *sorted((REPO / "backend_agent/wod_agent").glob("*.py")),
    *sorted((REPO / "functions/wod_contracts").glob("*.py")),
]
# Loaded by JupyterHub, not by the agent: the `hub` extra brings jupyterhub (and traitlets).
HUB_ONLY = {"hub_auth.py", "hub_spawner.py"}
OWN = {"wod_agent", "wod_contracts"}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_agent_extra_declares_every_imported_distribution() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    agent_extra = project["optional-dependencies"]["agent"]
    declared = {normalize(re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0]) for req in agent_extra}
    providers = packages_distributions()
    imported = set()
    for path in AGENT_CODE:
        if path.name not in HUB_ONLY:
            imported |= top_level_imports(path)
    third_party = sorted(imported - OWN - set(sys.stdlib_module_names) - {"__future__"})
    assert "pydantic_settings" in third_party and "prometheus_client" in third_party
    missing = {
        module: providers.get(module, ["?"])
        for module in third_party
        if not any(normalize(dist) in declared for dist in providers.get(module, []))
    }
    assert missing == {}, f"imported but not in the agent extra: {missing}"
    # libpass replaces passlib (same import path): the abandoned passlib is no longer declared.
    assert "passlib" not in declared and "libpass" in declared
    assert providers["passlib"] == ["libpass"]
