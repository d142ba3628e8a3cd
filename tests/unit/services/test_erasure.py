"""Erasing a participant's data: by their own token, or an organizer's purge of an address.
A seat is never freed unwiped: a running session is ended first and erased once wiped."""

from __future__ import annotations

from wod.domain.badges import earned
from wod.domain.schedules import ScheduleKind
from wod.domain.states import State
from wod_contracts.callbacks import Outcome

from .conftest import World


def test_a_settled_registration_is_erased_at_once(world: World) -> None:
    registration = world.ready()
    rid = registration.registration_id
    world.services.lifecycle.fire(ScheduleKind.EXPIRY, rid)
    world.report(world.order(rid))
    erased = world.services.erasure.erase(world.get(rid))
    assert erased.erased and erased.state is State.ENDED
    stored = world.get(rid)
    assert (stored.email, stored.first_name, stored.last_name, stored.company) == ("", "", "", "")
    assert stored.student == registration.student  # what is left: the seat's accounting
    assert not earned(stored)  # no badge page names them any more


def test_a_running_session_is_ended_first_and_erased_once_its_seat_is_wiped(
    world: World,
) -> None:
    registration = world.ready()
    rid = registration.registration_id
    pending = world.services.erasure.erase(registration)
    assert pending.state is State.ENDING and pending.erase_requested and not pending.erased
    assert world.get(rid).email == registration.email  # still needed to release the seat
    assert world.schedules.pending == {}
    assert registration.student not in world.free()
    world.report(world.order(rid))
    stored = world.get(rid)
    assert stored.state is State.ENDED and stored.erased and stored.email == ""
    assert registration.student in world.free()
    assert "thanks" not in world.mails(registration.email)  # no more mail: they asked so


def test_a_failed_wipe_keeps_the_data_until_the_seat_is_wiped(world: World) -> None:
    registration = world.ready()
    rid = registration.registration_id
    world.services.erasure.erase(registration)
    world.report(world.order(rid), Outcome.FAILED, error="busy")
    assert not world.get(rid).erased and world.get(rid).erase_requested
    world.report(world.order(rid))
    assert world.get(rid).erased


def test_an_organizer_purges_every_registration_and_the_suppression_of_an_address(
    world: World,
) -> None:
    first = world.ready("Grace@Example.org")
    rid = first.registration_id
    world.services.lifecycle.fire(ScheduleKind.EXPIRY, rid)
    world.report(world.order(rid))
    second = world.ready("grace@example.org")  # registered again, running now
    other = world.ready("ada@example.org")
    world.guards.suppress("grace@example.org", "Complaint")
    purged = world.services.erasure.purge("  GRACE@example.org ")
    assert purged.erased == [rid]
    assert purged.ending_first == [second.registration_id]
    assert not world.guards.is_suppressed("grace@example.org")
    world.report(world.order(second.registration_id))
    assert world.get(second.registration_id).erased
    assert world.get(other.registration_id).email == "ada@example.org"  # nobody else's
    assert world.store.of_address("grace@example.org") == []
