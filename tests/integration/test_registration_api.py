"""The public API over HTTP: catalog, registering, status, ending early, order routing."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.conftest import OTHER_BACKEND, write_workshop
from tests.support.orders import OrderLog
from tests.support.seats import audit
from wod.local.stack import LocalStack
from wod_contracts.orders import OrderVerb


def person(workshop_id: str, email: str, **changes: object) -> dict[str, object]:
    return {
        "workshop_id": workshop_id,
        "email": email,
        "first_name": "Katherine",
        "last_name": "Johnson",
        "company": "NASA",
        "accept_terms": True,
        **changes,
    }


@pytest.fixture(scope="module")
def workshops(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("api-workshops")
    write_workshop(root, "api-main", 2001, 2005)
    write_workshop(root, "api-tiny", 2011, 2011)
    write_workshop(root, "api-private", 2021, 2022, visibility="private")
    write_workshop(root, "api-inactive", 2031, 2032, active=False)
    write_workshop(root, "api-other", 1, 3, backend=OTHER_BACKEND, on_end="reset")
    local_stack.seed(root)
    return root


def status_link(local_stack: LocalStack, email: str) -> tuple[str, str]:
    (welcome,) = [m for m in local_stack.inbox(to=email) if m["kind"] == "welcome"]
    query = parse_qs(urlparse(next(w for w in welcome["text"].split() if "/status/?" in w)).query)
    return query["id"][0], query["token"][0]


def test_the_catalog_lists_active_public_workshops_with_live_seats(
    local_stack: LocalStack, workshops: Path
) -> None:
    listed = requests.get(local_stack.api_url + "workshops", timeout=10).json()
    ids = {w["id"] for w in listed}
    assert {"api-main", "api-tiny", "python-101"} <= ids
    assert not {"api-private", "api-inactive"} & ids
    main = next(w for w in listed if w["id"] == "api-main")
    assert main["seats_total"] == 5 and 0 <= main["seats_available"] <= 5
    assert set(main) >= {"title", "summary", "duration_minutes", "level", "kernel", "tags"}


def test_one_workshop_private_ones_by_link_unknown_ones_404(
    local_stack: LocalStack, workshops: Path
) -> None:
    private = requests.get(local_stack.api_url + "workshops/api-private", timeout=10)
    assert private.status_code == 200 and private.json()["visibility"] == "private"
    missing = requests.get(local_stack.api_url + "workshops/nope-404", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"] == "workshop_not_found"


def test_registering_takes_a_seat_mails_welcome_and_queues_a_create_order(
    local_stack: LocalStack, order_log: OrderLog, workshops: Path
) -> None:
    before = requests.get(local_stack.api_url + "workshops/api-main", timeout=10).json()
    response = requests.post(
        local_stack.api_url + "registrations", json=person("api-main", "kj@api.example"), timeout=30
    )
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "deploying" and accepted["workshop_id"] == "api-main"
    assert "token" not in response.text
    after = requests.get(local_stack.api_url + "workshops/api-main", timeout=10).json()
    assert after["seats_available"] == before["seats_available"] - 1

    (order,) = order_log.for_registration(accepted["registration_id"])
    assert order.order.verb is OrderVerb.CREATE and order.order.backend == "default"
    assert 2001 <= order.order.student <= 2005
    assert order.group_id == order.order.seat and order.dedup_id == order.order.order_id
    assert "password" not in order.body

    registration_id, token = status_link(local_stack, "kj@api.example")
    assert registration_id == accepted["registration_id"]
    status = requests.get(
        f"{local_stack.api_url}registrations/{registration_id}", params={"token": token}, timeout=10
    )
    assert status.status_code == 200
    assert status.json()["status"] == "deploying" and status.json()["start_url"] is None


def test_a_wrong_or_missing_token_is_a_plain_404(local_stack: LocalStack, workshops: Path) -> None:
    response = requests.post(
        local_stack.api_url + "registrations",
        json=person("api-main", "tok@api.example"),
        timeout=30,
    )
    registration_id = response.json()["registration_id"]
    for params in ({"token": "x" * 43}, {}):
        wrong = requests.get(
            f"{local_stack.api_url}registrations/{registration_id}", params=params, timeout=10
        )
        unknown = requests.get(
            f"{local_stack.api_url}registrations/{'0' * 32}", params=params, timeout=10
        )
        assert wrong.status_code == unknown.status_code == 404
        assert wrong.json() == unknown.json()


def test_ending_early_queues_a_cleanup_and_keeps_the_seat_until_it_is_done(
    local_stack: LocalStack, order_log: OrderLog, workshops: Path
) -> None:
    email = "early@api.example"
    requests.post(local_stack.api_url + "registrations", json=person("api-main", email), timeout=30)
    registration_id, token = status_link(local_stack, email)
    url = f"{local_stack.api_url}registrations/{registration_id}"
    ended = requests.delete(url, params={"token": token}, timeout=30)
    assert ended.status_code == 202 and ended.json()["status"] == "ending"
    verbs = [o.order.verb for o in order_log.for_registration(registration_id)]
    assert verbs == [OrderVerb.CREATE, OrderVerb.CLEANUP]
    # The seat stays held until the agent reports the cleanup (no seat is handed out dirty).
    assert registration_id in audit("api-main").holders
    again = requests.delete(url, params={"token": token}, timeout=30)
    assert again.status_code == 202 and again.json()["status"] == "ending"
    assert len(order_log.for_registration(registration_id)) == 2
    assert requests.delete(url, params={"token": "bad" * 15}, timeout=10).status_code == 404


def test_a_full_workshop_is_409_but_its_holder_still_gets_202(
    local_stack: LocalStack, workshops: Path
) -> None:
    first = requests.post(
        local_stack.api_url + "registrations",
        json=person("api-tiny", "one@api.example"),
        timeout=30,
    )
    assert first.status_code == 202
    full = requests.post(
        local_stack.api_url + "registrations",
        json=person("api-tiny", "two@api.example"),
        timeout=30,
    )
    assert full.status_code == 409 and full.json()["error"] == "workshop_full"
    again = requests.post(
        local_stack.api_url + "registrations",
        json=person("api-tiny", "ONE@api.example"),
        timeout=30,
    )
    assert again.status_code == 202
    assert again.json()["registration_id"] == first.json()["registration_id"]


def test_inactive_and_unknown_workshops_are_404(local_stack: LocalStack, workshops: Path) -> None:
    for workshop_id in ("api-inactive", "nope-404"):
        response = requests.post(
            local_stack.api_url + "registrations",
            json=person(workshop_id, "x@api.example"),
            timeout=30,
        )
        assert response.status_code == 404 and response.json()["error"] == "workshop_not_found"


def test_orders_go_to_the_queue_of_the_workshops_backend(
    local_stack: LocalStack, order_log: OrderLog, workshops: Path
) -> None:
    response = requests.post(
        local_stack.api_url + "registrations",
        json=person("api-other", "far@api.example"),
        timeout=30,
    )
    (order,) = order_log.for_registration(response.json()["registration_id"])
    assert order.queue == OTHER_BACKEND and order.order.backend == OTHER_BACKEND


def test_the_openapi_document_is_published(local_stack: LocalStack) -> None:
    document = requests.get(local_stack.api_url + "docs", params={"format": "json"}, timeout=10)
    assert document.status_code == 200
    paths = document.json()["paths"]
    assert {"/api/workshops", "/api/workshops/{workshop_id}", "/api/registrations"} <= set(paths)


def test_a_unicode_domain_registers_and_its_mail_goes_out_as_punycode(
    local_stack: LocalStack, workshops: Path
) -> None:
    response = requests.post(
        local_stack.api_url + "registrations",
        json=person("api-main", "Grace@Bücher-idn.example"),
        timeout=30,
    )
    assert response.status_code == 202, response.text
    # What SES was handed, byte for byte (the local endpoint's own record of raw messages).
    raw = requests.get(local_stack.aws_endpoint + "/_wod/mail.json", timeout=30).json()
    mine = [m["raw"] for m in raw if "xn--bcher-idn-" in m["raw"]]
    assert len(mine) == 1
    headers = mine[0].split("\r\n\r\n", 1)[0]
    assert headers.isascii() and "=?" not in headers.split("To:", 1)[1].split("\r\n", 1)[0]
    assert "\r\nTo: grace@xn--bcher-idn-" in headers


def test_an_address_ses_cannot_carry_is_422_naming_email_and_holds_no_seat(
    local_stack: LocalStack, workshops: Path
) -> None:
    before = audit("api-main")
    response = requests.post(
        local_stack.api_url + "registrations",
        json=person("api-main", "jörg@example.org"),
        timeout=30,
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"email"}
    assert audit("api-main") == before
