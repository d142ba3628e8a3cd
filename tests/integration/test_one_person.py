"""One person, one seat, through the real gateway: the variants of an address (case, `+tag`,
Gmail's dots) are the same person, and one domain takes at most its cap of a workshop. A refused
request writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import write_workshop
from tests.support.altcha import solved
from tests.support.orders import OrderLog
from tests.support.writes import snapshot
from wod.local.stack import LocalStack
from wod.settings import Settings


def person(workshop_id: str, email: str) -> dict[str, Any]:
    return {
        "workshop_id": workshop_id,
        "email": email,
        "first_name": "Grace",
        "last_name": "Hopper",
        "company": "Navy",
        "accept_terms": True,
    }


@pytest.fixture(scope="module")
def workshops(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("one-person")
    write_workshop(root, "one-person", 4001, 4005)
    write_workshop(root, "one-domain", 4101, 4115)
    local_stack.seed(root)
    return root


def register(local_stack: LocalStack, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        local_stack.api_url + "registrations", json=solved(local_stack.api_url, body), timeout=60
    )


def test_variants_of_one_address_get_the_one_seat_and_mail_goes_where_it_was_typed(
    local_stack: LocalStack, order_log: OrderLog, workshops: Path
) -> None:
    first = register(local_stack, person("one-person", "Grace.Hopper+first@Gmail.com"))
    assert first.status_code == 202, first.text
    (welcome,) = [m for m in local_stack.inbox(to="grace.hopper+first@gmail.com")]
    assert welcome["kind"] == "welcome"
    before = snapshot(local_stack, order_log)
    for variant in (
        "gracehopper@gmail.com",
        "GRACE.HOPPER@googlemail.com",
        "g.r.a.c.e.hopper+second@gmail.com",
    ):
        again = register(local_stack, person("one-person", variant))
        assert again.status_code == 202, again.text
        assert again.json()["registration_id"] == first.json()["registration_id"]
        assert not local_stack.inbox(to=variant)  # no mail to the variant: to the typed one
    after = snapshot(local_stack, order_log)
    assert (after.free_seats, after.registrations, after.orders, after.schedules) == (
        before.free_seats,
        before.registrations,
        before.orders,
        before.schedules,
    )


def test_one_domain_takes_at_most_its_cap_of_a_workshop_and_the_refusal_writes_nothing(
    local_stack: LocalStack, order_log: OrderLog, workshops: Path
) -> None:
    cap = Settings().domain_cap_per_workshop
    assert 0 < cap < 15  # the default; the workshop has more seats than that
    for n in range(cap):
        response = register(local_stack, person("one-domain", f"p{n}@catch-all.example"))
        assert response.status_code == 202, response.text
    before = snapshot(local_stack, order_log)
    refused = register(local_stack, person("one-domain", "one-more@catch-all.example"))
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "domain_full"
    assert set(refused.json()["fields"]) == {"email"}
    assert snapshot(local_stack, order_log) == before
    # Someone of another domain still gets a seat.
    other = register(local_stack, person("one-domain", "someone@elsewhere.example"))
    assert other.status_code == 202, other.text
