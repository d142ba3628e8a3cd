"""The organizer's actions racing the participant's path, on the local stack, each race staged
(the racing write is made between the action's read and its write, by a hook on the read) and
each with its control (the same staged path without the racing write goes through):

- closing while someone registers: the registration read the workshop open, the claim is refused;
- extending while the expiry fires: whichever writes first wins, the other changes nothing;
- reissuing while an END is in flight: no REISSUE is queued for an ending seat, and a REISSUE
  overtaken by an END mails no password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from botocore.credentials import ReadOnlyCredentials

from tests.conftest import write_workshop
from tests.support.agent_calls import callback_for, post_callback
from tests.support.altcha import solved
from tests.support.orders import OrderLog
from tests.support.seats import audit
from wod.domain import tokens
from wod.domain.errors import AlreadyEndedError, WorkshopClosedError
from wod.domain.participants import RegistrationRequest
from wod.domain.registrations import EndReason, Registration
from wod.domain.schedules import ScheduleKind
from wod.domain.states import State
from wod.domain.transitions import to_ending
from wod.domain.workshops import WorkshopSeats
from wod.local.stack import LocalStack
from wod.services.lifecycle import Fired
from wod.services.wiring import Services, build_services
from wod_admin.client import AdminClient, AdminError
from wod_contracts.orders import Order, OrderVerb

Hook = Callable[[], object]


@pytest.fixture(scope="module")
def race_workshops(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("admin-races")
    write_workshop(root, "race-close", 8501, 8506, warm_seats=0)
    write_workshop(root, "race-close-ctl", 8511, 8516, warm_seats=0)
    write_workshop(root, "race-life", 8521, 8540, duration_minutes=60, warm_seats=0)
    local_stack.seed(root)


@pytest.fixture
def admin(local_stack: LocalStack, race_workshops: None) -> AdminClient:
    return AdminClient(
        local_stack.base_url, ReadOnlyCredentials("local", "local", None), "us-east-1"
    )


@pytest.fixture
def services(local_stack: LocalStack, race_workshops: None) -> Services:
    return build_services(local_stack.settings())


def request_for(workshop_id: str, email: str) -> RegistrationRequest:
    return RegistrationRequest.model_validate(
        {
            "workshop_id": workshop_id,
            "email": email,
            "first_name": "Katherine",
            "last_name": "Johnson",
            "company": "NASA",
            "accept_terms": True,
        }
    )


def ready(stack: LocalStack, orders: OrderLog, email: str) -> Order:
    response = requests.post(
        stack.api_url + "registrations",
        json=solved(stack.api_url, request_for("race-life", email).model_dump(mode="json")),
        timeout=30,
    )
    assert response.status_code == 202, response.text
    (received,) = orders.for_registration(response.json()["registration_id"])
    answer = post_callback(stack.api_url, callback_for(received.order).to_wire().encode())
    assert answer.status_code == 200, answer.text
    return received.order


def orders_of(orders: OrderLog, registration_id: str, verb: OrderVerb) -> list[Order]:
    return [o.order for o in orders.for_registration(registration_id) if o.order.verb is verb]


@dataclass
class StaleCatalog:
    """The catalog as one registration read it: the first read is the snapshot taken before
    the racing write; later reads (after a lost claim) are live."""

    live: Any
    snapshot: WorkshopSeats
    reads: int = 0

    def get(self, workshop_id: str, *, consistent: bool = False) -> WorkshopSeats:
        self.reads += 1
        if self.reads == 1:
            return self.snapshot
        seats: WorkshopSeats = self.live.get(workshop_id, consistent=consistent)
        return seats

    def __getattr__(self, name: str) -> Any:
        return getattr(self.live, name)


class ReadThenRace:
    """A ledger whose read of one registration runs a racing write right after it: the
    caller then acts on what it read, as if the other writer had come in between."""

    def __init__(self, ledger: Any, registration_id: str, race: Hook) -> None:
        self._ledger = ledger
        self._registration_id = registration_id
        self._race: Hook | None = race

    def get(self, registration_id: str) -> Registration:
        read: Registration = self._ledger.get(registration_id)
        if registration_id == self._registration_id and self._race is not None:
            race, self._race = self._race, None
            race()
        return read

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)


# -- closing while someone registers -------------------------------------------------------------


def register_with_stale_read(
    services: Services, workshop_id: str, email: str, race: Hook
) -> Callable[[], Any]:
    """The registration reads the workshop open; the close comes between read and claim."""
    snapshot = services.workshops.get(workshop_id, consistent=True)
    assert not snapshot.closed
    race()
    registrar = services.registrar
    registrar._catalog = StaleCatalog(services.workshops, snapshot)  # type: ignore[assignment]
    return lambda: registrar.register(request_for(workshop_id, email))


def test_a_registration_that_read_the_workshop_open_loses_to_the_close(
    services: Services, admin: AdminClient
) -> None:
    before = audit("race-close")
    attempt = register_with_stale_read(
        services, "race-close", "late@race.example", lambda: admin.close("race-close")
    )
    with pytest.raises(WorkshopClosedError):
        attempt()
    after = audit("race-close")
    assert after.free == before.free and after.holders == before.holders
    assert services.store.holder("race-close", "late@race.example") is None
    assert all(r.email != "late@race.example" for r in services.store.roster("race-close"))


def test_control_without_the_close_the_same_stale_read_registers(services: Services) -> None:
    attempt = register_with_stale_read(
        services, "race-close-ctl", "on-time@race.example", lambda: None
    )
    outcome = attempt()
    assert outcome.registration.state in (State.PENDING, State.DEPLOYING)
    assert audit("race-close-ctl").violations() == []


def test_control_a_claim_without_its_conditions_would_let_the_late_one_in(
    local_stack: LocalStack, admin: AdminClient
) -> None:
    """The check-then-act claim (no condition on the pool) takes a seat of a closed workshop:
    the close is enforced by the claim's own condition, not by the read before it."""
    # Imported here: the module builds a handler, whose app would take over the API's routers
    # (Powertools' Router.context follows the last app built) for the in-process unit tests.
    from tests.support.unsafe_claims import CheckThenActStore

    admin.close("race-close-ctl")
    try:
        unsafe = build_services(local_stack.settings(), store=CheckThenActStore())
        snapshot = unsafe.workshops.get("race-close-ctl", consistent=True)
        registrar = unsafe.registrar
        as_read = replace(snapshot, closed_reason=None)  # read just before the close
        registrar._catalog = StaleCatalog(unsafe.workshops, as_read)  # type: ignore[assignment]
        outcome = registrar.register(request_for("race-close-ctl", "sneaky@race.example"))
        assert outcome.registration.email == "sneaky@race.example"
    finally:
        admin.open("race-close-ctl")


