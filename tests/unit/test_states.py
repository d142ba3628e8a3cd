"""The registration state machine."""

from __future__ import annotations

import pytest

from wod.domain.errors import InvalidTransitionError
from wod.domain.states import (
    CANCELLABLE,
    FINAL,
    HOLDS_SEAT,
    TRANSITIONS,
    State,
    check_transition,
    sources_of,
)


def test_every_state_is_in_the_machine() -> None:
    assert set(TRANSITIONS) == set(State)


def test_final_states_have_no_way_out() -> None:
    assert {State.ENDED, State.FAILED, State.CANCELLED} == FINAL
    for state in FINAL:
        for target in State:
            with pytest.raises(InvalidTransitionError):
                check_transition(state, target)


@pytest.mark.parametrize(
    ("from_", "to"),
    [
        (State.PENDING, State.DEPLOYING),
        (State.DEPLOYING, State.READY),
        (State.READY, State.ENDING),
        (State.ENDING, State.ENDED),
        (State.PENDING, State.CANCELLED),
        (State.DEPLOYING, State.FAILED),
    ],
)
def test_the_happy_and_failure_paths_are_allowed(from_: State, to: State) -> None:
    check_transition(from_, to)


@pytest.mark.parametrize(
    ("from_", "to"),
    [
        (State.READY, State.DEPLOYING),
        (State.ENDING, State.READY),
        (State.READY, State.PENDING),
        (State.ENDING, State.CANCELLED),
    ],
)
def test_going_back_is_refused(from_: State, to: State) -> None:
    with pytest.raises(InvalidTransitionError):
        check_transition(from_, to)


def test_seats_are_held_until_the_end_and_final_states_hold_none() -> None:
    assert not HOLDS_SEAT & FINAL
    assert CANCELLABLE < HOLDS_SEAT
    assert sources_of(State.ENDED) == {State.ENDING}
