"""Registering: one atomic claim, then the welcome mail, the CREATE order and the schedules."""

from __future__ import annotations

import pytest

from tests.support.memory import MemoryStore, memory_world
from wod.domain.errors import (
    DomainFullError,
    SeatTakenError,
    SuppressedAddressError,
    WorkshopFullError,
    WorkshopNotFoundError,
)
from wod.domain.registrations import FollowUp, Registration
from wod.domain.schedules import ScheduleKind
from wod.domain.states import State
from wod_contracts.orders import OrderVerb

from .conftest import START, World, workshop


def test_a_registration_takes_a_seat_and_finishes_every_start_step(world: World) -> None:
    outcome = world.register()
    registration = outcome.registration
    assert not outcome.duplicate
    assert registration.state is State.DEPLOYING and not registration.follow_ups
    assert registration.student not in world.free()
    assert world.mails() == ["welcome"]
    (order,) = world.queues.of(registration.registration_id)
    assert (order.verb, order.student, order.order_id) == (
        OrderVerb.CREATE,
        registration.student,
        registration.order_id,
    )
    assert world.schedules.pending == {
        (registration.registration_id, ScheduleKind.REMINDER): registration.reminder_at,
        (registration.registration_id, ScheduleKind.EXPIRY): registration.ends_at,
    }


def test_the_address_is_kept_in_lower_case(world: World) -> None:
    registration = world.register("Ada@Example.ORG").registration
    assert registration.email == "ada@example.org"


def test_an_unknown_or_closed_workshop_takes_nothing(world: World) -> None:
    with pytest.raises(WorkshopNotFoundError):
        world.register(workshop_id="nope-101")
    world.catalog.seed([workshop(active=False)], world.clock())
    with pytest.raises(WorkshopNotFoundError):
        world.register()
    assert world.free() == {1, 2, 3} and not world.mailer.sent and not world.queues.sent


def test_a_suppressed_address_takes_no_seat(world: World) -> None:
    world.guards.suppress("ada@example.org", "Bounce")
    with pytest.raises(SuppressedAddressError):
        world.register("ADA@example.org")
    assert world.free() == {1, 2, 3} and not world.mailer.sent


def test_a_full_workshop_refuses_a_newcomer(world: World) -> None:
    for n in range(3):
        world.register(f"p{n}@example.org")
    with pytest.raises(WorkshopFullError):
        world.register("late@example.org")
    assert world.mails("late@example.org") == []


def test_someone_already_registered_gets_the_same_seat_back_and_one_notice(world: World) -> None:
    first = world.register().registration
    again = world.register()
    assert again.duplicate and again.registration.registration_id == first.registration_id
    world.register()  # a third try within the interval: no second notice
    assert world.mails() == ["welcome", "already_registered"]
    world.advance(seconds=601)
    world.register()
    assert world.mails().count("already_registered") == 2
    assert len(world.free()) == 2


def test_a_notice_ses_did_not_take_is_sent_at_the_next_try(world: World) -> None:
    world.register()
    world.mailer.down = True
    world.register()  # the notice fails: not counted as sent
    world.mailer.down = False
    world.advance(seconds=5)
    world.register()
    assert world.mails() == ["welcome", "already_registered"]


def test_someone_already_registered_in_a_full_workshop_gets_their_seat_back(world: World) -> None:
    mine = world.register().registration
    world.register("b@example.org")
    world.register("c@example.org")
    again = world.register()
    assert again.duplicate and again.registration.registration_id == mine.registration_id


def test_a_failed_welcome_mail_stays_a_to_do_and_the_rest_is_done(world: World) -> None:
    world.mailer.down = True
    registration = world.register().registration
    assert registration.state is State.PENDING
    assert registration.follow_ups == {FollowUp.WELCOME_MAIL}
    assert world.queues.of(registration.registration_id) and world.schedules.pending


def test_a_backend_without_a_queue_leaves_the_order_to_do(world: World) -> None:
    world.catalog.seed([workshop("far-101", backend="far")], world.clock())
    registration = world.register(workshop_id="far-101").registration
    assert registration.follow_ups == {FollowUp.CREATE_ORDER}
    world.queues.backends.add("far")  # the operator fixes the routing
    world.services.follow_ups.finish(registration, world.catalog.get("far-101").workshop)
    assert world.get(registration.registration_id).state is State.DEPLOYING


def test_a_lost_claim_retries_with_another_student(world: World) -> None:
    """Another participant takes the chosen student between the read and the claim."""
    store: MemoryStore = world.store
    stolen: list[int] = []
    real_claim = store.claim_seat

    def claim_after_a_rival(registration: Registration, *, domain_cap: int | None = None) -> None:
        if not stolen:
            stolen.append(registration.student)
            world.tables.pools["py-101"].free.discard(registration.student)
            raise SeatTakenError(str(registration.student))
        real_claim(registration, domain_cap=domain_cap)

    store.claim_seat = claim_after_a_rival  # type: ignore[method-assign]
    registration = world.register().registration
    assert registration.student != stolen[0]
    assert world.free() == {1, 2, 3} - {stolen[0], registration.student}


def test_a_tagged_or_dotted_variant_gets_the_seat_of_its_person(world: World) -> None:
    first = world.register("Ada.Lovelace@gmail.com")
    again = world.register("adalovelace+second@googlemail.com")
    assert (
        again.duplicate and again.registration.registration_id == first.registration.registration_id
    )
    assert first.registration.email == "ada.lovelace@gmail.com"  # mail goes where it was typed
    assert world.mailer.sent[0]["To"] == "ada.lovelace@gmail.com"
    assert len(world.free()) == 2


def test_a_domain_takes_at_most_its_cap_of_a_workshop() -> None:
    capped = World(memory_world([workshop(seats=5)], START, domain_cap_per_workshop=2))
    capped.register("a@catch-all.example")
    capped.register("b@catch-all.example")
    with pytest.raises(DomainFullError):
        capped.register("c@catch-all.example")
    capped.register("c@elsewhere.example")
    assert len(capped.free()) == 2 and not capped.mails("c@catch-all.example")


def test_an_exempt_domain_has_no_cap() -> None:
    exempt = World(
        memory_world(
            [workshop(seats=3)],
            START,
            domain_cap_per_workshop=1,
            domain_cap_exempt=["partner.example"],
        )
    )
    for name in "abc":
        assert not exempt.register(f"{name}@eu.partner.example").duplicate
    assert not exempt.free()
