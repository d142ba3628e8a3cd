"""The participant's side: the status page and badge behind their tokens, and ending early."""

from __future__ import annotations

import pytest

from tests.support.memory import HUB_URL, TOKEN_KEY
from wod.domain import tokens
from wod.domain.errors import AlreadyEndedError, RegistrationNotFoundError
from wod.domain.registrations import EndReason
from wod.domain.states import State
from wod_contracts.orders import OrderVerb

from .conftest import World, status_token


def test_the_status_needs_the_token_of_the_mails(world: World) -> None:
    rid = world.register().registration.registration_id
    with pytest.raises(RegistrationNotFoundError):
        world.services.participants.status(rid, "wrong")
    with pytest.raises(RegistrationNotFoundError):
        world.services.participants.status(rid, None)
    view = world.services.participants.status(rid, status_token(rid))
    assert view.registration.state is State.DEPLOYING and view.start_url is None


def test_a_ready_seat_shows_its_start_link(world: World) -> None:
    rid = world.ready().registration_id
    view = world.services.participants.status(rid, status_token(rid))
    assert view.start_url is not None and view.start_url.startswith(HUB_URL + "/hub/login?next=")


def test_ending_early_queues_a_cleanup_and_drops_the_schedules(world: World) -> None:
    rid = world.ready().registration_id
    ending = world.services.participants.end_early(rid, status_token(rid))
    assert ending.state is State.ENDING and ending.end_reason is EndReason.ENDED_EARLY
    assert world.order(rid).verb is OrderVerb.CLEANUP
    assert world.schedules.pending == {}
    again = world.services.participants.end_early(rid, status_token(rid))
    assert again.order_id == ending.order_id and len(world.queues.of(rid)) == 2


def test_a_reset_workshop_is_reset_when_ended_early(world: World) -> None:
    """What a session leaves outside the home is undone for the next holder of the seat."""
    registration = world.register(workshop_id="reset-101").registration
    rid = registration.registration_id
    world.services.participants.end_early(rid, status_token(rid))
    assert world.order(rid).verb is OrderVerb.RESET


def test_an_ended_session_cannot_be_ended_again(world: World) -> None:
    rid = world.ready().registration_id
    world.services.participants.end_early(rid, status_token(rid))
    world.report(world.order(rid))
    with pytest.raises(AlreadyEndedError):
        world.services.participants.end_early(rid, status_token(rid))


def test_the_badge_shows_only_for_a_finished_session_and_its_token(world: World) -> None:
    rid = world.ready().registration_id
    badge = tokens.badge_token(TOKEN_KEY, rid)
    with pytest.raises(RegistrationNotFoundError):
        world.services.participants.badge(rid, badge)  # still running
    world.services.participants.end_early(rid, status_token(rid))
    world.report(world.order(rid))
    registration, workshop = world.services.participants.badge(rid, badge)
    assert registration.state is State.ENDED and workshop.id == "py-101"
    with pytest.raises(RegistrationNotFoundError):
        world.services.participants.badge(rid, status_token(rid))