# -- extending while the expiry fires ------------------------------------------------------------


def test_an_extension_written_between_the_expirys_read_and_write_wins(
    local_stack: LocalStack,
    order_log: OrderLog,
    admin: AdminClient,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = ready(local_stack, order_log, "extend-first@race.example")
    rid = str(order.registration_id)
    first_end = services.store.get(rid).ends_at
    lifecycle = services.lifecycle
    racing = ReadThenRace(services.store, rid, lambda: admin.extend(rid, 20))
    monkeypatch.setattr(lifecycle, "_registrations", racing)
    # Sessions re-reads through the same ledger when its conditional write loses.
    outcome = lifecycle.expire(rid)
    assert outcome is Fired.MOVED
    stored = services.store.get(rid)
    assert stored.state is State.READY and stored.ends_at == first_end + timedelta(minutes=20)
    assert orders_of(order_log, rid, OrderVerb.CLEANUP) == []
    # The schedule made for the old end finds the session moved; the new one ends it.
    assert lifecycle.fire(ScheduleKind.EXPIRY, rid, first_end) is Fired.MOVED


def test_an_expiry_written_first_makes_the_extension_a_409(
    local_stack: LocalStack,
    order_log: OrderLog,
    admin: AdminClient,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = ready(local_stack, order_log, "expiry-first@race.example")
    rid = str(order.registration_id)
    end = services.store.get(rid).ends_at
    console = services.console
    racing = ReadThenRace(services.store, rid, lambda: services.lifecycle.expire(rid))
    monkeypatch.setattr(console, "_ledger", racing)
    with pytest.raises(AlreadyEndedError):
        console.extend(rid, 20)
    stored = services.store.get(rid)
    assert stored.state is State.ENDING and stored.end_reason is EndReason.EXPIRED
    assert stored.ends_at == end
    assert len(orders_of(order_log, rid, OrderVerb.CLEANUP)) == 1
    assert [m["kind"] for m in local_stack.inbox(to="expiry-first@race.example")].count(
        "extended"
    ) == 0
    with pytest.raises(AdminError) as refused:  # and through the API: a clear 409
        admin.extend(rid, 20)
    assert refused.value.status == 409 and refused.value.code == "registration_ended"


def test_control_an_expiry_write_without_its_end_condition_would_cut_the_extension(
    local_stack: LocalStack, order_log: OrderLog, admin: AdminClient, services: Services
) -> None:
    order = ready(local_stack, order_log, "control-expiry@race.example")
    rid = str(order.registration_id)
    stale = services.store.get(rid)
    admin.extend(rid, 20)
    # The same write as the expiry's, minus the condition on the end it read: it goes through.
    ending = services.store.apply(
        stale, to_ending(stale.state, EndReason.EXPIRED, OrderVerb.CLEANUP), datetime.now(UTC)
    )
    assert ending.state is State.ENDING


# -- reissuing while an END is in flight ---------------------------------------------------------


def test_a_reissue_that_read_ready_loses_to_an_end_written_meanwhile(
    local_stack: LocalStack,
    order_log: OrderLog,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = ready(local_stack, order_log, "end-first@race.example")
    rid = str(order.registration_id)
    token = tokens.status_token(services.settings.token_key_bytes, rid)
    console = services.console

    def participant_ends() -> None:
        response = requests.delete(
            f"{local_stack.api_url}registrations/{rid}", params={"token": token}, timeout=30
        )
        assert response.status_code == 202, response.text

    # The console reads READY; the END is written between the reissue's own read and write.
    sessions = services.sessions
    monkeypatch.setattr(sessions, "_ledger", ReadThenRace(services.store, rid, participant_ends))
    with pytest.raises(AlreadyEndedError):
        console.reissue(rid)
    assert orders_of(order_log, rid, OrderVerb.REISSUE) == []
    stored = services.store.get(rid)
    assert stored.state is State.ENDING and stored.order_verb is OrderVerb.CLEANUP


def test_control_without_the_end_the_same_staged_reissue_queues_its_order(
    local_stack: LocalStack,
    order_log: OrderLog,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = ready(local_stack, order_log, "no-end@race.example")
    rid = str(order.registration_id)
    console = services.console
    sessions = services.sessions
    monkeypatch.setattr(sessions, "_ledger", ReadThenRace(services.store, rid, lambda: None))
    assert console.reissue(rid).order_verb is OrderVerb.REISSUE
    assert len(orders_of(order_log, rid, OrderVerb.REISSUE)) == 1


def test_a_reissue_overtaken_by_an_end_mails_no_password(
    local_stack: LocalStack, order_log: OrderLog, admin: AdminClient, services: Services
) -> None:
    email = "overtaken@race.example"
    order = ready(local_stack, order_log, email)
    rid = str(order.registration_id)
    admin.reissue(rid)
    admin.end(rid)  # the END is queued behind the REISSUE (same seat, FIFO)
    (reissued,) = orders_of(order_log, rid, OrderVerb.REISSUE)
    late = post_callback(
        local_stack.api_url,
        callback_for(reissued, password="Never-Mailed-9").to_wire().encode(),
    )
    assert late.status_code == 409 and late.json()["error"] == "order_not_current"
    (cleanup,) = orders_of(order_log, rid, OrderVerb.CLEANUP)
    assert post_callback(local_stack.api_url, callback_for(cleanup).to_wire().encode()).ok
    mails = local_stack.inbox(to=email)
    assert all("Never-Mailed-9" not in m["text"] for m in mails)
    assert [m["kind"] for m in mails].count("credentials") == 1
    assert services.store.get(rid).state is State.ENDED
    assert audit("race-life").violations() == []
