"""The schedules: one reminder before the end, one end order at expiry, however often they fire."""

from __future__ import annotations

from wod.domain.registrations import EndReason
from wod.domain.schedules import ScheduleKind
from wod.domain.states import State
from wod.services.lifecycle import Fired
from wod_contracts.orders import OrderVerb

from .conftest import World


def test_the_reminder_is_mailed_once_to_a_ready_seat(world: World) -> None:
    rid = world.ready().registration_id
    lifecycle = world.services.lifecycle
    world.advance(minutes=60)
    assert lifecycle.fire(ScheduleKind.REMINDER, rid) is Fired.REMINDED
    assert lifecycle.fire(ScheduleKind.REMINDER, rid) is Fired.ALREADY_SENT
    assert world.mails() == ["welcome", "credentials", "reminder"]
    assert "60 minutes" in world.mail_text("reminder")


def test_a_reminder_counts_as_sent_only_once_ses_accepted_it(world: World) -> None:
    rid = world.ready().registration_id
    lifecycle = world.services.lifecycle
    world.advance(minutes=60)
    world.mailer.down = True
    assert lifecycle.fire(ScheduleKind.REMINDER, rid) is Fired.MAIL_FAILED
    assert not world.get(rid).reminder_sent
    world.mailer.down = False
    assert lifecycle.fire(ScheduleKind.REMINDER, rid) is Fired.ALREADY_SENT  # leased a while
    world.advance(seconds=121)
    assert lifecycle.fire(ScheduleKind.REMINDER, rid) is Fired.REMINDED
    assert world.get(rid).reminder_sent
    assert world.mails().count("reminder") == 1


def test_a_seat_not_ready_gets_no_reminder(world: World) -> None:
    rid = world.register().registration.registration_id
    assert world.services.lifecycle.remind(rid) is Fired.SKIPPED_DEPLOYING
    assert "reminder" not in world.mails()


def test_expiry_ends_the_session_once_with_the_workshops_end_action(world: World) -> None:
    plain = world.ready().registration_id
    reset = world.register("r@example.org", "reset-101").registration.registration_id
    lifecycle = world.services.lifecycle
    assert lifecycle.fire(ScheduleKind.EXPIRY, plain) is Fired.ENDING
    assert lifecycle.fire(ScheduleKind.EXPIRY, plain) is Fired.SKIPPED_ENDING
    assert lifecycle.fire(ScheduleKind.EXPIRY, reset) is Fired.ENDING
    assert world.order(plain).verb is OrderVerb.CLEANUP
    assert world.order(reset).verb is OrderVerb.RESET
    assert world.get(plain).end_reason is EndReason.EXPIRED
    assert len(world.queues.of(plain)) == 2  # the CREATE, then one CLEANUP


def test_a_schedule_of_a_forgotten_registration_finds_nothing(world: World) -> None:
    assert world.services.lifecycle.fire(ScheduleKind.EXPIRY, "0" * 32) is Fired.GONE


def test_an_ended_session_is_skipped(world: World) -> None:
    rid = world.ready().registration_id
    world.services.lifecycle.expire(rid)
    world.report(world.order(rid))
    assert world.services.lifecycle.fire(ScheduleKind.REMINDER, rid) is Fired.SKIPPED_ENDED
    assert world.get(rid).state is State.ENDED
