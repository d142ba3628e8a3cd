"""The agent killed at each step of an order (as kill -9 would: no cleanup, the message held),
then started again by its supervisor: the order is carried out once, reported once, and the
registration or seat settles. Steps: `taken` (journal started, nothing done), `deployed` (done,
not reported), `reported` (reported, message not deleted)."""

from __future__ import annotations

import boto3
import pytest

from tests.support.seats import audit
from wod.domain.states import State

from .conftest import WARM_WORKSHOP, WORKSHOP, Rig, wait_until

STEPS = ("taken", "deployed", "reported")

pytestmark = pytest.mark.slow


def crashes(verb: str) -> list[str]:
    return [f"{verb}:{step}" for step in STEPS]


def queue_empty(rig: Rig) -> bool:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=rig.queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(int(value) == 0 for value in attributes.values())


def wait_killed_and_drained(rig: Rig, starts_before: int) -> None:
    """The agent died at each step (and was started again), and the queue is empty: the last
    redelivery, of an order already reported, was deleted without doing anything."""
    wait_until(
        "the agent killed at each step",
        lambda: rig.agent_starts - starts_before == len(STEPS),
        rig.supervise,
    )
    wait_until("the order queue drained", lambda: queue_empty(rig), rig.supervise)


def test_an_agent_killed_at_each_step_of_a_create_mails_one_password(rig: Rig) -> None:
    rig.restart_agent(crash_at=crashes("CREATE"))
    starts = rig.agent_starts
    email = "create@faults.example"
    rid = rig.register(email)
    rig.wait_state(rid, State.READY)
    wait_killed_and_drained(rig, starts)
    # Taken twice (killed before the work, then done), reported once: one password mailed
    state, attempts = rig.journal(rig.get(rid).order_id) or ("missing", 0)
    assert state == "reported" and attempts >= 2
    assert rig.kinds(email) == ["welcome", "credentials"]
    rig.assert_mailed_password_opens_the_seat(email)
    rig.assert_settled([rid])


def test_an_agent_killed_at_each_step_of_a_cleanup_gives_the_seat_back(rig: Rig) -> None:
    rig.restart_agent(crash_at=crashes("CLEANUP"))
    email = "cleanup@faults.example"
    rid = rig.register(email)
    rig.wait_state(rid, State.READY)
    starts = rig.agent_starts
    rig.end_early(email, rid)
    rig.wait_state(rid, State.ENDED)
    wait_killed_and_drained(rig, starts)
    # The thanks mail follows the state change, in the same request.
    wait_until("the thanks mail", lambda: "thanks" in rig.kinds(email), rig.supervise)
    ended = rig.get(rid)
    assert ended.end_attempts == 0  # one end order, carried out once across the crashes
    state, attempts = rig.journal(ended.order_id) or ("missing", 0)
    assert state == "reported" and attempts >= 2
    assert ended.student in audit(WORKSHOP).free
    assert rig.kinds(email) == ["welcome", "credentials", "thanks"]
    rig.assert_settled([rid])


def test_an_agent_killed_at_each_step_of_a_prepare_leaves_one_warm_seat(rig: Rig) -> None:
    rig.restart_agent(crash_at=crashes("PREPARE"))
    starts = rig.agent_starts
    rig.services.warm_seats.top_up(WARM_WORKSHOP)
    pool = rig.services.workshops
    wait_until(
        "a warm seat",
        lambda: len(pool.get(WARM_WORKSHOP, consistent=True).warm_students) == 1,
        rig.supervise,
    )
    wait_killed_and_drained(rig, starts)
    seats = pool.get(WARM_WORKSHOP, consistent=True)
    assert not seats.preparing and seats.warm_students <= seats.free_students
    assert audit(WARM_WORKSHOP).violations() == []
