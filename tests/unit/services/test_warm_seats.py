"""Warm seats: free seats the backend prepared ahead of time. The pool is topped up to its
target, a registration takes a warm seat first, and a stale or lost PREPARE never makes a seat
warm that is not."""

from __future__ import annotations

import pytest

from tests.support.memory import memory_world
from wod.domain.errors import OrderNotCurrentError
from wod.domain.states import State
from wod_contracts.callbacks import Outcome
from wod_contracts.orders import OrderVerb

from .conftest import START, World, workshop


@pytest.fixture
def warm_world() -> World:
    world = World(memory_world([workshop(seats=5, warm_seats=2)], START))
    world.services.warm_seats.top_up("py-101")
    return world


def test_the_pool_is_topped_up_to_its_target(warm_world: World) -> None:
    prepares = warm_world.prepares()
    assert [o.verb for o in prepares] == [OrderVerb.PREPARE] * 2
    assert all(o.registration_id is None and o.ends_at is None for o in prepares)
    seats = warm_world.catalog.get("py-101")
    assert set(seats.preparing) == {o.student for o in prepares} and not seats.warm_students
    assert warm_world.services.warm_seats.top_up("py-101") == 0  # on their way already
    warm_world.warm_up()
    seats = warm_world.catalog.get("py-101")
    assert seats.warm_students == {o.student for o in prepares} and not seats.preparing


def test_a_registration_takes_a_warm_seat_and_the_pool_is_topped_up_again(
    warm_world: World,
) -> None:
    warm_world.warm_up()
    warm = warm_world.catalog.get("py-101").warm_students
    registration = warm_world.register().registration
    assert registration.warm_seat and registration.student in warm
    seats = warm_world.catalog.get("py-101")
    assert registration.student not in seats.warm_students | seats.free_students
    assert len(seats.warm_students) + len(seats.preparing) == 2
    assert len(warm_world.prepares()) == 3


def test_a_cold_seat_is_given_when_none_is_warm(warm_world: World) -> None:
    registration = warm_world.register().registration  # the PREPAREs are still on their way
    assert not registration.warm_seat


def test_a_prepare_answered_after_its_seat_was_taken_leaves_it_taken(warm_world: World) -> None:
    """A PREPARE and a registration race for one seat: the agent runs the PREPARE, then the
    CREATE (one FIFO group per seat); the PREPARE's callback must not make the seat warm."""
    prepare = warm_world.prepares()[0]
    warm_world.tables.pools["py-101"].free &= {prepare.student}  # only that seat is free
    registration = warm_world.register().registration
    assert registration.student == prepare.student
    with pytest.raises(OrderNotCurrentError):
        warm_world.callback(prepare)
    seats = warm_world.catalog.get("py-101")
    assert prepare.student not in seats.warm_students | seats.free_students


def test_a_prepare_delivered_twice_has_one_effect(warm_world: World) -> None:
    prepare = warm_world.prepares()[0]
    assert warm_world.callback(prepare).status == "warm"
    with pytest.raises(OrderNotCurrentError):
        warm_world.callback(prepare)
    assert prepare.student in warm_world.catalog.get("py-101").warm_students


def test_a_failed_prepare_leaves_the_seat_cold_and_pauses_top_ups(warm_world: World) -> None:
    prepare = warm_world.prepares()[0]
    assert warm_world.callback(prepare, Outcome.FAILED, error="setup.yml failed").status == "cold"
    seats = warm_world.catalog.get("py-101")
    assert prepare.student not in seats.warm_students and prepare.student in seats.free_students
    assert warm_world.services.warm_seats.top_up("py-101") == 0  # paused: no retry storm
    warm_world.advance(minutes=16)
    assert warm_world.services.warm_seats.top_up("py-101") == 1


def test_a_lost_prepare_is_given_up_on_by_the_sweep(warm_world: World) -> None:
    lost = warm_world.prepares()[0]
    warm_world.advance(seconds=901)
    warm_world.services.sweeper.run()
    seats = warm_world.catalog.get("py-101")
    assert lost.student not in seats.preparing or seats.preparing[lost.student].order_id != (
        lost.order_id
    )
    with pytest.raises(OrderNotCurrentError):
        warm_world.callback(lost)  # answered late: the seat is not made warm
    assert len(seats.preparing) == 2  # the sweep sent new PREPAREs for the lost ones


