"""One suite, two implementations of the storage ports: the DynamoDB adapters (over HTTP to the
moto server of the local stack) and the in-memory twins of the unit tests. Whatever the services'
unit tests rely on in the twins is checked here against the real thing, so they cannot drift."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.memory import (
    MemoryCatalog,
    MemoryGuards,
    MemoryLimits,
    MemoryStore,
    MemoryTables,
)
from wod.adapters.guards import GuardStore
from wod.adapters.limits import LimitStore
from wod.adapters.registrations import RegistrationStore
from wod.adapters.workshops import WorkshopStore
from wod.domain.console import Extension
from wod.domain.errors import (
    DomainFullError,
    DuplicateRegistrationError,
    InvalidTransitionError,
    RegistrationNotFoundError,
    SeatTakenError,
    WorkshopNotFoundError,
)
from wod.domain.participants import RegistrationRequest
from wod.domain.registrations import EndReason, FollowUp, Registration, plan_registration
from wod.domain.states import State
from wod.domain.transitions import (
    to_deploying,
    to_end_retried,
    to_ended,
    to_ending,
    to_failed,
    to_ready,
    to_reissued,
)
from wod.local.stack import LocalStack
from wod_contracts.orders import OrderVerb
from wod_contracts.workshop import Workshop

NOW = datetime.now(UTC).replace(microsecond=0)
_numbers = itertools.count(1)


@dataclass
class Ports:
    catalog: WorkshopStore | MemoryCatalog
    store: RegistrationStore | MemoryStore
    guards: GuardStore | MemoryGuards
    limits: LimitStore | MemoryLimits


@pytest.fixture(params=["memory", "dynamodb"])
def ports(request: pytest.FixtureRequest) -> Iterator[Ports]:
    if request.param == "memory":
        tables = MemoryTables()
        yield Ports(
            MemoryCatalog(tables), MemoryStore(tables), MemoryGuards(tables), MemoryLimits(tables)
        )
        return
    stack: LocalStack = request.getfixturevalue("local_stack")
    stack.settings()  # points boto3 and PynamoDB at the stack's endpoint
    yield Ports(WorkshopStore(), RegistrationStore(), GuardStore(), LimitStore())


def new_workshop(ports: Ports, seats: int = 3, **fields: Any) -> Workshop:
    """A workshop of its own per test (the DynamoDB tables are shared by the session)."""
    first = 20_000 + 10 * next(_numbers) + 1000 * (uuid.uuid4().int % 7)
    workshop = Workshop.model_validate(
        {
            "id": f"contract-{uuid.uuid4().hex[:12]}",
            "title": "Contract",
            "summary": "s",
            "description": "d",
            "duration_minutes": 60,
            "students": {"first": first, "last": first + seats - 1},
            "presenter": {"name": "P"},
            **fields,
        }
    )
    ports.catalog.seed([workshop], NOW)
    return workshop


def planned(workshop: Workshop, student: int, email: str | None = None) -> Registration:
    request = RegistrationRequest.model_validate(
        {
            "workshop_id": workshop.id,
            "email": email or f"{uuid.uuid4().hex[:10]}@contract.example",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "company": "Engines",
            "accept_terms": True,
        }
    )
    return plan_registration(request, workshop, student, NOW)


def claimed(ports: Ports, workshop: Workshop, student: int | None = None) -> Registration:
    student = student or workshop.students.first
    registration = planned(workshop, student)
    ports.store.claim_seat(registration)
    return registration


def claimed_as(
    ports: Ports, workshop: Workshop, student: int, email: str, cap: int | None = None
) -> Registration:
    registration = planned(workshop, student, email=email)
    ports.store.claim_seat(registration, domain_cap=cap)
    return registration


def free_of(ports: Ports, workshop: Workshop) -> frozenset[int]:
    return ports.catalog.get(workshop.id, consistent=True).free_students


# -- catalog -----------------------------------------------------------------------------------


def test_a_seeded_workshop_has_its_whole_range_free(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=4)
    seats = ports.catalog.get(workshop.id, consistent=True)
    assert seats.workshop == workshop
    assert seats.free_students == frozenset(workshop.students.numbers())
    assert seats.seats_available == seats.seats_total == 4


def test_an_unknown_workshop_is_not_found(ports: Ports) -> None:
    with pytest.raises(WorkshopNotFoundError):
        ports.catalog.get("contract-no-such-workshop")


def test_only_active_public_workshops_are_listed(ports: Ports) -> None:
    shown = new_workshop(ports)
    private = new_workshop(ports, visibility="private")
    closed = new_workshop(ports, active=False)
    listed = {seats.workshop.id for seats in ports.catalog.listed()}
    assert shown.id in listed and private.id not in listed and closed.id not in listed


def test_reseeding_keeps_held_seats_held(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=3)
    registration = claimed(ports, workshop)
    ports.catalog.seed([workshop], NOW)
    assert registration.student not in free_of(ports, workshop)


# -- the seat claim ----------------------------------------------------------------------------


def test_a_claim_takes_the_student_and_records_the_holder(ports: Ports) -> None:
    workshop = new_workshop(ports)
    registration = claimed(ports, workshop)
    assert registration.student not in free_of(ports, workshop)
    stored = ports.store.get(registration.registration_id)
    assert replace(stored, updated_at=None) == registration
    assert stored.updated_at == registration.created_at
    assert ports.store.holder(workshop.id, registration.email) == registration.registration_id


def test_a_taken_student_cannot_be_claimed_again(ports: Ports) -> None:
    workshop = new_workshop(ports)
    first = claimed(ports, workshop)
    with pytest.raises(SeatTakenError):
        ports.store.claim_seat(planned(workshop, first.student))
    assert len(free_of(ports, workshop)) == workshop.capacity - 1


def test_a_second_claim_by_the_same_address_names_the_holder(ports: Ports) -> None:
    workshop = new_workshop(ports)
    first = claimed(ports, workshop)
    again = planned(workshop, workshop.students.last, email=first.email)
    with pytest.raises(DuplicateRegistrationError) as raised:
        ports.store.claim_seat(again)
    assert raised.value.registration_id == first.registration_id
    assert workshop.students.last in free_of(ports, workshop)
    with pytest.raises(RegistrationNotFoundError):
        ports.store.get(again.registration_id)


def test_the_guard_compares_the_canonical_address(ports: Ports) -> None:
    workshop = new_workshop(ports)
    first = claimed_as(ports, workshop, workshop.students.first, "Ada.Lovelace+one@Gmail.com")
    assert first.email == "ada.lovelace+one@gmail.com"  # the mail goes where it was typed
    assert ports.store.holder(workshop.id, "adalovelace@gmail.com") == first.registration_id
    again = planned(workshop, workshop.students.last, email="adalovelace+two@googlemail.com")
    with pytest.raises(DuplicateRegistrationError) as raised:
        ports.store.claim_seat(again)
    assert raised.value.registration_id == first.registration_id


def test_a_domain_takes_no_more_than_its_cap_and_gets_a_seat_back_on_release(
    ports: Ports,
) -> None:
    workshop = new_workshop(ports, seats=4)
    domain = f"{uuid.uuid4().hex[:8]}.example"
    first, second = (
        claimed_as(ports, workshop, student, f"p{student}@{domain}", cap=2)
        for student in (workshop.students.first, workshop.students.first + 1)
    )
    third = planned(workshop, workshop.students.first + 2, email=f"p3@{domain}")
    with pytest.raises(DomainFullError):
        ports.store.claim_seat(third, domain_cap=2)
    assert workshop.students.first + 2 in free_of(ports, workshop)
    with pytest.raises(RegistrationNotFoundError):
        ports.store.get(third.registration_id)
    # Another domain, and the same domain without a cap (exempt), still get seats.
    claimed_as(ports, workshop, workshop.students.first + 2, "x@other.example", cap=2)
    ports.store.apply(first, to_failed(first.order_id, "gone"), NOW)
    claimed_as(ports, workshop, workshop.students.first, f"p4@{domain}", cap=2)
    assert second.registration_id


def test_a_duplicate_is_told_before_a_full_domain(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=3)
    domain = f"{uuid.uuid4().hex[:8]}.example"
    first = claimed_as(ports, workshop, workshop.students.first, f"a@{domain}", cap=1)
    again = planned(workshop, workshop.students.last, email=f"a+again@{domain}")
    with pytest.raises(DuplicateRegistrationError):
        ports.store.claim_seat(again, domain_cap=1)
    assert ports.store.holder(workshop.id, f"a@{domain}") == first.registration_id


def test_an_inactive_workshop_gives_no_seat(ports: Ports) -> None:
    workshop = new_workshop(ports, active=False)
    with pytest.raises(SeatTakenError):
        claimed(ports, workshop)


def test_concurrent_claims_of_one_student_have_one_winner(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=2)
    contenders = [planned(workshop, workshop.students.first) for _ in range(8)]
    results: list[str] = []

    def claim(registration: Registration) -> None:
        try:
            ports.store.claim_seat(registration)
            results.append("won")
        except SeatTakenError:
            results.append("lost")

    threads = [threading.Thread(target=claim, args=(r,)) for r in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["lost"] * 7 + ["won"]


# -- transitions -------------------------------------------------------------------------------


def test_a_transition_applies_once(ports: Ports) -> None:
    registration = claimed(ports, new_workshop(ports))
    later = NOW + timedelta(seconds=5)
    deploying = ports.store.apply(registration, to_deploying(), later)
    assert deploying.state is State.DEPLOYING
    assert ports.store.get(registration.registration_id).state is State.DEPLOYING
    with pytest.raises(InvalidTransitionError):
        ports.store.apply(registration, to_deploying(), later)


def test_a_transition_for_another_order_is_refused(ports: Ports) -> None:
    registration = claimed(ports, new_workshop(ports))
    with pytest.raises(InvalidTransitionError):
        ports.store.apply(registration, to_ready(uuid.uuid4().hex), NOW)
    ready = ports.store.apply(registration, to_ready(registration.order_id), NOW)
    assert ready.state is State.READY
    assert FollowUp.CREDENTIALS_MAIL in ready.follow_ups


def test_ending_makes_a_new_order_current(ports: Ports) -> None:
    registration = claimed(ports, new_workshop(ports))
    change = to_ending(State.PENDING, EndReason.ENDED_EARLY, OrderVerb.RESET)
    ending = ports.store.apply(registration, change, NOW)
    assert change.new_order is not None
    assert ending.state is State.ENDING
    assert (ending.order_id, ending.order_verb) == (change.new_order.order_id, OrderVerb.RESET)
    assert ending.end_reason is EndReason.ENDED_EARLY
    assert FollowUp.END_ORDER in ending.follow_ups
    assert ports.store.get(registration.registration_id) == ending


def test_a_retried_end_counts_its_attempts_and_holds_the_seat(ports: Ports) -> None:
    workshop = new_workshop(ports)
    registration = claimed(ports, workshop)
    ending = ports.store.apply(
        registration, to_ending(State.PENDING, EndReason.EXPIRED, OrderVerb.RESET), NOW
    )
    ports.store.follow_up_done(ending.registration_id, FollowUp.END_ORDER)
    retried = ports.store.apply(
        ending, to_end_retried(ending.order_id, ending.order_verb, "rm: busy"), NOW
    )
    assert retried.state is State.ENDING and retried.end_attempts == 1
    assert retried.order_id != ending.order_id and retried.order_verb is OrderVerb.RESET
    assert retried.error == "rm: busy" and FollowUp.END_ORDER in retried.follow_ups
    with pytest.raises(InvalidTransitionError):  # the old attempt is not current any more
        ports.store.apply(ending, to_end_retried(ending.order_id, ending.order_verb, "x"), NOW)
    again = ports.store.apply(
        retried, to_end_retried(retried.order_id, retried.order_verb, "again"), NOW
    )
    assert ports.store.get(registration.registration_id).end_attempts == again.end_attempts == 2
    assert registration.student not in free_of(ports, workshop)


def test_a_reissue_makes_a_new_order_current_on_a_running_seat(ports: Ports) -> None:
    registration = claimed(ports, new_workshop(ports))
    with pytest.raises(InvalidTransitionError):  # not running yet
        ports.store.apply(registration, to_reissued(registration.order_id), NOW)
    ready = ports.store.apply(registration, to_ready(registration.order_id), NOW)
    reissued = ports.store.apply(ready, to_reissued(ready.order_id), NOW)
    assert reissued.state is State.READY and reissued.order_verb is OrderVerb.REISSUE
    assert {FollowUp.REISSUE_ORDER, FollowUp.CREDENTIALS_MAIL} <= reissued.follow_ups
    assert ports.store.get(registration.registration_id) == reissued


def test_a_final_state_gives_the_seat_back_once(ports: Ports) -> None:
    workshop = new_workshop(ports)
    registration = claimed(ports, workshop)
    failed = ports.store.apply(registration, to_failed(registration.order_id, "boom" * 600), NOW)
    assert failed.state is State.FAILED
    stored = ports.store.get(registration.registration_id)
    assert stored.state is State.FAILED and len(stored.error) == 2000
    assert registration.student in free_of(ports, workshop)
    assert ports.store.holder(workshop.id, registration.email) is None
    with pytest.raises(InvalidTransitionError):
        ports.store.apply(registration, to_failed(registration.order_id, "again"), NOW)
    assert len(free_of(ports, workshop)) == workshop.capacity


def test_an_ended_seat_can_be_claimed_by_the_same_address_again(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=1)
    registration = claimed(ports, workshop)
    ending = ports.store.apply(
        registration, to_ending(State.PENDING, EndReason.EXPIRED, OrderVerb.CLEANUP), NOW
    )
    ports.store.apply(ending, to_ended(ending.order_id), NOW)
    again = planned(workshop, registration.student, email=registration.email)
    ports.store.claim_seat(again)
    assert ports.store.holder(workshop.id, registration.email) == again.registration_id


# -- bookkeeping -------------------------------------------------------------------------------


def test_follow_ups_are_struck_one_by_one(ports: Ports) -> None:
    registration = claimed(ports, new_workshop(ports))
    left = ports.store.follow_up_done(registration.registration_id, FollowUp.WELCOME_MAIL)
    assert left == registration.follow_ups - {FollowUp.WELCOME_MAIL}
    assert ports.store.get(registration.registration_id).follow_ups == left


def test_in_state_finds_registrations_by_state_and_age(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=2)
    old = claimed(ports, workshop, workshop.students.first)
    moved = claimed(ports, workshop, workshop.students.last)
    ports.store.apply(moved, to_deploying(), NOW + timedelta(minutes=10))

    def pending_before(when: datetime) -> set[str]:
        ids = {r.registration_id for r in ports.store.in_state(State.PENDING, when)}
        return ids & {old.registration_id, moved.registration_id}

    assert pending_before(NOW + timedelta(seconds=1)) == {old.registration_id}
    assert pending_before(NOW) == set()
    deploying = {r.registration_id for r in ports.store.in_state(State.DEPLOYING, NOW)}
    assert moved.registration_id not in deploying  # changed after that time


def test_touch_marks_a_registration_looked_after_while_its_state_holds(ports: Ports) -> None:
    registration = claimed(ports, new_workshop(ports))
    ports.store.touch(registration, NOW + timedelta(minutes=5))
    ids = {r.registration_id for r in ports.store.in_state(State.PENDING, NOW + timedelta(1))}
    assert registration.registration_id in ids
    ids = {r.registration_id for r in ports.store.in_state(State.PENDING, NOW + timedelta(0, 60))}
    assert registration.registration_id not in ids
    ports.store.apply(registration, to_deploying(), NOW)
    with pytest.raises(InvalidTransitionError):
        ports.store.touch(registration, NOW)


# -- stamps ------------------------------------------------------------------------------------


def test_a_lease_is_held_until_it_runs_out(ports: Ports) -> None:
    rid = claimed(ports, new_workshop(ports)).registration_id
    now = NOW.timestamp()
    assert ports.store.take_lease(rid, now, 120)
    assert not ports.store.take_lease(rid, now + 60, 120)
    assert ports.store.take_lease(rid, now + 121, 120)
    assert not ports.store.take_lease(uuid.uuid4().hex, now, 120)  # no such registration


def test_the_reminder_is_leased_to_one_sender_and_never_resent(ports: Ports) -> None:
    rid = claimed(ports, new_workshop(ports)).registration_id
    now = NOW.timestamp()
    assert ports.store.claim_reminder(rid, now, 120)
    assert not ports.store.claim_reminder(rid, now + 60, 120)  # another sender is at it
    assert not ports.store.get(rid).reminder_sent
    # the first sender failed: the next one may try after the lease
    assert ports.store.claim_reminder(rid, now + 121, 120)
    ports.store.reminder_sent(rid, now + 122)
    assert ports.store.get(rid).reminder_sent
    assert not ports.store.claim_reminder(rid, now + 3600, 120)
    assert not ports.store.claim_reminder(uuid.uuid4().hex, now, 120)  # no such registration


def test_the_duplicate_notice_is_claimed_once_per_interval(ports: Ports) -> None:
    rid = claimed(ports, new_workshop(ports)).registration_id
    now = NOW.timestamp()
    assert ports.store.claim_duplicate_notice(rid, now, 600)
    assert not ports.store.claim_duplicate_notice(rid, now + 599, 600)
    assert ports.store.claim_duplicate_notice(rid, now + 601, 600)


def test_a_duplicate_notice_not_sent_is_released_only_by_its_own_claim(ports: Ports) -> None:
    rid = claimed(ports, new_workshop(ports)).registration_id
    now = NOW.timestamp()
    assert ports.store.claim_duplicate_notice(rid, now, 600)
    ports.store.release_duplicate_notice(rid, now - 1)  # another claim's: nothing happens
    assert not ports.store.claim_duplicate_notice(rid, now + 1, 600)
    ports.store.release_duplicate_notice(rid, now)
    assert ports.store.claim_duplicate_notice(rid, now + 2, 600)


# -- guards ------------------------------------------------------------------------------------


def test_a_one_time_value_is_accepted_once(ports: Ports) -> None:
    value = f"signature#{uuid.uuid4().hex}"
    assert ports.guards.use_once(value, NOW + timedelta(minutes=10))
    assert not ports.guards.use_once(value, NOW + timedelta(minutes=10))


def test_suppression_ignores_the_case_of_the_address(ports: Ports) -> None:
    address = f"Bounced.{uuid.uuid4().hex[:8]}@Example.org"
    assert not ports.guards.is_suppressed(address)
    ports.guards.suppress(address, "Bounce")
    assert ports.guards.is_suppressed(address.lower())
    assert ports.guards.is_suppressed(address.upper())


def test_a_suppression_can_be_forgotten(ports: Ports) -> None:
    address = f"erase.{uuid.uuid4().hex[:8]}@example.org"
    ports.guards.suppress(address, "Complaint")
    ports.guards.unsuppress(address)
    assert not ports.guards.is_suppressed(address)
    ports.guards.unsuppress(address)  # twice is harmless


# -- personal data -----------------------------------------------------------------------------


def test_registrations_are_found_by_address(ports: Ports) -> None:
    workshop = new_workshop(ports)
    address = f"{uuid.uuid4().hex[:10]}@contract.example"
    mine = planned(workshop, workshop.students.first, email=address)
    ports.store.claim_seat(mine)
    claimed(ports, workshop, workshop.students.first + 1)  # someone else's
    assert [r.registration_id for r in ports.store.of_address(address)] == [mine.registration_id]


def test_erasure_waits_for_the_seat_and_then_wipes_the_personal_fields(ports: Ports) -> None:
    workshop = new_workshop(ports)
    registration = claimed(ports, workshop)
    rid = registration.registration_id
    assert ports.store.get(rid).email_key  # the canonical address is personal data too
    assert not ports.store.erase(rid, NOW)  # it holds a seat: the data is still needed
    assert ports.store.request_erasure(rid)
    assert ports.store.get(rid).erase_requested
    ending = ports.store.apply(
        registration, to_ending(State.PENDING, EndReason.ENDED_EARLY, OrderVerb.CLEANUP), NOW
    )
    ports.store.apply(ending, to_ended(ending.order_id), NOW)
    assert not ports.store.request_erasure(rid)  # settled: erase at once instead
    assert ports.store.erase(rid, NOW)
    stored = ports.store.get(rid)
    assert stored.erased and not stored.erase_requested
    assert (stored.email, stored.first_name, stored.last_name, stored.company) == ("", "", "", "")
    assert stored.email_key == ""
    assert (stored.state, stored.student) == (State.ENDED, registration.student)
    assert ports.store.of_address(registration.email) == []


def test_the_twin_keeps_registrations_immutable(ports: Ports) -> None:
    """What a port returns is a value: changing the store later does not change it."""
    registration = claimed(ports, new_workshop(ports))
    read = ports.store.get(registration.registration_id)
    ports.store.apply(read, to_deploying(), NOW)
    assert read.state is State.PENDING
    assert replace(read, state=State.DEPLOYING) == ports.store.get(registration.registration_id)


# -- the warm pool -----------------------------------------------------------------------------


def test_preparations_are_reserved_only_on_the_pool_as_read(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=4)
    seats = ports.catalog.get(workshop.id, consistent=True)
    first, second = sorted(seats.free_students)[:2]
    assert ports.catalog.reserve_preparations(workshop.id, {first: "a" * 32}, NOW, seats.version)
    assert not ports.catalog.reserve_preparations(
        workshop.id, {second: "b" * 32}, NOW, seats.version
    )
    after = ports.catalog.get(workshop.id, consistent=True)
    assert set(after.preparing) == {first} and after.preparing[first].order_id == "a" * 32
    assert after.preparing[first].since == NOW and after.version > seats.version


def test_a_prepared_seat_turns_warm_once_and_only_for_its_order(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=3)
    seats = ports.catalog.get(workshop.id, consistent=True)
    student = min(seats.free_students)
    ports.catalog.reserve_preparations(workshop.id, {student: "c" * 32}, NOW, seats.version)
    assert not ports.catalog.mark_warm(workshop.id, student, "d" * 32)
    assert ports.catalog.mark_warm(workshop.id, student, "c" * 32)
    assert not ports.catalog.mark_warm(workshop.id, student, "c" * 32)
    after = ports.catalog.get(workshop.id, consistent=True)
    assert after.warm_students == {student} and not after.preparing


def test_a_claim_takes_the_seat_out_of_the_warm_pool_and_its_preparation(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=3)
    seats = ports.catalog.get(workshop.id, consistent=True)
    warm, preparing = sorted(seats.free_students)[:2]
    ports.catalog.reserve_preparations(
        workshop.id, {warm: "e" * 32, preparing: "f" * 32}, NOW, seats.version
    )
    ports.catalog.mark_warm(workshop.id, warm, "e" * 32)
    claimed(ports, workshop, warm)
    claimed(ports, workshop, preparing)
    after = ports.catalog.get(workshop.id, consistent=True)
    assert not after.warm_students and not after.preparing
    assert not ports.catalog.mark_warm(workshop.id, preparing, "f" * 32)  # taken meanwhile


def test_a_dropped_preparation_leaves_the_seat_cold_and_may_pause(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=2)
    seats = ports.catalog.get(workshop.id, consistent=True)
    student = min(seats.free_students)
    ports.catalog.reserve_preparations(workshop.id, {student: "g" * 32}, NOW, seats.version)
    assert not ports.catalog.drop_preparation(workshop.id, student, "h" * 32)
    until = NOW + timedelta(minutes=15)
    assert ports.catalog.drop_preparation(workshop.id, student, "g" * 32, pause_until=until)
    after = ports.catalog.get(workshop.id, consistent=True)
    assert not after.preparing and student in after.free_students
    assert after.warm_paused_until == until


def test_reseeding_keeps_the_warm_pool_of_students_still_in_range(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=3)
    seats = ports.catalog.get(workshop.id, consistent=True)
    low, _, high = sorted(seats.free_students)
    ports.catalog.reserve_preparations(
        workshop.id, {low: "i" * 32, high: "j" * 32}, NOW, seats.version
    )
    ports.catalog.mark_warm(workshop.id, low, "i" * 32)
    smaller = workshop.model_copy(
        update={"students": workshop.students.model_copy(update={"last": high - 1})}
    )
    ports.catalog.seed([smaller], NOW)
    after = ports.catalog.get(workshop.id, consistent=True)
    assert after.warm_students == {low} and not after.preparing


def test_every_workshop_is_seen_by_the_warm_pool(ports: Ports) -> None:
    private = new_workshop(ports, visibility="private", active=False)
    assert private.id in {seats.workshop.id for seats in ports.catalog.every()}


def test_the_agent_taking_an_order_is_noted_once(ports: Ports) -> None:
    registration = claimed(ports, new_workshop(ports))
    assert not ports.store.note_taken(registration, "k" * 32, NOW)  # not its order
    assert ports.store.note_taken(registration, registration.order_id, NOW)
    assert not ports.store.note_taken(registration, registration.order_id, NOW + timedelta(1))
    assert ports.store.get(registration.registration_id).taken_at == NOW


def test_a_backends_last_sign_of_life_is_kept(ports: Ports) -> None:
    backend = f"b{uuid.uuid4().hex[:8]}"
    assert ports.guards.last_seen(backend) is None
    ports.guards.seen(backend, NOW)
    ports.guards.seen(backend, NOW + timedelta(minutes=1))
    assert ports.guards.last_seen(backend) == NOW + timedelta(minutes=1)


# -- the limits table --------------------------------------------------------------------------


def test_a_counter_counts_up_to_its_limit_and_no_further(ports: Ports) -> None:
    counter = f"ip#60#{uuid.uuid4().hex}#0"
    until = NOW + timedelta(minutes=2)
    assert [ports.limits.take(counter, 3, until) for _ in range(5)] == [True] * 3 + [False] * 2
    assert ports.limits.take(f"{counter}-other", 3, until)


def test_concurrent_takes_never_count_past_the_limit(ports: Ports) -> None:
    counter = f"ip#60#{uuid.uuid4().hex}#0"
    results: list[bool] = []

    def take() -> None:
        results.append(ports.limits.take(counter, 5, NOW + timedelta(minutes=2)))

    threads = [threading.Thread(target=take) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == [False] * 7 + [True] * 5


def test_a_solution_is_used_once_in_the_limits_table(ports: Ports) -> None:
    value = f"altcha#{uuid.uuid4().hex}"
    assert ports.limits.use_once(value, NOW + timedelta(minutes=10))
    assert not ports.limits.use_once(value, NOW + timedelta(minutes=10))


# -- the organizer's console ---------------------------------------------------------------------


def test_a_closed_workshop_gives_no_seat_until_opened(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=2)
    seats = ports.catalog.set_closed(workshop.id, "organizer")
    assert seats.closed and seats.closed_reason == "organizer"
    assert ports.catalog.get(workshop.id, consistent=True).closed_reason == "organizer"
    with pytest.raises(SeatTakenError):
        ports.store.claim_seat(planned(workshop, workshop.students.first))
    assert free_of(ports, workshop) == frozenset(workshop.students.numbers())
    ports.catalog.seed([workshop], NOW)  # a reseed keeps it closed
    assert ports.catalog.get(workshop.id, consistent=True).closed
    assert not ports.catalog.set_closed(workshop.id, None).closed
    claimed(ports, workshop)
    with pytest.raises(WorkshopNotFoundError):
        ports.catalog.set_closed("contract-no-such-workshop", "organizer")


def test_the_roster_filters_by_workshop_and_state(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=3)
    first = claimed(ports, workshop, workshop.students.first)
    second = claimed(ports, workshop, workshop.students.first + 1)
    ports.store.apply(second, to_deploying(), NOW)
    everyone = {r.registration_id for r in ports.store.roster(workshop.id)}
    assert everyone == {first.registration_id, second.registration_id}
    deploying = list(ports.store.roster(workshop.id, State.DEPLOYING))
    assert [r.registration_id for r in deploying] == [second.registration_id]
    assert all(r.updated_at is not None for r in deploying)
    assert second.registration_id in {r.registration_id for r in ports.store.roster()}


def test_an_extension_moves_the_end_only_from_the_end_read(ports: Ports) -> None:
    workshop = new_workshop(ports)
    registration = claimed(ports, workshop)
    later = Extension(
        registration.ends_at + timedelta(minutes=10),
        registration.reminder_at + timedelta(minutes=10),
    )
    extended = ports.store.extend(registration, later, NOW)
    assert (extended.ends_at, extended.reminder_at) == (later.ends_at, later.reminder_at)
    with pytest.raises(InvalidTransitionError):  # read before the extension: stale
        ports.store.extend(registration, later, NOW)
    # An expiry written with the end it read loses to the extension the same way.
    with pytest.raises(InvalidTransitionError):
        ports.store.apply(
            registration,
            to_ending(State.PENDING, EndReason.EXPIRED, OrderVerb.CLEANUP, registration.ends_at),
            NOW,
        )
    assert ports.store.get(registration.registration_id).state is State.PENDING


def test_a_participant_extends_once_and_never_an_ending_session(ports: Ports) -> None:
    workshop = new_workshop(ports, seats=2)
    registration = claimed(ports, workshop)
    step = timedelta(minutes=5)
    once = Extension(registration.ends_at + step, registration.reminder_at + step)
    extended = ports.store.extend(registration, once, NOW, by_participant=True)
    assert extended.self_extended
    twice = Extension(extended.ends_at + step, extended.reminder_at + step)
    with pytest.raises(InvalidTransitionError):
        ports.store.extend(extended, twice, NOW, by_participant=True)
    assert ports.store.extend(extended, twice, NOW).ends_at == twice.ends_at  # an organizer may
    other = claimed(ports, workshop, workshop.students.first + 1)
    ports.store.apply(
        other, to_ending(State.PENDING, EndReason.ENDED_EARLY, OrderVerb.CLEANUP), NOW
    )
    with pytest.raises(InvalidTransitionError):
        ports.store.extend(other, Extension(other.ends_at + step, other.reminder_at + step), NOW)
