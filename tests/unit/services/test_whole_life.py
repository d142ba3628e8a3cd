"""A registration's whole life on in-memory ports: register, ready, reminder, expiry, thanks."""

from __future__ import annotations

from wod.domain.states import State

from .conftest import World, link_in


def test_a_whole_session_from_registration_to_badge(world: World) -> None:
    registration = world.register().registration
    rid = registration.registration_id
    ready = world.report(world.order(rid), password="Correct-Horse-Battery-1")
    assert ready.state is State.READY

    world.advance(minutes=60)
    world.fire_due()  # the reminder, an hour before the end of a two-hour session
    world.advance(minutes=60)
    world.fire_due()  # the expiry
    assert world.get(rid).state is State.ENDING
    world.report(world.order(rid))  # the CLEANUP is done

    assert world.get(rid).state is State.ENDED
    assert registration.student in world.free()
    assert world.mails() == ["welcome", "credentials", "reminder", "thanks"]
    badge = link_in(world.mail_text("thanks"), "/badge/?")
    seen, _ = world.services.participants.badge(rid, badge.split("token=")[1])
    assert seen.registration_id == rid
    assert world.schedules.pending == {}
    assert world.services.sweeper.run() == {}
