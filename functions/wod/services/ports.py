"""What the services need from the outside world, as protocols (adapters implement them)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from wod.adapters.schedules import ScheduleKind
from wod.adapters.workshops import WorkshopSeats
from wod.domain.registrations import EndReason, FollowUp, Registration
from wod.domain.states import State
from wod_contracts.orders import Order, OrderVerb

Clock = Callable[[], datetime]


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str: ...


class OrderQueues(Protocol):
    def send(self, order: Order) -> None: ...


class Schedules(Protocol):
    def create(self, registration_id: str, kind: ScheduleKind, when: datetime) -> None: ...
    def delete(self, registration_id: str, kind: ScheduleKind) -> None: ...


class Workshops(Protocol):
    def get(self, workshop_id: str, *, consistent: bool = False) -> WorkshopSeats: ...
    def listed(self) -> list[WorkshopSeats]: ...


class Registrations(Protocol):
    def claim_seat(self, registration: Registration) -> None: ...
    def get(self, registration_id: str) -> Registration: ...
    def active_for(self, workshop_id: str, email: str) -> str | None: ...
    def in_state(self, state: State, changed_before: datetime) -> Iterator[Registration]: ...
    def transition(
        self,
        registration: Registration,
        to: State,
        now: datetime,
        *,
        from_: Collection[State] | None = None,
        order_id: str | None = None,
        order_verb: OrderVerb | None = None,
        error: str | None = None,
        expect_order_id: str | None = None,
        add_follow_ups: Collection[FollowUp] = (),
        end_reason: EndReason | None = None,
    ) -> Registration: ...
    def release_seat(
        self,
        registration: Registration,
        to: State,
        now: datetime,
        *,
        from_: Collection[State],
        error: str | None = None,
        expect_order_id: str | None = None,
    ) -> None: ...
    def follow_up_done(self, registration_id: str, step: FollowUp) -> frozenset[FollowUp]: ...
    def touch(self, registration: Registration, now: datetime) -> None: ...
    def take_lease(self, registration_id: str, now: float, seconds: int) -> bool: ...
    def claim_duplicate_notice(self, registration_id: str, now: float, interval: int) -> bool: ...
    def claim_reminder(self, registration_id: str, now: float) -> bool: ...
    def use_once(self, guard_id: str, expires_at: datetime) -> bool: ...
    def suppress(self, email: str, reason: str) -> None: ...
    def is_suppressed(self, email: str) -> bool: ...
