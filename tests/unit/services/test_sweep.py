"""The sweep, branch by branch: what it repairs, gives back, ends, resends, and leaves alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wod.domain.errors import DeliveryError, InvalidTransitionError, OrderNotCurrentError
from wod.domain.registrations import MAX_END_ATTEMPTS, EndReason, FollowUp, Registration
from wod.domain.schedules import ScheduleKind
from wod.domain.states import State
from wod.domain.transitions import Transition
from wod.services.sweep import Swept, tally
from wod_contracts.callbacks import Outcome
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


def test_an_end_never_confirmed_is_ordered_again_as_a_new_attempt(world: World) -> None:
    registration = world.ready()
    rid = registration.registration_id
    world.services.lifecycle.fire(ScheduleKind.EXPIRY, rid)
    first = world.order(rid)
    world.advance(seconds=601)
    assert sweep(world)[rid] is Swept.END_ORDER_RESENT
    second = world.order(rid)
    assert second.order_id != first.order_id and second.verb is first.verb
    assert world.get(rid).end_attempts == 1 and not world.get(rid).escalated
    world.advance(seconds=60)
    assert rid not in sweep(world)  # the new attempt gets its own stuck period
    with pytest.raises(OrderNotCurrentError):
        world.report(first)  # the old attempt, late: done by the new one
    assert world.report(second).state is State.ENDED
    assert registration.student in world.free()


def test_an_end_that_keeps_failing_is_escalated_and_retried_at_the_sweeps_pace(
    world: World,
) -> None:
    registration = world.ready()
    rid = registration.registration_id
    world.services.lifecycle.fire(ScheduleKind.EXPIRY, rid)
    for attempt in range(1, MAX_END_ATTEMPTS + 1):
        world.report(world.order(rid), Outcome.FAILED, error="rm: busy")
        assert world.get(rid).end_attempts == attempt
    escalated = world.get(rid)
    assert escalated.state is State.ENDING and escalated.escalated
    assert "rm: busy" in escalated.error
    # The last failure queued nothing: an escalated seat is retried every stuck period only.
    assert FollowUp.END_ORDER in escalated.follow_ups
    orders = len(world.queues.of(rid))
    world.advance(seconds=120)
    assert sweep(world)[rid] is Swept.ESCALATED  # reported on every pass
    assert len(world.queues.of(rid)) == orders
    assert registration.student not in world.free()  # held, never handed to someone else
    world.advance(seconds=600)
    assert sweep(world)[rid] is Swept.ESCALATED  # the pending attempt sent
    assert len(world.queues.of(rid)) == orders + 1
    world.advance(seconds=601)
    assert sweep(world)[rid] is Swept.ESCALATED  # unanswered: one more attempt, still escalated
    assert len(world.queues.of(rid)) == orders + 2 and world.get(rid).end_attempts == 4
    # When the backend is fixed, the next attempt settles it and the seat comes back.
    assert world.report(world.order(rid)).state is State.ENDED
    assert registration.student in world.free()
    world.advance(seconds=600)
    assert rid not in sweep(world)


def test_credentials_never_mailed_are_reissued_by_the_sweep(world: World) -> None:
    rid = world.register().registration.registration_id
    create = world.order(rid)
    world.mailer.down = True
    with pytest.raises(DeliveryError):
        world.report(create, password="First-password-1")  # the agent then gives up
    world.mailer.down = False
    world.advance(seconds=30)
    assert rid not in sweep(world)  # within the grace: the agent's retries may still come
    world.advance(seconds=31)
    assert sweep(world)[rid] is Swept.REISSUED
    reissue = world.order(rid)
    assert reissue.verb is OrderVerb.REISSUE and reissue.student == create.student
    assert world.get(rid).follow_ups == {FollowUp.CREDENTIALS_MAIL}
    with pytest.raises(OrderNotCurrentError):
        world.report(create, password="First-password-1")  # a late retry of the old password
    world.report(reissue, password="Fresh-password-2")
    assert world.get(rid).follow_ups == frozenset()
    assert world.mails() == ["welcome", "credentials"]
    assert "Fresh-password-2" in world.mail_text("credentials")
    world.advance(seconds=600)
    assert rid not in sweep(world)


def test_a_reissue_unanswered_is_asked_again_after_a_stuck_period(world: World) -> None:
    rid = world.register().registration.registration_id
    world.mailer.down = True
    with pytest.raises(DeliveryError):
        world.report(world.order(rid))
    world.mailer.down = False
    world.advance(seconds=61)
    sweep(world)
    first = world.order(rid)
    world.advance(seconds=300)
    assert rid not in sweep(world)  # the agent may be on it
    world.advance(seconds=301)
    assert sweep(world)[rid] is Swept.REISSUED
    assert world.order(rid).verb is OrderVerb.REISSUE
    assert world.order(rid).order_id != first.order_id


def test_a_reminder_whose_mail_failed_is_sent_by_the_sweep(world: World) -> None:
    rid = world.ready().registration_id
    world.advance(minutes=106)  # the reminder is due 15 minutes before the end
    world.mailer.down = True
    world.fire_due()
    assert not world.get(rid).reminder_sent
    world.mailer.down = False
    world.advance(minutes=3)
    assert sweep(world)[rid] is Swept.REMINDED
    assert world.mails().count("reminder") == 1 and world.get(rid).reminder_sent
    world.advance(minutes=3)
    assert rid not in sweep(world)


@pytest.mark.parametrize("state", [State.READY, State.ENDED])
def test_settled_registrations_are_not_touched(world: World, state: State) -> None:
    rid = world.ready().registration_id
    if state is State.ENDED:
        world.services.lifecycle.expire(rid)
        world.report(world.order(rid))
    world.advance(minutes=30)
    assert rid not in sweep(world)


def test_a_welcome_that_failed_is_sent_even_once_the_seat_is_ready(world: World) -> None:
    world.mailer.down = True
    rid = world.register().registration.registration_id
    world.mailer.down = False
    world.report(world.order(rid))  # the agent was quicker than the sweep
    assert world.get(rid).follow_ups == {FollowUp.WELCOME_MAIL}
    world.advance(seconds=61)
    assert sweep(world)[rid] is Swept.REPAIRED
    assert world.mails() == ["credentials", "welcome"] and world.get(rid).follow_ups == frozenset()
    world.advance(seconds=200)
    assert rid not in sweep(world)


def test_a_session_ended_while_its_credentials_were_owed_settles_quietly(world: World) -> None:
    rid = world.register().registration.registration_id
    world.mailer.down = True
    with pytest.raises(DeliveryError):
        world.report(world.order(rid))
    world.mailer.down = False
    world.services.sessions.reissue(rid)
    world.queues.down = True  # the REISSUE is not queued
    world.services.sessions.reissue(rid)
    world.queues.down = False
    world.services.lifecycle.expire(rid)  # then the session ends
    cleanup = world.order(rid)
    assert cleanup.verb is OrderVerb.CLEANUP
    world.advance(seconds=61)
    assert rid not in sweep(world)  # nothing owed: no REISSUE for a session that is over
    assert world.order(rid) == cleanup
    assert world.report(cleanup).state is State.ENDED
