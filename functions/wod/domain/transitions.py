"""The changes a registration goes through, as values built by intent-named constructors.

The store writes each one as a single conditional write: the stored state must still be one of
`sources` (and the stored order `expect_order_id`, if given), otherwise InvalidTransitionError.
A change to a final state also gives the seat back, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from wod_contracts.orders import OrderVerb

from .registrations import EndReason, FollowUp, new_id
from .states import FINAL, State, check_transition

MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class NewOrder:
    """The order that a change makes current (the one the agent's callback must name)."""

    order_id: str
    verb: OrderVerb


@dataclass(frozen=True)
class Transition:
    to: State
    sources: frozenset[State]
    expect_order_id: str | None = None
    new_order: NewOrder | None = None
    error: str | None = None
    add_follow_ups: frozenset[FollowUp] = frozenset()
    end_reason: EndReason | None = None
    # The stored end must still be this one (an expiry loses to an extension written first).
    expect_ends_at: datetime | None = None
    counts_end_attempt: bool = False  # a failed end order: the attempt counter goes up

    def __post_init__(self) -> None:
        for source in self.sources:
            check_transition(source, self.to)
        if self.error is not None:
            object.__setattr__(self, "error", self.error[:MAX_ERROR_LENGTH])

    @property
    def releases_seat(self) -> bool:
        """A final state gives the student back to the pool and frees the participant's email."""
        return self.to in FINAL


def _from(*states: State) -> frozenset[State]:
    return frozenset(states)


def to_deploying() -> Transition:
    """Every start follow-up is done: the CREATE order is with the backend."""
    return Transition(State.DEPLOYING, _from(State.PENDING))


def to_ready(order_id: str) -> Transition:
    """The agent deployed the seat; its credentials mail is owed until struck off."""
    return Transition(
        State.READY,
        _from(State.PENDING, State.DEPLOYING),
        expect_order_id=order_id,
        add_follow_ups=frozenset({FollowUp.CREDENTIALS_MAIL}),
    )


def to_ending(
    current: State, reason: EndReason, verb: OrderVerb, expect_ends_at: datetime | None = None
) -> Transition:
    """The session ends: a new CLEANUP or RESET order becomes current and must be queued. An
    expiry names the end it is due for, so an extension written meanwhile wins."""
    return Transition(
        State.ENDING,
        _from(current),
        new_order=NewOrder(new_id(), verb),
        add_follow_ups=frozenset({FollowUp.END_ORDER}),
        end_reason=reason,
        expect_ends_at=expect_ends_at,
    )


def to_end_retried(order_id: str, verb: OrderVerb, error: str) -> Transition:
    """The end order `order_id` failed or went unanswered: a new attempt, with a new id (the
    agent's journal remembers the old one as reported), becomes current and must be queued."""
    return Transition(
        State.ENDING,
        _from(State.ENDING),
        expect_order_id=order_id,
        new_order=NewOrder(new_id(), verb),
        add_follow_ups=frozenset({FollowUp.END_ORDER}),
        error=error,
        counts_end_attempt=True,
    )


def to_reissued(order_id: str) -> Transition:
    """A fresh password for a running seat (credentials never mailed, or lost): a REISSUE
    order becomes current and the credentials mail is owed again."""
    return Transition(
        State.READY,
        _from(State.READY),
        expect_order_id=order_id,
        new_order=NewOrder(new_id(), OrderVerb.REISSUE),
        add_follow_ups=frozenset({FollowUp.REISSUE_ORDER, FollowUp.CREDENTIALS_MAIL}),
    )


def to_failed(order_id: str, error: str) -> Transition:
    """The backend could not deploy the seat: it goes back to the pool."""
    return Transition(
        State.FAILED, _from(State.PENDING, State.DEPLOYING), expect_order_id=order_id, error=error
    )


def to_ended(order_id: str) -> Transition:
    """The backend wiped (or reset) the seat: it goes back to the pool."""
    return Transition(State.ENDED, _from(State.ENDING), expect_order_id=order_id)


def to_cancelled(error: str, sources: Collection[State] = (State.PENDING,)) -> Transition:
    """The backend never heard of the seat: it goes straight back to the pool."""
    return Transition(State.CANCELLED, frozenset(sources), error=error)
