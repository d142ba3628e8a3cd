"""Seats under concurrency, over HTTP through the local gateway (a process per request, as
Lambda runs concurrent invocations) against the moto server."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.conftest import write_workshop
from tests.support.altcha import solved
from tests.support.orders import OrderLog
from tests.support.seats import audit
from wod.local.stack import LocalStack, free_port

CLIENTS = 64


def body(workshop_id: str, email: str) -> dict[str, object]:
    return {
        "workshop_id": workshop_id,
        "email": email,
        "first_name": "Grace",
        "last_name": "Hopper",
        "company": "Navy",
        "accept_terms": True,
    }


def register_all(api_url: str, bodies: list[dict[str, object]]) -> list[requests.Response]:
    with requests.Session() as session, ThreadPoolExecutor(CLIENTS) as pool:
        adapter = requests.adapters.HTTPAdapter(pool_connections=CLIENTS, pool_maxsize=CLIENTS)
        session.mount("http://", adapter)
        # Each solved beforehand, so that the registrations themselves arrive at once.
        ready = [solved(api_url, b, session) for b in bodies]
        return list(
            pool.map(lambda b: session.post(api_url + "registrations", json=b, timeout=60), ready)
        )


def fifty_seats(local_stack: LocalStack, tmp_path: Path, workshop_id: str) -> None:
    write_workshop(tmp_path, workshop_id, 1001, 1050)
    local_stack.seed(tmp_path)


def test_200_concurrent_registrations_for_50_seats_take_exactly_50(
    local_stack: LocalStack, order_log: OrderLog, tmp_path: Path
) -> None:
    # Given a 50-seat workshop
    fifty_seats(local_stack, tmp_path, "race-50")
    # When 200 participants (distinct emails) register at once
    responses = register_all(
        local_stack.api_url, [body("race-50", f"p{i}@race.example") for i in range(200)]
    )
    # Then exactly 50 are accepted and 150 told the workshop is full, none fails
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {202: 50, 409: 150}, statuses
    assert all(r.json()["error"] == "workshop_full" for r in responses if r.status_code == 409)
    # And the 50 hold 50 distinct students, and the pool agrees
    seats = audit("race-50")
    assert seats.violations() == []
    assert len(seats.holders) == 50 and seats.free == frozenset()
    accepted = {r.json()["registration_id"] for r in responses if r.status_code == 202}
    assert set(seats.holders) == accepted
    # And the API shows no seat left, and each accepted participant has exactly one order
    workshop = requests.get(local_stack.api_url + "workshops/race-50", timeout=10).json()
    assert workshop["seats_available"] == 0
    orders = order_log.for_workshop("race-50")
    assert Counter(o.order.registration_id for o in orders) == Counter(accepted)


def test_negative_control_check_then_act_claims_oversell(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    """The same load through a gateway whose claim has no condition (test-only handler) must
    break the invariants: proof that the test above can see a race."""
    fifty_seats(local_stack, tmp_path, "race-unsafe")
    unsafe = local_stack.start_gateway(
        name="unsafe-gateway",
        port=free_port(),
        handler="tests.support.unsafe_claims:handler",
    )
    try:
        responses = register_all(
            unsafe + "api/", [body("race-unsafe", f"u{i}@race.example") for i in range(200)]
        )
    finally:
        local_stack.stop_process("unsafe-gateway")
    assert not any(r.status_code >= 500 for r in responses)
    accepted = sum(r.status_code == 202 for r in responses)
    violations = audit("race-unsafe").violations()
    assert accepted > 50 or violations, (
        "the unguarded claim did not oversell: the race test is blind"
    )
    assert violations


def test_ten_identical_requests_take_one_seat_send_one_order_and_one_welcome(
    local_stack: LocalStack, order_log: OrderLog, tmp_path: Path
) -> None:
    write_workshop(tmp_path, "twins", 1101, 1110)
    local_stack.seed(tmp_path)
    email = "twin@race.example"
    responses = register_all(local_stack.api_url, [body("twins", email)] * 10)
    assert {r.status_code for r in responses} == {202}
    ids = {r.json()["registration_id"] for r in responses}
    assert len(ids) == 1
    seats = audit("twins")
    assert list(seats.holders) == list(ids) and seats.violations() == []
    assert len(order_log.for_workshop("twins")) == 1
    kinds = Counter(m["kind"] for m in local_stack.inbox(to=email))
    assert kinds["welcome"] == 1
    # The other nine are told once (not nine times) that they already hold a seat.
    assert kinds["already_registered"] <= 1
    assert sum(kinds.values()) == kinds["welcome"] + kinds["already_registered"]
