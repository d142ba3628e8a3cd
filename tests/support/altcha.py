"""Every test that registers solves the proof of work as a script would (`wod.local.proof`):
`solved(api_url, body)` is the body with a fresh solution in `altcha`."""

from __future__ import annotations

from typing import Any

import requests

from wod.local.proof import solution_for, solve

__all__ = ["solution_for", "solve", "solved"]


def solved(
    api_url: str, body: dict[str, Any], session: requests.Session | None = None
) -> dict[str, Any]:
    """The registration body with a fresh solution in `altcha`."""
    return {**body, "altcha": solve(api_url, session)}
