"""An end order the backend keeps failing (its copy of the workshop is gone, an operator's
mistake): the seat is held and never handed out unwiped, the registration escalated after three
attempts and retried once per stuck period; once the backend is fixed the next attempt settles
it and the seat comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.clock import Clock
from tests.support.seats import audit
from wod.domain.registrations import MAX_END_ATTEMPTS
from wod.domain.states import State
from wod.services.sweep import Swept
from wod_contracts.orders import OrderVerb

from .conftest import RESET_WORKSHOP, Rig, wait_until

pytestmark = pytest.mark.slow

STUCK_AFTER = 300
LEASE_GAP = 130  # past the sweep's lease (120 s) of the pass before


def later(clock: Clock, seconds: int) -> None:
    """The driven clock, `seconds` past the later of itself and the real time."""
    clock.now = max(clock.now, datetime.now(UTC)) + timedelta(seconds=seconds)


def test_an_end_order_failing_again_and_again_is_escalated_then_settles_once_fixed(
    rig: Rig,
) -> None:
    rig.restart_agent()
    email = "end-fails@faults.example"
    rid = rig.register(email, workshop=RESET_WORKSHOP)
    rig.wait_state(rid, State.READY)
    student = rig.get(rid).student
    # A clock of this test's own, from the real time the API stamps the registration with: the
    # rig's clock runs ahead of it by however far earlier tests' sweeps pushed it, and a stuck
    # period could seem over at the first pass.
    clock = Clock(datetime.now(UTC))
    services = rig.services_at(clock, stuck_after_seconds=STUCK_AFTER)
    directory = rig.workshops_root / RESET_WORKSHOP
    moved = rig.workshops_root.parent / f"{RESET_WORKSHOP}-moved-away"
    directory.rename(moved)  # the backend no longer has the workshop: its RESET fails at once
    try:
        rig.end_early(email, rid)
        wait_until("escalated", lambda: rig.get(rid).escalated, rig.supervise)
        escalated = rig.get(rid)
        assert escalated.state is State.ENDING and escalated.order_verb is OrderVerb.RESET
        assert (
            escalated.end_attempts == MAX_END_ATTEMPTS and "not on this backend" in escalated.error
        )
        assert student not in audit(RESET_WORKSHOP).free  # held, never handed out unwiped
        # Within a stuck period: reported on every pass, no new attempt (no hot loop)
        later(clock, LEASE_GAP)
        assert services.sweeper.run()[rid] is Swept.ESCALATED
        assert rig.get(rid).order_id == escalated.order_id
    finally:
        moved.rename(directory)  # the operator puts the workshop back
    # A stuck period later the sweep sends the next attempt, which now succeeds. The agent is
    # held meanwhile: a quick RESET could end the session before the pass reports on it.
    later(clock, STUCK_AFTER + LEASE_GAP)
    rig.stop_agent()
    try:
        assert services.sweeper.run()[rid] is Swept.ESCALATED
    finally:
        rig.start_agent()
    rig.wait_state(rid, State.ENDED)
    assert student in audit(RESET_WORKSHOP).free
    wait_until("the thanks mail", lambda: "thanks" in rig.kinds(email), rig.supervise)
    assert rig.kinds(email) == ["welcome", "credentials", "thanks"]
    assert rid not in services.sweeper.run()  # settled: nothing left to report
    rig.assert_settled([rid])
