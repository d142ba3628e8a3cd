"""The participant's one self-extension on the local stack: offered only by a workshop that
allows it and only while one of its seats is free; once; the reminder and expiry move and the
mail says the new end."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from tests.conftest import write_workshop
from tests.support.agent_calls import callback_for, post_callback
from tests.support.altcha import post_registration
from tests.support.orders import OrderLog
from wod.adapters import clients
from wod.adapters.schedules import schedule_name
from wod.domain import tokens
from wod.domain.schedules import ScheduleKind
from wod.local.scheduler import due_at
from wod.local.stack import LocalStack
from wod.settings import Settings


@pytest.fixture(scope="module")
def workshops(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("self-extension")
    write_workshop(root, "ext-two", 8701, 8702, warm_seats=0, self_extension_minutes=10)
    write_workshop(root, "ext-none", 8711, 8712, warm_seats=0)
    local_stack.seed(root)


def ready(stack: LocalStack, orders: OrderLog, workshop_id: str, email: str) -> tuple[str, str]:
    response = post_registration(
        stack.api_url, workshop_id, email, first_name="Mary", last_name="Jackson", company="NASA"
    )
    assert response.status_code == 202, response.text
    rid = response.json()["registration_id"]
    (create,) = orders.for_registration(rid)
    assert post_callback(stack.api_url, callback_for(create.order).to_wire().encode()).ok
    return rid, tokens.status_token(Settings().token_key_bytes, rid)


def status(stack: LocalStack, rid: str, token: str) -> dict[str, object]:
    response = requests.get(
        f"{stack.api_url}registrations/{rid}", params={"token": token}, timeout=30
    )
    assert response.status_code == 200
    return dict(response.json())


def extend(stack: LocalStack, rid: str, token: str) -> requests.Response:
    return requests.post(
        f"{stack.api_url}registrations/{rid}/extension", params={"token": token}, timeout=30
    )


def test_one_extension_while_a_seat_is_free(
    local_stack: LocalStack, order_log: OrderLog, workshops: None
) -> None:
    first, first_token = ready(local_stack, order_log, "ext-two", "first@ext.example")
    assert status(local_stack, first, first_token)["extension_minutes"] == 10
    # The last seat taken: nobody may hold a seat longer while others could want it.
    second, second_token = ready(local_stack, order_log, "ext-two", "second@ext.example")
    assert status(local_stack, first, first_token)["extension_minutes"] is None
    full = extend(local_stack, first, first_token)
    assert full.status_code == 409 and full.json()["error"] == "not_extendable"
    # A seat is free again: the offer is back, and taken once.
    assert (
        requests.delete(
            f"{local_stack.api_url}registrations/{second}",
            params={"token": second_token},
            timeout=30,
        ).status_code
        == 202
    )
    before = status(local_stack, first, first_token)
    assert before["extension_minutes"] is None  # an ending seat is still held
    (cleanup,) = [
        o.order for o in order_log.for_registration(second) if o.order.verb.value == "CLEANUP"
    ]
    assert post_callback(local_stack.api_url, callback_for(cleanup).to_wire().encode()).ok
    assert status(local_stack, first, first_token)["extension_minutes"] == 10
    done = extend(local_stack, first, first_token)
    assert done.status_code == 200, done.text
    moved = datetime.fromisoformat(done.json()["ends_at"]) - datetime.fromisoformat(
        str(before["ends_at"])
    )
    assert moved == timedelta(minutes=10) and done.json()["extension_minutes"] is None
    expiry = clients.scheduler().get_schedule(
        Name=schedule_name(first, ScheduleKind.EXPIRY), GroupName=Settings().scheduler_group
    )
    assert due_at(expiry["ScheduleExpression"]) == datetime.fromisoformat(
        done.json()["ends_at"]
    ).replace(microsecond=0)
    again = extend(local_stack, first, first_token)
    assert again.status_code == 409 and again.json()["error"] == "not_extendable"
    kinds = [m["kind"] for m in local_stack.inbox(to="first@ext.example")]
    assert kinds.count("extended") == 1


def test_a_workshop_without_the_option_offers_none(
    local_stack: LocalStack, order_log: OrderLog, workshops: None
) -> None:
    rid, token = ready(local_stack, order_log, "ext-none", "plain@ext.example")
    assert status(local_stack, rid, token)["extension_minutes"] is None
    refused = extend(local_stack, rid, token)
    assert refused.status_code == 409 and refused.json()["error"] == "not_extendable"
    wrong = extend(local_stack, rid, "x" * 43)
    assert wrong.status_code == 404
