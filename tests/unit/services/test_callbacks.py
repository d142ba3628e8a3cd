"""The agent's callbacks: authenticated twice, conditional on the order, and what each outcome
does to the registration, the seat and the mails."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.agent_calls import callback_for
from tests.support.memory import CALLBACK_SECRET, memory_world
from wod.domain.errors import (
    AlreadyEndedError,
    DeliveryError,
    ForbiddenCallbackError,
    OrderNotCurrentError,
    UnauthorizedCallbackError,
)
from wod.domain.registrations import FollowUp, plan_registration
from wod.domain.states import State
from wod_contracts import signing
from wod_contracts.callbacks import Outcome
from wod_contracts.orders import OrderVerb

from .conftest import START, World, request_for, status_token, workshop


def signed(world: World, body: bytes, secret: bytes = CALLBACK_SECRET) -> dict[str, str]:
    return signing.signed_headers(secret, int(world.clock().timestamp()), body)


def test_a_deployed_seat_becomes_ready_and_its_password_is_mailed(world: World) -> None:
    rid = world.register().registration.registration_id
    ready = world.report(world.order(rid), password="Tr0ub4dor-and-3")
    assert ready.state is State.READY
    assert world.get(rid).follow_ups == frozenset()
    assert world.mails() == ["welcome", "credentials"]
    text = world.mail_text("credentials")
    assert "Tr0ub4dor-and-3" in text and ready.username in text


def test_an_unsigned_forged_or_replayed_callback_changes_nothing(world: World) -> None:
    rid = world.register().registration.registration_id
    body = callback_for(world.order(rid)).to_wire().encode()
    callbacks = world.services.callbacks
    with pytest.raises(UnauthorizedCallbackError):
        callbacks.handle({}, body)
    with pytest.raises(UnauthorizedCallbackError):
        callbacks.handle(signed(world, body, secret=b"not-the-secret"), body)
    headers = signed(world, body)
    callbacks.handle(headers, body)
    with pytest.raises(UnauthorizedCallbackError):
        callbacks.handle(headers, body)
    assert world.mails().count("credentials") == 1


def test_a_callback_needs_its_own_orders_token(world: World) -> None:
    mine = world.register().registration.registration_id
    other = world.register("grace@example.org").registration.registration_id
    stolen = world.order(other).callback_token
    with pytest.raises(ForbiddenCallbackError):
        world.report(world.order(mine), callback_token=stolen)
    assert world.get(mine).state is State.DEPLOYING


def test_a_callback_for_a_superseded_order_is_not_current(world: World) -> None:
    rid = world.ready().registration_id
    create = world.queues.of(rid)[0]
    world.services.participants.end_early(rid, status_token(rid))
    with pytest.raises(OrderNotCurrentError):
        world.report(create, password="Another-password-1")
    assert world.mails().count("credentials") == 1


def test_a_credentials_mail_that_fails_is_retried_by_the_agent(world: World) -> None:
    rid = world.register().registration.registration_id
    order = world.order(rid)
    world.mailer.down = True
    with pytest.raises(DeliveryError):
        world.report(order)
    assert world.get(rid).state is State.READY
    assert world.get(rid).follow_ups == {FollowUp.CREDENTIALS_MAIL}
    world.mailer.down = False
    world.report(order)  # the agent's retry, with the same password
    assert world.get(rid).follow_ups == frozenset()
    assert world.mails() == ["welcome", "credentials"]
    with pytest.raises(OrderNotCurrentError):
        world.report(order)  # a third report finds nothing left to do


def test_a_failed_deployment_frees_the_seat_and_apologizes(world: World) -> None:
    registration = world.register().registration
    rid = registration.registration_id
    failed = world.report(world.order(rid), Outcome.FAILED, error="disk full")
    assert failed.state is State.FAILED
    assert world.get(rid).error == "disk full"
    assert registration.student in world.free()
    assert world.schedules.pending == {}
    assert world.mails() == ["welcome", "apology"]
    assert world.services.adapters.store.holder("py-101", registration.email) is None


def test_a_wiped_seat_returns_to_the_pool_with_a_thank_you(world: World) -> None:
    registration = world.ready()
    rid = registration.registration_id
    world.services.participants.end_early(rid, status_token(rid))
    ended = world.report(world.order(rid))
    assert ended.state is State.ENDED and registration.student in world.free()
    assert world.mails()[-1] == "thanks"


def test_a_failed_wipe_is_retried_as_a_new_attempt_with_the_seat_held(world: World) -> None:
    registration = world.ready()
    rid = registration.registration_id
    world.services.participants.end_early(rid, status_token(rid))
    failed = world.order(rid)
    answer = world.callback(failed, Outcome.FAILED, error="rm: busy")
    assert answer.status == "ending"
    retry = world.order(rid)
    assert retry.order_id != failed.order_id and retry.verb is failed.verb
    stored = world.get(rid)
    assert stored.state is State.ENDING and stored.end_attempts == 1
    assert stored.follow_ups == frozenset()  # the new attempt is on the queue
    assert registration.student not in world.free()
    with pytest.raises(OrderNotCurrentError):
        world.callback(failed, Outcome.FAILED, error="rm: busy")  # a repeat changes nothing
    assert world.report(retry).state is State.ENDED
    assert registration.student in world.free()


def test_a_reissued_password_is_mailed_once(world: World) -> None:
    rid = world.ready().registration_id
    world.services.sessions.reissue(rid)  # an organizer's `reissue`: the mail was lost
    order = world.order(rid)
    assert order.verb is OrderVerb.REISSUE
    world.mailer.down = True
    with pytest.raises(DeliveryError):
        world.report(order, password="Fresh-password-2")
    world.mailer.down = False
    world.report(order, password="Fresh-password-2")  # the agent's retry
    assert world.mails() == ["welcome", "credentials", "credentials"]
    with pytest.raises(OrderNotCurrentError):
        world.report(order, password="Fresh-password-2")


def test_only_a_running_seat_gets_fresh_credentials(world: World) -> None:
    rid = world.ready().registration_id
    world.services.participants.end_early(rid, status_token(rid))
    with pytest.raises(AlreadyEndedError):
        world.services.sessions.reissue(rid)
    assert world.order(rid).verb is OrderVerb.CLEANUP


def test_an_old_record_with_an_address_ses_cannot_carry_never_blocks_its_seat(
    world: World,
) -> None:
    """Registration refuses such addresses; one stored before that rule gets no mail, and its
    seat still moves on (no 503 loop, no held credentials follow-up)."""
    seats = world.catalog.get("py-101")
    planned = plan_registration(request_for(), seats.workshop, 1, world.clock())
    legacy = replace(planned, email="jörg@example.org")
    world.store.claim_seat(legacy)
    world.services.follow_ups.finish(legacy, seats.workshop)
    ready = world.report(world.order(legacy.registration_id))
    assert ready.state is State.READY and ready.follow_ups == frozenset()
    assert world.mailer.sent == []


def test_a_backends_own_secret_opens_only_its_own_seats() -> None:
    secrets = {"default": b"secret-of-default", "second": b"secret-of-second"}
    world = World(
        memory_world(
            [workshop(), workshop("other-101", backend="second")], START, callback_secrets=secrets
        )
    )
    world.queues.backends.add("second")
    rid = world.register().registration.registration_id
    body = callback_for(world.order(rid)).to_wire().encode()
    callbacks = world.services.callbacks
    with pytest.raises(ForbiddenCallbackError):
        callbacks.handle(signed(world, body, secret=secrets["second"]), body)
    assert world.get(rid).state is State.DEPLOYING
    with pytest.raises(UnauthorizedCallbackError):  # the shared secret is not accepted any more
        callbacks.handle(signed(world, body), body)
    assert callbacks.handle(signed(world, body, secret=secrets["default"]), body).status == "ready"
