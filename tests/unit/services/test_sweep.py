"""The sweep, branch by branch: what it repairs, gives back, ends, resends, and leaves alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wod.domain.errors import InvalidTransitionError
from wod.domain.registrations import EndReason, FollowUp, Registration
from wod.domain.schedules import ScheduleKind
from wod.domain.states import State
from wod.domain.transitions import Transition
from wod.services.sweep import Swept, tally
from wod_contracts.orders import OrderVerb

from .conftest import World


def sweep(world: World) -> dict[str, Swept]:
    return world.services.sweeper.run()


def test_fresh_registrations_are_left_to_their_request(world: World) -> None:
    world.mailer.down = True
    rid = world.register().registration.registration_id
    world.mailer.down = False
    world.advance(seconds=30)  # within the grace period
    assert rid not in sweep(world)
    assert world.get(rid).follow_ups == {FollowUp.WELCOME_MAIL}


def test_a_failed_follow_up_is_finished_once_it_can_be(world: World) -> None:
    world.mailer.down = True
    rid = world.register().registration.registration_id
    world.advance(seconds=90)
    assert sweep(world)[rid] is Swept.STILL_FAILING
    world.mailer.down = False
    world.advance(seconds=130)  # past the first sweep's lease
    assert sweep(world)[rid] is Swept.REPAIRED
    assert world.get(rid).state is State.DEPLOYING
    assert world.mails() == ["welcome"]


def test_a_seat_never_ordered_is_given_back_with_an_apology(world: World) -> None:
    world.queues.down = True
    registration = world.register().registration
    rid = registration.registration_id
    world.advance(seconds=601)
    assert sweep(world)[rid] is Swept.CANCELLED
    assert world.get(rid).state is State.CANCELLED
    assert registration.student in world.free()
    assert world.mails() == ["welcome", "apology"]
    assert world.queues.sent == []


def test_a_sweep_that_loses_to_another_writer_changes_nothing(world: World) -> None:
    world.queues.down = True
    rid = world.register().registration.registration_id
    world.advance(seconds=601)
    real_apply = world.store.apply

    def another_writer_first(registration: Registration, change: Transition, now: object) -> None:
        raise InvalidTransitionError(registration.registration_id)

    world.store.apply = another_writer_first  # type: ignore[method-assign,assignment]
    assert sweep(world)[rid] is Swept.MOVED_MEANWHILE
    world.store.apply = real_apply  # type: ignore[method-assign]
    assert world.mails() == ["welcome"]


def test_a_registration_leased_by_another_sweep_is_left_to_it(world: World) -> None:
    world.mailer.down = True
    rid = world.register().registration.registration_id
    world.mailer.down = False
    world.advance(seconds=90)
    assert world.store.take_lease(rid, world.clock().timestamp(), 120)
    assert sweep(world)[rid] is Swept.LEASED_ELSEWHERE
    assert world.get(rid).follow_ups == {FollowUp.WELCOME_MAIL}


def test_one_registrations_trouble_does_not_stop_the_sweep(world: World) -> None:
    world.mailer.down = True
    broken = world.register("broken@example.org").registration.registration_id
    fine = world.register("fine@example.org").registration.registration_id
    world.mailer.down = False
    world.advance(seconds=90)
    real_get = world.catalog.get
    calls: Iterator[int] = iter(range(1000))

    def get_failing_once(workshop_id: str, *, consistent: bool = False) -> object:
        if next(calls) == 0:
            raise RuntimeError("throttled")
        return real_get(workshop_id, consistent=consistent)

    world.catalog.get = get_failing_once  # type: ignore[method-assign,assignment]
    report = sweep(world)
    assert sorted(report.values()) == [Swept.ERROR, Swept.REPAIRED]
    assert set(report) == {broken, fine}
    assert tally(report) == {"error": 1, "repaired": 1}


def test_a_seat_stuck_deploying_is_apologized_for_and_wiped(world: World) -> None:
    registration = world.register().registration
    rid = registration.registration_id
    world.advance(seconds=601)
    assert sweep(world)[rid] is Swept.STUCK
    stuck = world.get(rid)
    assert stuck.state is State.ENDING and stuck.end_reason is EndReason.STUCK
    assert world.order(rid).verb is OrderVerb.CLEANUP
    assert world.mails() == ["welcome", "apology"]
    assert world.schedules.pending == {}
    world.report(world.order(rid))
    assert world.get(rid).state is State.ENDED
    assert world.mails() == ["welcome", "apology"]  # no thanks, no badge for a stuck seat


def test_a_session_whose_expiry_was_lost_is_ended(world: World) -> None:
    rid = world.ready().registration_id
    world.schedules.pending.clear()  # the schedules are lost
    world.advance(minutes=120, seconds=59)
    assert rid not in sweep(world)  # its expiry may still come
    world.advance(seconds=2)
    assert sweep(world)[rid] is Swept.EXPIRED
    assert world.get(rid).end_reason is EndReason.EXPIRED
    assert world.order(rid).verb is OrderVerb.CLEANUP


def test_an_end_never_confirmed_is_ordered_again_with_the_same_order(world: World) -> None:
    rid = world.ready().registration_id
    world.services.lifecycle.fire(ScheduleKind.EXPIRY, rid)
    end_order = world.order(rid)
    world.advance(seconds=601)
    assert sweep(world)[rid] is Swept.END_ORDER_RESENT
    sends = [o.order_id for o in world.queues.sent if o.registration_id == rid]
    assert sends[-2:] == [end_order.order_id] * 2
    world.advance(seconds=60)
    assert rid not in sweep(world)  # touched: the clock starts again


@pytest.mark.parametrize("state", [State.READY, State.ENDED])
def test_settled_registrations_are_not_touched(world: World, state: State) -> None:
    rid = world.ready().registration_id
    if state is State.ENDED:
        world.services.lifecycle.expire(rid)
        world.report(world.order(rid))
    world.advance(minutes=30)
    assert rid not in sweep(world)
