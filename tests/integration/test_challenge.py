"""The registration's proof of work through the real gateway: a challenge to fetch, a solution
checked before any write and accepted once; missing, wrong, expired or reused ones are 422
naming `altcha`, and such a refusal writes nothing."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.conftest import write_workshop
from tests.support.altcha import solution_for, solve
from tests.support.memory import MemoryLimits, MemoryTables
from tests.support.orders import OrderLog
from tests.support.writes import snapshot
from wod.local.stack import LocalStack
from wod.services.challenges import Challenges, challenge_key
from wod.settings import Settings


@pytest.fixture(scope="module")
def workshop(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("altcha")
    write_workshop(root, "altcha-ws", 4201, 4210)
    local_stack.seed(root)
    return "altcha-ws"


def person(email: str, **extra: Any) -> dict[str, Any]:
    return {
        "workshop_id": "altcha-ws",
        "email": email,
        "first_name": "Hedy",
        "last_name": "Lamarr",
        "company": "Inventions",
        "accept_terms": True,
        **extra,
    }


def post(local_stack: LocalStack, body: dict[str, Any]) -> requests.Response:
    return requests.post(local_stack.api_url + "registrations", json=body, timeout=30)


def test_a_challenge_is_signed_expiring_never_cached_and_as_configured(
    local_stack: LocalStack,
) -> None:
    response = requests.get(local_stack.api_url + "challenge", timeout=10)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    challenge = response.json()
    assert set(challenge) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert challenge["algorithm"] == "SHA-256"
    assert challenge["maxnumber"] == Settings().altcha_max_number == 2000  # the test stack's
    assert "?expires=" in challenge["salt"]
    assert requests.get(local_stack.api_url + "challenge", timeout=10).json() != challenge


def expired_solution() -> str:
    """A challenge issued half an hour ago by the API's own key, solved."""
    settings = Settings()
    past = Challenges(
        key=challenge_key(settings.token_key_bytes),
        once=MemoryLimits(MemoryTables()),
        clock=lambda: datetime.now(UTC) - timedelta(minutes=30),
        max_number=settings.altcha_max_number,
        lifetime_seconds=60,
    )
    return solution_for(asdict(past.issue()))


def wrong_number(solution: str) -> str:
    fields = json.loads(base64.b64decode(solution))
    return base64.b64encode(
        json.dumps({**fields, "number": fields["number"] + 1}).encode()
    ).decode()


@pytest.mark.parametrize("case", ["missing", "empty", "garbage", "wrong", "expired"])
def test_a_bad_proof_of_work_is_422_naming_altcha_and_writes_nothing(
    local_stack: LocalStack, order_log: OrderLog, workshop: str, case: str
) -> None:
    body = person(f"{case}@altcha.example")
    if case == "empty":
        body["altcha"] = ""
    elif case == "garbage":
        body["altcha"] = "bm90IGpzb24="  # base64 of "not json"
    elif case == "wrong":
        body["altcha"] = wrong_number(solve(local_stack.api_url))
    elif case == "expired":
        body["altcha"] = expired_solution()
    before = snapshot(local_stack, order_log)
    response = post(local_stack, body)
    assert response.status_code == 422, response.text
    assert set(response.json()["fields"]) == {"altcha"}
    if case in ("wrong", "expired", "garbage"):
        assert response.json()["error"] == "altcha_rejected"
    if case == "expired":
        assert "expired" in response.json()["message"]
    assert snapshot(local_stack, order_log) == before


def test_a_solution_is_accepted_once(
    local_stack: LocalStack, order_log: OrderLog, workshop: str
) -> None:
    solution = solve(local_stack.api_url)
    first = post(local_stack, person("once@altcha.example", altcha=solution))
    assert first.status_code == 202, first.text
    before = snapshot(local_stack, order_log)
    again = post(local_stack, person("twice@altcha.example", altcha=solution))
    assert again.status_code == 422 and again.json()["error"] == "altcha_rejected"
    assert "used already" in again.json()["message"]
    assert snapshot(local_stack, order_log) == before


def test_the_openapi_document_says_how_to_solve_it(local_stack: LocalStack, workshop: str) -> None:
    document = requests.get(local_stack.api_url + "openapi.json", timeout=10).json()
    challenge = document["paths"]["/api/challenge"]["get"]
    assert "SHA-256" in challenge["description"] and "base64" in challenge["description"]
    form = document["components"]["schemas"]["RegistrationForm"]
    assert "altcha" in form["required"]
    assert "/api/challenge" in form["properties"]["altcha"]["description"]
