"""The README's table of the public API lists every route the API serves (from its OpenAPI
document), so a new route cannot ship undocumented."""

from __future__ import annotations

import json
import re

from wod.api.app import create_app
from wod.settings import REPO_ROOT

METHODS = {"get", "post", "put", "patch", "delete"}
PARAMETER = re.compile(r"\{[^}]+\}")


def served_routes() -> set[str]:
    """`GET /api/workshops/{id}`, ...: every operation of the OpenAPI document, parameters named
    `{id}` as the README writes them."""
    document = json.loads(create_app().get_openapi_json_schema())
    return {
        f"{method.upper()} {PARAMETER.sub('{id}', path)}"
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def test_readme_lists_every_route() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    routes = served_routes()

    missing = sorted(route for route in routes if f"`{route}" not in readme)

    assert len(routes) >= 8
    assert not missing, f"README.md does not list {missing}"
