"""A flood of the public routes cannot stop provisioning: in the local gateway's emulation of
the HTTP API's route throttles, public requests get 429s while an agent callback, on a route
with its own throttle (as template.yaml gives it), still succeeds. The negative control: the
same flood against a gateway whose callback shares the public throttle starves the callback.
(tests/unit/test_template_iam.py holds the template's own route settings.)"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.conftest import write_workshop
from tests.support.agent_calls import callback_for, post_callback
from tests.support.altcha import solved
from tests.support.orders import OrderLog
from wod.local.stack import LocalStack, free_port
from wod_contracts.orders import Order

# A public bucket that a flood empties at once and that refills slowly (one token per 10 s),
# so that "empty" holds for the moment the callback is sent; the callback's own is the
# template's default (CallbackRateLimit 10/s, CallbackBurstLimit 20).
PUBLIC = "0.1:5"
CALLBACK = "10:20"
FLOODERS = 8


@pytest.fixture(scope="module")
def workshop(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("throttles")
    write_workshop(root, "throttle-ws", 4401, 4410)
    local_stack.seed(root)
    return root


def order_of(local_stack: LocalStack, order_log: OrderLog, email: str) -> Order:
    body = {
        "workshop_id": "throttle-ws",
        "email": email,
        "first_name": "Dorothy",
        "last_name": "Vaughan",
        "company": "NACA",
        "accept_terms": True,
    }
    response = requests.post(
        local_stack.api_url + "registrations", json=solved(local_stack.api_url, body), timeout=30
    )
    assert response.status_code == 202, response.text
    (logged,) = order_log.for_registration(response.json()["registration_id"])
    return logged.order


@contextmanager
def flooded(api: str) -> Iterator[Counter[int]]:
    """Public requests from several clients until the block ends; yields once 429s come back."""
    statuses: Counter[int] = Counter()
    stop = threading.Event()

    def flood() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                statuses[session.get(api + "workshops", timeout=30).status_code] += 1

    with ThreadPoolExecutor(FLOODERS) as pool:
        for _ in range(FLOODERS):
            pool.submit(flood)
        try:
            deadline = time.monotonic() + 60
            while statuses[429] < 20:
                assert time.monotonic() < deadline, f"no throttling seen: {statuses}"
                time.sleep(0.05)
            yield statuses
        finally:
            stop.set()


def throttled_gateway(local_stack: LocalStack, name: str, options: list[str]) -> str:
    return local_stack.start_gateway(name=name, port=free_port(), options=options) + "api/"


def test_a_flood_of_public_requests_gets_429s_and_the_agent_callback_still_succeeds(
    local_stack: LocalStack, order_log: OrderLog, workshop: Path
) -> None:
    order = order_of(local_stack, order_log, "own-route@throttle.example")
    api = throttled_gateway(
        local_stack, "throttled", ["--throttle", PUBLIC, "--callback-throttle", CALLBACK]
    )
    try:
        with flooded(api) as statuses:
            response = post_callback(api, callback_for(order).to_wire().encode())
            assert response.status_code == 200, response.text
            assert response.json()["status"] == "ready"
    finally:
        local_stack.stop_process("throttled")
    assert statuses[429] >= 20 and set(statuses) <= {200, 429}, statuses


def test_negative_control_a_callback_sharing_the_public_throttle_is_starved(
    local_stack: LocalStack, order_log: OrderLog, workshop: Path
) -> None:
    order = order_of(local_stack, order_log, "shared-route@throttle.example")
    api = throttled_gateway(local_stack, "shared-throttle", ["--throttle", PUBLIC])
    try:
        with flooded(api):
            response = post_callback(api, callback_for(order).to_wire().encode())
    finally:
        local_stack.stop_process("shared-throttle")
    assert response.status_code == 429, "the flood did not starve a shared route: test is blind"
