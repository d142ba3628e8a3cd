"""Solving the registration's proof of work as any script would (`GET /api/challenge`, then the
ALTCHA v1 solution for the field `altcha`): used by the tests' helpers and the benches."""

from __future__ import annotations

import base64
import json
from typing import Any

import requests
from altcha.v1 import solve_challenge


def solution_for(challenge: dict[str, Any]) -> str:
    """The `altcha` field for a challenge as `GET /api/challenge` answers it."""
    solved = solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxnumber"]
    )
    if solved is None:
        raise ValueError(f"no number up to maxnumber solves {challenge}")
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solved.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def solve(api_url: str, session: requests.Session | None = None) -> str:
    """Fetch a new challenge from the API at `api_url` (…/api/) and solve it."""
    response = (session or requests).get(api_url + "challenge", timeout=30)
    response.raise_for_status()
    return solution_for(response.json())
