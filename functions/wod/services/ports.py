"""What the services need from the outside world, as small protocols sized to their callers.

They speak domain types only, so the services import no vendor SDK. The DynamoDB, SES, SQS and
Scheduler adapters implement them, and so do the in-memory twins of the unit tests
(`tests/support/memory.py`); `tests/contract` runs the same checks against both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from wod.domain.console import Extension
from wod.domain.metrics import Metric
from wod.domain.registrations import FollowUp, Registration
from wod.domain.schedules import ScheduleKind
from wod.domain.states import State
from wod.domain.transitions import Transition
from wod.domain.workshops import WorkshopSeats
from wod_contracts.orders import Order
from wod_contracts.workshop import Workshop

Clock = Callable[[], datetime]


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Hand a built message to the mail service; its message id. Raises DeliveryError."""
        ...


class Telemetry(Protocol):
    """Business metrics, per workshop (CloudWatch EMF in the cloud)."""

    def count(self, metric: Metric, workshop_id: str, value: float = 1) -> None: ...
    def seconds(self, metric: Metric, workshop_id: str, value: float) -> None: ...


class OrderQueues(Protocol):
    def send(self, order: Order) -> None:
        """Queue an order for its backend. Raises DeliveryError or ConfigurationError."""
        ...


class Schedules(Protocol):
    def create(self, registration_id: str, kind: ScheduleKind, when: datetime) -> None: ...
    def delete(self, registration_id: str, kind: ScheduleKind) -> None: ...


class Catalog(Protocol):
    """The workshops as seeded, with their live pools."""

    def get(self, workshop_id: str, *, consistent: bool = False) -> WorkshopSeats: ...
    def listed(self) -> list[WorkshopSeats]: ...


class CatalogAdmin(Protocol):
    """What the organizer changes in the catalog while the event runs."""

    def seed(
        self, workshops: Iterable[Workshop], now: datetime, badges: Mapping[str, str] | None = None
    ) -> None:
        """Write workshops' definitions without disturbing seats in use (new ones start open)."""
        ...

    def set_closed(self, workshop_id: str, reason: str | None) -> WorkshopSeats:
        """Close (a reason) or open (None) a workshop; its pool as stored afterwards. Raises
        WorkshopNotFoundError."""
        ...


class WarmPool(Protocol):
    """The warm side of the workshops' pools: which free seats are prepared, or on their way."""

    def every(self) -> list[WorkshopSeats]:
        """Every workshop, active or not, public or private."""
        ...

    def reserve_preparations(
        self, workshop_id: str, orders: Mapping[int, str], now: datetime, version: int
    ) -> bool:
        """Note PREPARE orders for free students if the pool is still at `version`."""
        ...

    def mark_warm(self, workshop_id: str, student: int, order_id: str) -> bool:
        """Warm, if the PREPARE is still the seat's and the student still free."""
        ...

    def drop_preparation(
        self, workshop_id: str, student: int, order_id: str, pause_until: datetime | None = None
    ) -> bool:
        """Forget the seat's PREPARE, if it is still this one (optionally pausing top-ups)."""
        ...


class RegistrationReader(Protocol):
    def get(self, registration_id: str) -> Registration:
        """Raises RegistrationNotFoundError."""
        ...


class SeatClaims(Protocol):
    def claim_seat(self, registration: Registration, *, domain_cap: int | None = None) -> None:
        """Take the student, write the registration and the email guard (keyed by
        `registration.person`), and with a cap count the seat in its domain's share of the
        workshop, all or nothing. Raises SeatTakenError, DuplicateRegistrationError (which
        wins over the others) or DomainFullError."""
        ...

    def holder(self, workshop_id: str, person: str) -> str | None:
        """The registration holding this person's seat in the workshop, if any."""
        ...


