"""The registration state machine: which state may follow which.

Every transition is also a conditional write in the table (see `adapters.registrations`), so the
table never holds a state reached through a forbidden edge, whatever the concurrency.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import InvalidTransitionError


class State(StrEnum):
    PENDING = "pending"  # seat taken; welcome mail, order and schedules on their way
    DEPLOYING = "deploying"  # CREATE order queued; waiting for the agent
    READY = "ready"  # credentials mailed; the session runs
    ENDING = "ending"  # CLEANUP or RESET queued; the seat is being wiped
    ENDED = "ended"  # seat back in the pool; thanks mail sent
    FAILED = "failed"  # the backend could not deploy; seat back, apology sent
    CANCELLED = "cancelled"  # never got going (follow-ups lost); seat back


TRANSITIONS: dict[State, frozenset[State]] = {
    State.PENDING: frozenset(
        {State.DEPLOYING, State.READY, State.ENDING, State.FAILED, State.CANCELLED}
    ),
    State.DEPLOYING: frozenset({State.READY, State.ENDING, State.FAILED}),
    # READY -> READY: a new order (REISSUE) for credentials that could not be mailed.
    State.READY: frozenset({State.READY, State.ENDING}),
    # ENDING -> ENDING: a new attempt at the end order after the backend failed (or never
    # answered); the seat is held until one succeeds.
    State.ENDING: frozenset({State.ENDING, State.ENDED}),
    State.ENDED: frozenset(),
    State.FAILED: frozenset(),
    State.CANCELLED: frozenset(),
}

# States in which the participant holds a seat (and the email lock for the workshop).
HOLDS_SEAT = frozenset({State.PENDING, State.DEPLOYING, State.READY, State.ENDING})
# States from which the participant may still end the session early.
CANCELLABLE = frozenset({State.PENDING, State.DEPLOYING, State.READY})
FINAL = frozenset(state for state, nexts in TRANSITIONS.items() if not nexts)


def check_transition(from_: State, to: State) -> None:
    if to not in TRANSITIONS[from_]:
        raise InvalidTransitionError(f"{from_} -> {to} is not allowed")


def sources_of(to: State) -> frozenset[State]:
    """Every state from which `to` may be reached (the condition of a transition's write)."""
    return frozenset(state for state, nexts in TRANSITIONS.items() if to in nexts)
