"""The organizer's console over the in-memory twins: the status figures, sync's closing and
reopening, and each action repeated (the integration tests run them on the local stack)."""

from __future__ import annotations

import pytest

from tests.unit.services.conftest import World
from wod.domain.console import WorkshopLoad
from wod.domain.errors import AlreadyEndedError, WorkshopClosedError
from wod.domain.states import State
from wod_contracts.callbacks import Outcome
from wod_contracts.orders import OrderVerb


def load(world: World, workshop_id: str = "py-101") -> WorkshopLoad:
    (found,) = [
        w for w in world.services.console.status().workshops if w.workshop_id == workshop_id
    ]
    return found


def test_status_counts_seats_the_queue_and_the_wait(world: World) -> None:
    first = world.register("a@example.org").registration
    world.advance(seconds=30)
    world.report(world.order(first.registration_id))  # ready after 30 s
    second = world.register("b@example.org").registration
    world.report(world.order(second.registration_id), Outcome.FAILED)
    world.register("c@example.org")
    world.advance(seconds=12)
    py = load(world)
    assert (py.ready, py.deploying, py.failed, py.free) == (1, 1, 1, 1)
    assert py.orders_queued >= 1 and py.oldest_order_seconds >= 12
    assert py.credentials_p50_seconds == py.credentials_p95_seconds == 30.0
    assert py.registrations_last_hour == 3


def test_sync_closes_what_left_and_reopens_only_what_it_closed(world: World) -> None:
    console = world.services.console
    assert console.sync(["py-101"]).closed == ["reset-101"]
    assert console.sync(["py-101"]).closed == []  # again: nothing to do
    with pytest.raises(WorkshopClosedError):
        world.register("late@example.org", "reset-101")
    console.close("py-101")
    report = console.sync(["py-101", "reset-101"])
    assert report.reopened == ["reset-101"]  # the organizer's close stays
    assert world.memory.catalog.get("py-101").closed_reason == "organizer"


def test_end_twice_is_one_end_order_and_then_refused(world: World) -> None:
    ready = world.ready()
    console = world.services.console
    assert console.end(ready.registration_id).state is State.ENDING
    assert console.end(ready.registration_id).state is State.ENDING
    ends = [o for o in world.queues.of(ready.registration_id) if o.verb is OrderVerb.CLEANUP]
    assert len(ends) == 1
    world.report(ends[0])
    with pytest.raises(AlreadyEndedError):
        console.end(ready.registration_id)
    with pytest.raises(AlreadyEndedError):
        console.extend(ready.registration_id, 10)
    with pytest.raises(AlreadyEndedError):
        console.reissue(ready.registration_id)


def test_a_reissue_on_its_way_is_not_sent_twice(world: World) -> None:
    ready = world.ready()
    console = world.services.console
    first = console.reissue(ready.registration_id)
    assert console.reissue(ready.registration_id) == first
    reissues = [o for o in world.queues.of(ready.registration_id) if o.verb is OrderVerb.REISSUE]
    assert len(reissues) == 1
    world.report(reissues[0], password="Another-Pass-5")
    assert world.mails().count("credentials") == 2
