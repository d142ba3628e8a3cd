"""The abuse limits through a real gateway of their own (its own limits table, low limits):
429 with `Retry-After` at the configured limit, and nothing written by the refused request.
The session's gateway raises the limits for the load tests; this one keeps them low."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import write_workshop
from tests.support.altcha import solved
from tests.support.orders import OrderLog
from tests.support.writes import snapshot
from wod.local import provision
from wod.local.stack import LocalStack, free_port
from wod.settings import Settings

LIMITS = {
    "WOD_LIMIT_SOURCE_PER_MINUTE": "0",  # day windows: no minute boundary to race
    "WOD_LIMIT_SOURCE_PER_DAY": "4",
    "WOD_LIMIT_PERSON_PER_HOUR": "0",
    "WOD_LIMIT_PERSON_PER_DAY": "2",
}


@pytest.fixture(scope="module")
def limited(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("limits")
    write_workshop(root, "limits-ws", 4301, 4320)
    local_stack.seed(root)
    table = f"wod-limits-{uuid.uuid4().hex[:8]}"  # counters of its own: a fresh day for it
    local_stack.settings()
    provision.create_tables(Settings(limits_table=table))
    url = local_stack.start_gateway(
        name="limited-gateway",
        port=free_port(),
        env={**LIMITS, "WOD_LIMITS_TABLE": table},
    )
    yield url + "api/"
    local_stack.stop_process("limited-gateway")


def person(email: str) -> dict[str, Any]:
    return {
        "workshop_id": "limits-ws",
        "email": email,
        "first_name": "Mary",
        "last_name": "Jackson",
        "company": "NACA",
        "accept_terms": True,
    }


def register(api: str, email: str) -> requests.Response:
    return requests.post(api + "registrations", json=solved(api, person(email)), timeout=30)


def assert_limited(response: requests.Response, scope_text: str) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "rate_limited"
    assert scope_text in response.json()["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 86_400


def test_a_person_then_a_source_reach_their_limits_and_the_429s_write_nothing(
    limited: str, local_stack: LocalStack, order_log: OrderLog, tmp_path: Path
) -> None:
    # A person: two attempts a day (a duplicate counts too), the third is refused.
    assert register(limited, "mary@limits.example").status_code == 202
    assert register(limited, "Mary+again@limits.example").status_code == 202
    before = snapshot(local_stack, order_log)
    assert_limited(register(limited, "mary@limits.example"), "this address")
    assert snapshot(local_stack, order_log) == before
    # The source: four attempts a day (the refused one above counted), the fifth is refused.
    assert register(limited, "dorothy@limits.example").status_code == 202
    before = snapshot(local_stack, order_log)
    assert_limited(register(limited, "katherine@limits.example"), "this network address")
    assert snapshot(local_stack, order_log) == before
    # The session's gateway (limits raised) still registers from the same address.
    response = requests.post(
        local_stack.api_url + "registrations",
        json=solved(local_stack.api_url, person("christine@limits.example")),
        timeout=30,
    )
    assert response.status_code == 202, response.text
