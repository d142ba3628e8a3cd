"""A dependency down for a while, then back: SES refusing mail, SQS unavailable, the hub down,
DynamoDB throttling. Once it is back (and the sweep has run, on the driven clock), every
registration is READY with its credentials mailed or ENDED with its seat back."""

from __future__ import annotations

import pytest
import requests

from wod.domain.registrations import FollowUp
from wod.domain.states import State
from wod.services.sweep import Swept
from wod_contracts.orders import OrderVerb

from .conftest import Rig, wait_until

pytestmark = pytest.mark.slow


def test_ses_failing_for_a_while_then_recovering(rig: Rig) -> None:
    rig.restart_agent()
    email = "ses@faults.example"
    injected = rig.faults.injected("ses")
    rig.faults.set("ses", "fail")
    # Given SES refusing every mail: the welcome is owed, the seat is deployed anyway
    rid = rig.register(email)
    assert FollowUp.WELCOME_MAIL in rig.get(rid).follow_ups
    # and the agent's callback answered 503 (credentials not mailed)
    wait_until(
        "a ready seat whose credentials could not be mailed",
        lambda: (
            rig.journal(rig.get(rid).order_id) == ("deployed", 1)
            and FollowUp.CREDENTIALS_MAIL in rig.get(rid).follow_ups
        ),
        rig.supervise,
    )
    # until the agent gives up (here: it is stopped, its message still in flight)
    rig.stop_agent()
    assert rig.get(rid).state is State.READY and rig.kinds(email) == []
    # When SES is back and the sweep runs
    rig.faults.clear("ses")
    assert rig.sweep()[rid] is Swept.REISSUED
    assert rig.get(rid).order_verb is OrderVerb.REISSUE
    # Then, the agent back, a fresh password is set on the seat and mailed, with the late
    # welcome; the old CREATE's callback, replayed from the journal, is answered not current.
    rig.start_agent()
    wait_until(
        "the re-issued credentials mailed",
        lambda: FollowUp.CREDENTIALS_MAIL not in rig.get(rid).follow_ups,
        rig.supervise,
    )
    assert rig.kinds(email) == ["welcome", "credentials"]
    rig.assert_mailed_password_opens_the_seat(email)  # the fresh one, not the lost one
    assert rig.faults.injected("ses") - injected >= 2  # the welcome and a credentials mail
    rig.assert_settled([rid])


def test_sqs_unavailable_then_back(rig: Rig) -> None:
    rig.restart_agent()
    email = "sqs@faults.example"
    injected = rig.faults.injected("sqs")
    rig.faults.set("sqs", "fail")
    # Given no queue: the registration is taken, its order owed (and the agent cannot poll)
    rid = rig.register(email)
    assert FollowUp.CREATE_ORDER in rig.get(rid).follow_ups
    assert rig.sweep()[rid] is Swept.STILL_FAILING
    assert rig.get(rid).state is State.PENDING
    assert rig.faults.injected("sqs") - injected >= 2  # the API's send and the sweep's
    # When SQS is back, the sweep sends the order and the agent deploys the seat
    rig.faults.clear("sqs")
    assert rig.sweep()[rid] is Swept.REPAIRED
    rig.wait_state(rid, State.READY)
    wait_until("the credentials mailed", lambda: "credentials" in rig.kinds(email), rig.supervise)
    rig.assert_settled([rid])


def test_the_hub_down_then_back(rig: Rig) -> None:
    # Retries spaced so that the hub is back well before the agent's last one (4 x 6 s).
    rig.restart_agent(retry_delay=6)
    email = "hub@faults.example"
    rig.stop_hub()
    try:
        rid = rig.register(email)
        order_id = rig.get(rid).order_id
        wait_until(
            "the agent tried and the hub refused",
            lambda: (rig.journal(order_id) or ("", 0))[1] >= 1,
            rig.supervise,
        )
        assert rig.get(rid).state is not State.READY
    finally:
        rig.start_hub()
    rig.wait_state(rid, State.READY)
    state, attempts = rig.journal(order_id) or ("missing", 0)
    assert state == "reported" and attempts >= 2
    rig.assert_settled([rid])


def test_dynamodb_throttling_between_the_handler_and_the_endpoint(rig: Rig) -> None:
    rig.restart_agent()
    email = "ddb@faults.example"
    injected = rig.faults.injected("dynamodb")
    # Every third DynamoDB request is throttled: the SDK's backoff and retries absorb it.
    rig.faults.set("dynamodb", "throttle", every=3)
    try:
        rid = rig.register(email)
        rig.wait_state(rid, State.READY)
        assert requests.get(rig.api + "workshops", timeout=60).status_code == 200
        rig.end_early(email, rid)
        rig.wait_state(rid, State.ENDED)
        assert rig.faults.injected("dynamodb") > injected  # the fault really was on
    finally:
        rig.faults.clear("dynamodb")
    # The thanks mail follows the state change, in the same request.
    wait_until("the thanks mail", lambda: "thanks" in rig.kinds(email), rig.supervise)
    assert rig.kinds(email) == ["welcome", "credentials", "thanks"]
    rig.assert_settled([rid])