def test_a_seat_that_comes_back_is_cold_and_gets_prepared_again(warm_world: World) -> None:
    warm_world.warm_up()
    registration = warm_world.ready()
    warm_world.services.lifecycle.expire(registration.registration_id)
    warm_world.report(warm_world.order(registration.registration_id))
    seats = warm_world.catalog.get("py-101")
    assert registration.student in seats.free_students
    assert registration.student not in seats.warm_students
    assert len(seats.warm_students) + len(seats.preparing) == 2


def test_an_inactive_workshop_is_not_prepared() -> None:
    world = World(memory_world([workshop(warm_seats=2, active=False)], START))
    assert world.services.warm_seats.top_up("py-101") == 0
    assert world.services.warm_seats.top_up_all() == {}


def test_the_warm_target_is_at_most_the_capacity() -> None:
    world = World(memory_world([workshop(seats=2, warm_seats=10)], START))
    assert world.services.warm_seats.top_up("py-101") == 2


def test_a_closed_pool_during_a_top_up_is_read_again(warm_world: World) -> None:
    """Two top-ups racing never prepare more than the target."""
    pools = warm_world.catalog
    reserve = pools.reserve_preparations
    raced: list[bool] = []

    def after_a_rival(*args: object, **kwargs: object) -> bool:
        if not raced:
            raced.append(True)
            warm_world.register("rival@example.org")  # changes the pool meanwhile
        return reserve(*args, **kwargs)  # type: ignore[arg-type]

    warm_world.warm_up()
    warm_world.register()
    pools.reserve_preparations = after_a_rival  # type: ignore[method-assign]
    warm_world.services.warm_seats.top_up("py-101")
    seats = warm_world.catalog.get("py-101")
    assert len(seats.warm_students) + len(seats.preparing) == 2


def test_the_stuck_clock_starts_when_the_agent_takes_the_order(world: World) -> None:
    rid = world.register().registration.registration_id
    create = world.order(rid)
    world.advance(minutes=9)
    world.callback(create, Outcome.STARTED)  # a live agent reaches the order late (a rush)
    world.advance(minutes=5)
    assert rid not in world.services.sweeper.run()  # 14 min after registering: still its turn
    world.advance(minutes=6)
    assert world.services.sweeper.run()[rid] == "stuck"  # taken 11 min ago and not done


def test_an_order_waiting_behind_a_live_agents_queue_is_not_stuck(world: World) -> None:
    rid = world.register().registration.registration_id
    other = world.register("bea@example.org").registration.registration_id
    for minutes in (5, 5, 5):
        world.advance(minutes=minutes)
        world.callback(world.order(other), Outcome.STARTED)  # the agent is busy, alive
    assert rid not in world.services.sweeper.run()
    assert world.get(rid).state is State.DEPLOYING
    world.advance(minutes=16)  # past the longest wait (3 x 10 min) and the agent went quiet
    assert world.services.sweeper.run()[rid] == "stuck"


def test_with_no_sign_of_an_agent_a_seat_is_stuck_after_the_usual_time(world: World) -> None:
    rid = world.register().registration.registration_id
    world.advance(seconds=601)
    assert world.services.sweeper.run()[rid] == "stuck"


def test_a_progress_report_is_noted_once_and_only_for_the_current_order(world: World) -> None:
    rid = world.register().registration.registration_id
    create = world.order(rid)
    world.callback(create, Outcome.STARTED)
    first = world.get(rid).taken_at
    world.advance(minutes=1)
    world.callback(create, Outcome.STARTED)
    assert world.get(rid).taken_at == first == START
    assert world.callback(create).status == "ready"


def test_the_status_says_how_many_seats_are_ahead_in_the_queue(world: World) -> None:
    from .conftest import status_token

    first = world.register("a1@example.org").registration.registration_id
    world.advance(seconds=1)
    second = world.register("a2@example.org").registration.registration_id
    world.advance(seconds=1)
    view = world.services.participants.status(second, status_token(second))
    assert view.queue_position == 1
    world.callback(world.order(first), Outcome.STARTED)
    assert world.services.participants.status(second, status_token(second)).queue_position == 0
    world.callback(world.order(second), Outcome.STARTED)
    assert world.services.participants.status(second, status_token(second)).queue_position is None