class Ledger(RegistrationReader, Protocol):
    """The writes that move a registration along its life."""

    def apply(self, registration: Registration, change: Transition, now: datetime) -> Registration:
        """Write the change if the stored registration still allows it, and return it as
        stored; a change to a final state also gives the seat back. Raises
        InvalidTransitionError when another writer came first."""
        ...

    def follow_up_done(self, registration_id: str, step: FollowUp) -> frozenset[FollowUp]:
        """Strike a finished follow-up; returns those still to do."""
        ...

    def touch(self, registration: Registration, now: datetime) -> None:
        """Mark as just looked after, if still in its state. Raises InvalidTransitionError."""
        ...

    def note_taken(self, registration: Registration, order_id: str, now: datetime) -> bool:
        """The agent took the current order of a seat on its way (once); False otherwise."""
        ...

    def extend(
        self,
        registration: Registration,
        extension: Extension,
        now: datetime,
        *,
        by_participant: bool = False,
    ) -> Registration:
        """Move the end (and the reminder, to be mailed again) if the stored registration still
        holds its seat short of ending and still ends at `registration.ends_at`; a participant's
        extension only once. Returns it as stored. Raises InvalidTransitionError."""
        ...


class Roster(Protocol):
    def roster(
        self, workshop_id: str | None = None, state: State | None = None
    ) -> Iterator[Registration]:
        """Every registration kept (of a workshop, in a state), in no particular order."""
        ...


class Backlog(Protocol):
    def in_state(self, state: State, changed_before: datetime) -> Iterator[Registration]:
        """Registrations in `state` whose last change is older than `changed_before`."""
        ...


class Stamps(Protocol):
    """Conditional timestamps: of two writers racing for one, exactly one gets True."""

    def take_lease(self, registration_id: str, now: float, seconds: int) -> bool: ...
    def claim_reminder(self, registration_id: str, now: float, seconds: int) -> bool:
        """A lease on sending the reminder; False while another sender holds one, or once sent."""
        ...

    def reminder_sent(self, registration_id: str, now: float) -> None:
        """SES accepted the reminder (only after that: a failed send leaves it owed)."""
        ...

    def claim_duplicate_notice(self, registration_id: str, now: float, interval: int) -> bool: ...
    def release_duplicate_notice(self, registration_id: str, claimed: float) -> None:
        """Undo a claim whose mail SES did not take (if it is still that claim)."""
        ...


class OneTimeGuards(Protocol):
    def use_once(self, guard_id: str, expires_at: datetime) -> bool:
        """Record a one-time value; False if it was recorded before."""
        ...


class Counters(Protocol):
    def take(self, counter_id: str, limit: int, expires_at: datetime) -> bool:
        """Count one more if the counter is below `limit` (atomically); False, and nothing
        counted, if it is not. The counter is forgotten after `expires_at`."""
        ...


class BackendPresence(Protocol):
    """When each backend's agent last said it was working (its progress reports)."""

    def seen(self, backend: str, now: datetime) -> None: ...
    def last_seen(self, backend: str) -> datetime | None: ...


class Suppressions(Protocol):
    def suppress(self, email: str, reason: str) -> None: ...
    def unsuppress(self, email: str) -> None: ...
    def is_suppressed(self, email: str) -> bool: ...


class PersonalData(RegistrationReader, Protocol):
    """What erasing a participant's data needs of the registrations."""

    def of_address(self, email: str) -> list[Registration]:
        """Every registration of this (normalized) address."""
        ...

    def request_erasure(self, registration_id: str) -> bool:
        """Erase once the seat is back; False if it holds no seat (any more)."""
        ...

    def erase(self, registration_id: str, now: datetime) -> bool:
        """Wipe the personal fields of a settled registration; False if it holds a seat."""
        ...


class Store(SeatClaims, Ledger, Backlog, Stamps, PersonalData, Roster, Protocol):
    """Every registration port at once: what the DynamoDB adapter and its twin implement."""


class Guards(OneTimeGuards, Suppressions, BackendPresence, Protocol):
    """The guards table's ports."""


class Limits(Counters, OneTimeGuards, Protocol):
    """The limits table's ports: abuse counters and proof-of-work solutions used once."""


class Pools(Catalog, WarmPool, CatalogAdmin, Protocol):
    """The workshops table's ports."""
