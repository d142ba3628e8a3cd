"""Every test that registers solves the proof of work as a script would (`wod.local.proof`):
`solved(api_url, body)` is the body with a fresh solution in `altcha`; `post_registration` sends
one."""

from __future__ import annotations

from typing import Any

import requests

from wod.local.proof import solution_for, solve

__all__ = ["post_registration", "solution_for", "solve", "solved"]


def solved(
    api_url: str, body: dict[str, Any], session: requests.Session | None = None
) -> dict[str, Any]:
    """The registration body with a fresh solution in `altcha`."""
    return {**body, "altcha": solve(api_url, session)}


def post_registration(
    api_url: str, workshop_id: str, email: str, **fields: Any
) -> requests.Response:
    """`POST …/registrations` of one person, as the site's form sends it (proof of work solved).
    `fields` overrides the names, company or adds optional fields."""
    body = {
        "workshop_id": workshop_id,
        "email": email,
        "first_name": "Hedy",
        "last_name": "Lamarr",
        "company": "Inventors",
        "accept_terms": True,
        **fields,
    }
    return requests.post(api_url + "registrations", json=solved(api_url, body), timeout=30)
