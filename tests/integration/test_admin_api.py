"""The organizer's admin API on the local stack, through the gateway's IAM authorizer: refused
unsigned or wrongly signed (nothing changes), then status, the list, open/close as the catalog
and registrations see it, sync, end, extend (schedules and mail), reissue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from botocore.credentials import ReadOnlyCredentials

from tests.conftest import write_workshop
from tests.support.agent_calls import callback_for, post_callback
from tests.support.altcha import post_registration
from tests.support.orders import OrderLog
from wod.adapters import clients
from wod.adapters.schedules import schedule_name
from wod.domain.schedules import ScheduleKind
from wod.local.scheduler import due_at
from wod.local.stack import LocalStack
from wod.mail.dates import participant_time
from wod.services.wiring import Services, build_services
from wod_admin.client import AdminClient, AdminError
from wod_contracts.orders import Order, OrderVerb


@pytest.fixture(scope="module")
def admin_workshops(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("admin")
    write_workshop(root, "adm-one", 8401, 8404, duration_minutes=60, warm_seats=0)
    write_workshop(root, "adm-two", 8411, 8414, duration_minutes=30, warm_seats=0)
    write_workshop(root, "adm-gone", 8421, 8424, duration_minutes=30, warm_seats=0)
    local_stack.seed(root)


@pytest.fixture
def admin(local_stack: LocalStack, admin_workshops: None) -> AdminClient:
    return AdminClient(
        local_stack.base_url, ReadOnlyCredentials("local", "local", None), "us-east-1"
    )


@pytest.fixture
def services(local_stack: LocalStack) -> Services:
    return build_services(local_stack.settings())


def register(stack: LocalStack, workshop_id: str, email: str) -> requests.Response:
    return post_registration(
        stack.api_url, workshop_id, email, first_name="Grace", last_name="Hopper", company="Navy"
    )


def ready(stack: LocalStack, orders: OrderLog, workshop_id: str, email: str) -> Order:
    response = register(stack, workshop_id, email)
    assert response.status_code == 202, response.text
    (received,) = orders.for_registration(response.json()["registration_id"])
    order = received.order
    answer = post_callback(stack.api_url, callback_for(order).to_wire().encode())
    assert answer.status_code == 200, answer.text
    return order


def listed(stack: LocalStack, workshop_id: str) -> dict[str, object]:
    catalog = requests.get(stack.api_url + "workshops", timeout=10).json()
    assert isinstance(catalog, list), catalog
    (entry,) = [w for w in catalog if w["id"] == workshop_id]
    return dict(entry)


# -- the authorizer ------------------------------------------------------------------------------


def test_an_unsigned_request_is_refused_and_changes_nothing(
    local_stack: LocalStack, admin_workshops: None
) -> None:
    url = local_stack.api_url + "admin/workshops/adm-one/close"
    response = requests.post(url, timeout=10)
    assert response.status_code == 403 and response.json() == {"message": "Forbidden"}
    assert listed(local_stack, "adm-one")["closed"] is False
    assert requests.get(local_stack.api_url + "admin/status", timeout=10).status_code == 403


def test_a_wrong_secret_an_unknown_key_or_a_changed_body_is_refused(
    local_stack: LocalStack, admin: AdminClient
) -> None:
    for key, secret in (("local", "not-the-secret"), ("stranger", "local")):
        forger = AdminClient(admin.base_url, ReadOnlyCredentials(key, secret, None), "us-east-1")
        with pytest.raises(AdminError) as refused:
            forger.close("adm-one")
        assert refused.value.status == 403
    # Signed for one body, sent with another: the signature covers the body.
    url = admin.url("registrations/" + "0" * 32 + "/extend")
    headers = admin.signed("POST", url, b'{"minutes": 5}')
    response = requests.post(url, data=b'{"minutes": 500}', headers=headers, timeout=10)
    assert response.status_code == 403
    # A signature more than 15 minutes old is refused as API Gateway refuses it.
    stale = admin.signed("POST", admin.url("workshops/adm-one/close"), b"")
    old = datetime.now(UTC) - timedelta(minutes=20)
    date = old.strftime("%Y%m%dT%H%M%SZ")
    stale["X-Amz-Date"] = date
    stale["Authorization"] = stale["Authorization"].replace(
        stale["Authorization"].split("/")[1], date[:8]
    )
    response = requests.post(admin.url("workshops/adm-one/close"), headers=stale, timeout=10)
    assert response.status_code == 403
    assert listed(local_stack, "adm-one")["closed"] is False


def test_the_function_refuses_an_admin_path_without_the_authorizers_identity(
    services: Services,
) -> None:
    """Defense in depth: an event that came by another route has no IAM identity."""
    from wod.handlers.api import make_handler
    from wod.local.events import LocalContext

    handler = make_handler(lambda: services)
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/admin/status",
        "rawQueryString": "",
        "headers": {},
        "requestContext": {
            "http": {"method": "GET", "path": "/api/admin/status", "sourceIp": "127.0.0.1"},
            "stage": "$default",
            "requestId": "x",
        },
        "isBase64Encoded": False,
    }
    result = handler(event, LocalContext())  # type: ignore[arg-type]
    assert result["statusCode"] == 403


# -- the console ---------------------------------------------------------------------------------


def test_status_counts_seats_orders_and_the_wait_for_credentials(
    local_stack: LocalStack, order_log: OrderLog, admin: AdminClient
) -> None:
    ready(local_stack, order_log, "adm-two", "status-ready@admin.example")
    assert register(local_stack, "adm-two", "status-waiting@admin.example").status_code == 202
    status = admin.status()
    (two,) = [w for w in status["workshops"] if w["workshop_id"] == "adm-two"]
    assert two["capacity"] == 4
    assert two["ready"] >= 1 and two["deploying"] >= 1
    assert two["free"] == 4 - two["ready"] - two["deploying"] - two["ending"]
    assert two["orders_queued"] >= 1 and two["oldest_order_seconds"] >= 0
    assert two["credentials_p50_seconds"] is not None
    assert two["credentials_p95_seconds"] >= two["credentials_p50_seconds"]
    rows = admin.registrations(workshop="adm-two", state="ready")
    assert {r["email"] for r in rows} >= {"status-ready@admin.example"}
    assert all(r["state"] == "ready" and r["ready_at"] for r in rows)
    with pytest.raises(AdminError) as bad:
        admin.registrations(state="nonsense")
    assert bad.value.status == 422 and "state" in str(bad.value)


def test_close_takes_effect_at_once_and_open_undoes_it(
    local_stack: LocalStack, admin: AdminClient
) -> None:
    closed = admin.close("adm-one")
    assert closed["closed"] is True and closed["closed_reason"] == "organizer"
    assert admin.close("adm-one") == closed  # idempotent
    entry = listed(local_stack, "adm-one")
    assert entry["closed"] is True and entry["seats_available"] == 0
    response = register(local_stack, "adm-one", "too-late@admin.example")
    assert response.status_code == 409 and response.json()["error"] == "workshop_closed"
    assert admin.registrations(workshop="adm-one") == [] or all(
        r["email"] != "too-late@admin.example" for r in admin.registrations(workshop="adm-one")
    )
    opened = admin.open("adm-one")
    assert opened["closed"] is False and admin.open("adm-one") == opened
    assert listed(local_stack, "adm-one")["closed"] is False
    assert register(local_stack, "adm-one", "in-time@admin.example").status_code == 202
    with pytest.raises(AdminError) as unknown:
        admin.close("no-such-workshop")
    assert unknown.value.status == 404


def test_sync_closes_a_removed_workshop_and_keeps_its_live_seats(
    local_stack: LocalStack, order_log: OrderLog, admin: AdminClient, services: Services
) -> None:
    live = ready(local_stack, order_log, "adm-gone", "still-here@admin.example")
    keep = [w.workshop.id for w in services.workshops.every() if w.workshop.id != "adm-gone"]
    report = admin.sync(keep)
    assert "adm-gone" in report["closed"]
    assert admin.sync(keep)["closed"] == []  # idempotent
    seats = services.workshops.get("adm-gone")
    assert seats.closed_reason == "removed"
    assert services.store.get(str(live.registration_id)).state.value == "ready"
    assert register(local_stack, "adm-gone", "new@admin.example").status_code == 409
    # Back in the catalog: opened again by the next sync.
    report = admin.sync([*keep, "adm-gone"])
    assert report["reopened"] == ["adm-gone"]
    assert services.workshops.get("adm-gone").closed_reason is None
    with pytest.raises(AdminError) as empty:
        admin.sync([])
    assert empty.value.status == 422


def test_sync_writes_a_workshops_definition_keeping_held_seats(
    admin: AdminClient, services: Services
) -> None:
    workshop = services.workshops.get("adm-two").workshop
    changed = workshop.model_copy(update={"title": "Renamed by sync"}).model_dump(mode="json")
    admin.define(changed, None)
    assert services.workshops.get("adm-two").workshop.title == "Renamed by sync"
    with pytest.raises(AdminError) as mismatch:
        admin.call("PUT", "workshops/adm-one", {"workshop": changed})
    assert mismatch.value.status == 422 and "workshop.id" in str(mismatch.value)


def test_end_is_idempotent_and_refused_once_ended(
    local_stack: LocalStack, order_log: OrderLog, admin: AdminClient
) -> None:
    order = ready(local_stack, order_log, "adm-one", "end-me@admin.example")
    rid = str(order.registration_id)
    assert admin.end(rid)["state"] == "ending"
    assert admin.end(rid)["state"] == "ending"
    cleanup = order_log.for_registration(rid)[-1].order
    assert cleanup.verb is OrderVerb.CLEANUP
    assert (
        len([o for o in order_log.for_registration(rid) if o.order.verb is OrderVerb.CLEANUP]) == 1
    )
    assert post_callback(local_stack.api_url, callback_for(cleanup).to_wire().encode()).ok
    with pytest.raises(AdminError) as ended:
        admin.end(rid)
    assert ended.value.status == 409 and ended.value.code == "registration_ended"
    (row,) = [r for r in admin.registrations(workshop="adm-one") if r["registration_id"] == rid]
    assert row["end_reason"] == "by_organizer"
    kinds = [m["kind"] for m in local_stack.inbox(to="end-me@admin.example")]
    assert kinds[-1] == "thanks"


def test_extend_moves_the_end_the_schedules_and_mails_the_new_end(
    local_stack: LocalStack, order_log: OrderLog, admin: AdminClient, services: Services
) -> None:
    order = ready(local_stack, order_log, "adm-one", "extend-me@admin.example")
    rid = str(order.registration_id)
    before = services.store.get(rid)
    answer = admin.extend(rid, 15)
    after = services.store.get(rid)
    assert after.ends_at == before.ends_at + timedelta(minutes=15)
    assert datetime.fromisoformat(answer["ends_at"]) == after.ends_at
    assert after.reminder_at == before.reminder_at + timedelta(minutes=15)
    scheduler = clients.scheduler()
    group = services.settings.scheduler_group
    for kind, when in (
        (ScheduleKind.EXPIRY, after.ends_at),
        (ScheduleKind.REMINDER, after.reminder_at),
    ):
        schedule = scheduler.get_schedule(Name=schedule_name(rid, kind), GroupName=group)
        assert due_at(schedule["ScheduleExpression"]) == when.replace(microsecond=0)
    (mail,) = [
        m for m in local_stack.inbox(to="extend-me@admin.example") if m["kind"] == "extended"
    ]
    assert "15 more minutes" in mail["subject"]
    new_end = participant_time(after.ends_at, after.time_zone, after.language)
    assert " ".join(new_end.split()) in " ".join(mail["text"].split())  # wrapped at any space
    with pytest.raises(AdminError) as bad:
        admin.extend(rid, 0)
    assert bad.value.status == 422 and "minutes" in str(bad.value)
    assert services.store.get(rid).ends_at == after.ends_at


def test_reissue_sets_a_fresh_password_and_mails_it_again(
    local_stack: LocalStack, order_log: OrderLog, admin: AdminClient, services: Services
) -> None:
    order = ready(local_stack, order_log, "adm-one", "reissue-me@admin.example")
    rid = str(order.registration_id)
    answer = admin.reissue(rid)
    assert answer["state"] == "ready" and answer["order_verb"] == "REISSUE"
    again = admin.reissue(rid)  # before the agent answers: the same order, not another
    assert again == answer
    reissues = [
        o.order for o in order_log.for_registration(rid) if o.order.verb is OrderVerb.REISSUE
    ]
    assert len(reissues) == 1 and reissues[0].student == order.student
    response = post_callback(
        local_stack.api_url,
        callback_for(reissues[0], password="Fresh-Pass-77").to_wire().encode(),
    )
    assert response.status_code == 200, response.text
    credentials = [
        m for m in local_stack.inbox(to="reissue-me@admin.example") if m["kind"] == "credentials"
    ]
    assert len(credentials) == 2 and "Fresh-Pass-77" in credentials[-1]["text"]
    assert services.store.get(rid).state.value == "ready"
    # Once mailed, a new reissue is a new order.
    assert admin.reissue(rid)["order_verb"] == "REISSUE"
    assert (
        len([o for o in order_log.for_registration(rid) if o.order.verb is OrderVerb.REISSUE]) == 2
    )
