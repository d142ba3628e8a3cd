"""In-memory twins of every port in `wod.services.ports`, with the same conditional semantics
as the DynamoDB adapters (a lost race is the same domain error), for unit tests of the
services. `tests/contract` runs one suite against these and the real adapters alike.

Each twin serializes its operations with one lock, as DynamoDB serializes the writes of one
item: concurrent tests see the conditions hold, never a torn state.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from wod.domain.addresses import domain_of
from wod.domain.console import Extension
from wod.domain.errors import (
    ConfigurationError,
    DeliveryError,
    DomainFullError,
    DuplicateRegistrationError,
    InvalidTransitionError,
    RegistrationNotFoundError,
    SeatTakenError,
    WorkshopNotFoundError,
)
from wod.domain.metrics import Metric
from wod.domain.registrations import FollowUp, Registration
from wod.domain.schedules import ScheduleKind
from wod.domain.states import CANCELLABLE, FINAL, HOLDS_SEAT, State
from wod.domain.tokens import ANY_BACKEND
from wod.domain.transitions import Transition
from wod.domain.workshops import Preparation, WorkshopSeats
from wod.services.wiring import Adapters, Services, wire
from wod.settings import REPO_ROOT, Settings
from wod_contracts.orders import Order
from wod_contracts.workshop import Visibility, Workshop

from .clock import Clock


@dataclass
class _Pool:
    workshop: Workshop
    free: set[int]
    badge_svg: str | None = None
    warm: set[int] = field(default_factory=set)
    preparing: dict[int, Preparation] = field(default_factory=dict)
    version: int = 0
    paused_until: datetime | None = None
    closed_reason: str | None = None

    def seats(self) -> WorkshopSeats:
        return WorkshopSeats(
            self.workshop,
            frozenset(self.free),
            self.badge_svg,
            frozenset(self.warm),
            dict(self.preparing),
            self.version,
            self.paused_until,
            self.closed_reason,
        )


@dataclass
class _Row:
    registration: Registration
    updated_at: datetime
    stamps: dict[str, float] = field(default_factory=dict)


class MemoryTables:
    """The three tables: workshop pools, registrations, guards (id -> holder or value)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.pools: dict[str, _Pool] = {}
        self.rows: dict[str, _Row] = {}
        self.guards: dict[str, str | None] = {}
        self.domains: dict[str, set[str]] = {}  # a domain's share of a workshop: its holders
        self.limits: dict[str, int] = {}  # the limits table: counters and values used once
        self.seen: dict[str, datetime] = {}


def email_guard_id(workshop_id: str, email: str) -> str:
    return f"email#{workshop_id}#{email}"


def domain_guard_id(workshop_id: str, email: str) -> str:
    return f"domain#{workshop_id}#{domain_of(email)}"


class MemoryCatalog:
    """The Catalog and WarmPool ports; `seed` as `WorkshopStore.seed` does (seats in use are
    left alone)."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def seed(
        self, workshops: Iterable[Workshop], now: datetime, badges: Mapping[str, str] | None = None
    ) -> None:
        with self._tables.lock:
            for workshop in workshops:
                wanted = set(workshop.students.numbers())
                pool = self._tables.pools.get(workshop.id)
                badge = (badges or {}).get(workshop.id)
                if pool is None:
                    self._tables.pools[workshop.id] = _Pool(workshop, wanted, badge)
                    continue
                held = {
                    row.registration.student
                    for row in self._tables.rows.values()
                    if row.registration.workshop_id == workshop.id
                    and row.registration.state in HOLDS_SEAT
                }
                pool.free = (pool.free & wanted) | (wanted - held - pool.free)
                pool.warm &= pool.free
                pool.preparing = {s: p for s, p in pool.preparing.items() if s in pool.free}
                pool.workshop, pool.badge_svg = workshop, badge
                pool.version += 1

    def get(self, workshop_id: str, *, consistent: bool = False) -> WorkshopSeats:
        with self._tables.lock:
            pool = self._tables.pools.get(workshop_id)
            if pool is None:
                raise WorkshopNotFoundError(workshop_id)
            return pool.seats()

    def listed(self) -> list[WorkshopSeats]:
        with self._tables.lock:
            shown = [
                self.get(workshop_id)
                for workshop_id, pool in self._tables.pools.items()
                if pool.workshop.active and pool.workshop.visibility is Visibility.PUBLIC
            ]
        return sorted(shown, key=lambda seats: seats.workshop.title.lower())

    def every(self) -> list[WorkshopSeats]:
        with self._tables.lock:
            return [pool.seats() for pool in self._tables.pools.values()]

    def set_closed(self, workshop_id: str, reason: str | None) -> WorkshopSeats:
        with self._tables.lock:
            pool = self._tables.pools.get(workshop_id)
            if pool is None:
                raise WorkshopNotFoundError(workshop_id)
            pool.closed_reason = reason
            pool.version += 1
            return pool.seats()

    def reserve_preparations(
        self, workshop_id: str, orders: Mapping[int, str], now: datetime, version: int
    ) -> bool:
        with self._tables.lock:
            pool = self._tables.pools[workshop_id]
            if pool.version != version:
                return False
            for student, order_id in orders.items():
                pool.preparing[student] = Preparation(order_id, now)
            pool.version += 1
            return True

    def mark_warm(self, workshop_id: str, student: int, order_id: str) -> bool:
        with self._tables.lock:
            pool = self._tables.pools[workshop_id]
            entry = pool.preparing.get(student)
            if entry is None or entry.order_id != order_id or student not in pool.free:
                return False
            del pool.preparing[student]
            pool.warm.add(student)
            pool.version += 1
            return True

    def drop_preparation(
        self, workshop_id: str, student: int, order_id: str, pause_until: datetime | None = None
    ) -> bool:
        with self._tables.lock:
            pool = self._tables.pools[workshop_id]
            entry = pool.preparing.get(student)
            if entry is None or entry.order_id != order_id:
                return False
            del pool.preparing[student]
            if pause_until is not None:
                pool.paused_until = pause_until
            pool.version += 1
            return True


class MemoryStore:
    """The SeatClaims, Ledger, Backlog and Stamps ports over the tables."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    # -- the seat claim ------------------------------------------------------------------------

    def claim_seat(self, registration: Registration, *, domain_cap: int | None = None) -> None:
        tables = self._tables
        guard = email_guard_id(registration.workshop_id, registration.person)
        share = domain_guard_id(registration.workshop_id, registration.person)
        with tables.lock:
            holder = tables.guards.get(guard)
            if holder is not None:
                raise DuplicateRegistrationError(holder)
            holders = tables.domains.setdefault(share, set())
            if domain_cap is not None and len(holders) >= domain_cap:
                raise DomainFullError(domain_of(registration.person))
            pool = tables.pools.get(registration.workshop_id)
            if (
                pool is None
                or not pool.workshop.active
                or pool.closed_reason is not None
                or registration.student not in pool.free
            ):
                raise SeatTakenError(str(registration.student))
            if registration.registration_id in tables.rows:
                raise RuntimeError("transaction cancelled: registration id exists")
            pool.free.discard(registration.student)
            pool.warm.discard(registration.student)
            pool.preparing.pop(registration.student, None)
            pool.version += 1
            tables.rows[registration.registration_id] = _Row(registration, registration.created_at)
            tables.guards[guard] = registration.registration_id
            if domain_cap is not None:
                holders.add(registration.registration_id)

    def holder(self, workshop_id: str, person: str) -> str | None:
        with self._tables.lock:
            return self._tables.guards.get(email_guard_id(workshop_id, person))

    # -- reads ---------------------------------------------------------------------------------

    @staticmethod
    def _view(row: _Row) -> Registration:
        """The registration as read back: its stamps and last change show as the adapter's
        `to_domain` does."""
        sent = "reminder" in row.stamps
        return replace(row.registration, reminder_sent=sent, updated_at=row.updated_at)

    def get(self, registration_id: str) -> Registration:
        with self._tables.lock:
            row = self._tables.rows.get(registration_id)
            if row is None:
                raise RegistrationNotFoundError(registration_id)
            return self._view(row)

    def roster(
        self, workshop_id: str | None = None, state: State | None = None
    ) -> Iterator[Registration]:
        with self._tables.lock:
            found = [
                self._view(row)
                for row in self._tables.rows.values()
                if (workshop_id is None or row.registration.workshop_id == workshop_id)
                and (state is None or row.registration.state is state)
            ]
        yield from found

    def in_state(self, state: State, changed_before: datetime) -> Iterator[Registration]:
        with self._tables.lock:
            rows = sorted(
                (
                    row
                    for row in self._tables.rows.values()
                    if row.registration.state is state and row.updated_at < changed_before
                ),
                key=lambda row: row.updated_at,
            )
            found = [self._view(row) for row in rows]
        yield from found

    def of_address(self, email: str) -> list[Registration]:
        with self._tables.lock:
            return [
                self._view(row)
                for row in self._tables.rows.values()
                if row.registration.email == email
            ]

    def request_erasure(self, registration_id: str) -> bool:
        with self._tables.lock:
            row = self._tables.rows.get(registration_id)
            if row is None or row.registration.state not in HOLDS_SEAT:
                return False
            row.registration = replace(row.registration, erase_requested=True)
            return True

    def erase(self, registration_id: str, now: datetime) -> bool:
        with self._tables.lock:
            row = self._tables.rows.get(registration_id)
            if row is None or row.registration.state not in FINAL:
                return False
            row.registration = replace(
                row.registration,
                email="",
                email_key="",
                first_name="",
                last_name="",
                company="",
                error="",
                erase_requested=False,
                erased=True,
            )
            return True

    # -- writes --------------------------------------------------------------------------------

    def apply(self, registration: Registration, change: Transition, now: datetime) -> Registration:
        tables = self._tables
        rid = registration.registration_id
        with tables.lock:
            row = tables.rows.get(rid)
            stored = row.registration if row else None
            expected = change.expect_order_id
            if (
                row is None
                or stored is None
                or stored.state not in change.sources
                or (expected is not None and stored.order_id != expected)
                or (change.expect_ends_at is not None and stored.ends_at != change.expect_ends_at)
            ):
                raise InvalidTransitionError(f"{rid}: not in {sorted(change.sources)} any more")
            updated = replace(
                stored,
                state=change.to,
                error=change.error if change.error is not None else stored.error,
                follow_ups=stored.follow_ups | change.add_follow_ups,
                end_reason=change.end_reason or stored.end_reason,
                ready_at=now
                if change.to is State.READY and stored.state is not State.READY
                else stored.ready_at,
                end_attempts=stored.end_attempts + (1 if change.counts_end_attempt else 0),
            )
            if change.new_order is not None:
                updated = replace(
                    updated, order_id=change.new_order.order_id, order_verb=change.new_order.verb
                )
            if change.releases_seat:
                pool = tables.pools.get(stored.workshop_id)
                guard = email_guard_id(stored.workshop_id, stored.person)
                if pool is None or tables.guards.get(guard) != rid:
                    raise RuntimeError("transaction cancelled: pool or guard missing")
                pool.free.add(stored.student)
                pool.version += 1
                del tables.guards[guard]
                tables.domains.get(
                    domain_guard_id(stored.workshop_id, stored.person), set()
                ).discard(rid)
            row.registration, row.updated_at = updated, now
        return registration.with_state(change.to) if change.releases_seat else self._view(row)

    def follow_up_done(self, registration_id: str, step: FollowUp) -> frozenset[FollowUp]:
        with self._tables.lock:
            row = self._tables.rows[registration_id]
            row.registration = replace(
                row.registration, follow_ups=row.registration.follow_ups - {step}
            )
            return row.registration.follow_ups

    def note_taken(self, registration: Registration, order_id: str, now: datetime) -> bool:
        with self._tables.lock:
            row = self._tables.rows.get(registration.registration_id)
            stored = row.registration if row else None
            if (
                row is None
                or stored is None
                or stored.state not in (State.PENDING, State.DEPLOYING)
                or stored.order_id != order_id
                or stored.taken_at is not None
            ):
                return False
            row.registration = replace(stored, taken_at=now)
            return True

    def extend(
        self,
        registration: Registration,
        extension: Extension,
        now: datetime,
        *,
        by_participant: bool = False,
    ) -> Registration:
        with self._tables.lock:
            row = self._tables.rows.get(registration.registration_id)
            stored = row.registration if row else None
            if (
                row is None
                or stored is None
                or stored.state not in CANCELLABLE
                or stored.ends_at != registration.ends_at
                or (by_participant and stored.self_extended)
            ):
                raise InvalidTransitionError(f"{registration.registration_id}: moved meanwhile")
            row.registration = replace(
                stored,
                ends_at=extension.ends_at,
                reminder_at=extension.reminder_at,
                self_extended=stored.self_extended or by_participant,
            )
            row.stamps.pop("reminder", None)
            row.stamps.pop("reminder_lease", None)
            return self._view(row)

    def touch(self, registration: Registration, now: datetime) -> None:
        with self._tables.lock:
            row = self._tables.rows.get(registration.registration_id)
            if row is None or row.registration.state is not registration.state:
                raise InvalidTransitionError(registration.registration_id)
            row.updated_at = now

    # -- stamps --------------------------------------------------------------------------------

    def _stamp_if(self, registration_id: str, name: str, value: float, due: bool | None) -> bool:
        """Set a stamp if `due` says so for its current value (None: only if never set)."""
        with self._tables.lock:
            row = self._tables.rows.get(registration_id)
            if row is None:
                return False
            current = row.stamps.get(name)
            if current is not None and not due:
                return False
            row.stamps[name] = value
            return True

    def _stamp(self, registration_id: str, name: str) -> float | None:
        with self._tables.lock:
            row = self._tables.rows.get(registration_id)
            return row.stamps.get(name) if row else None

    def take_lease(self, registration_id: str, now: float, seconds: int) -> bool:
        with self._tables.lock:
            until = self._stamp(registration_id, "lease")
            return self._stamp_if(
                registration_id, "lease", now + seconds, until is not None and until < now
            )

    def claim_reminder(self, registration_id: str, now: float, seconds: int) -> bool:
        with self._tables.lock:
            if self._stamp(registration_id, "reminder") is not None:
                return False
            until = self._stamp(registration_id, "reminder_lease")
            return self._stamp_if(
                registration_id, "reminder_lease", now + seconds, until is not None and until < now
            )

    def reminder_sent(self, registration_id: str, now: float) -> None:
        self._stamp_if(registration_id, "reminder", now, None)

    def release_duplicate_notice(self, registration_id: str, claimed: float) -> None:
        with self._tables.lock:
            row = self._tables.rows.get(registration_id)
            if row is not None and row.stamps.get("notice") == claimed:
                del row.stamps["notice"]

    def claim_duplicate_notice(self, registration_id: str, now: float, interval: int) -> bool:
        with self._tables.lock:
            last = self._stamp(registration_id, "notice")
            return self._stamp_if(
                registration_id, "notice", now, last is not None and last < now - interval
            )


class MemoryLimits:
    """The Counters and OneTimeGuards ports of the limits table (expiry is not modelled: a
    test drives the clock into the next window, whose counter has another id)."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def take(self, counter_id: str, limit: int, expires_at: datetime) -> bool:
        with self._tables.lock:
            count = self._tables.limits.get(counter_id, 0)
            if count >= limit:
                return False
            self._tables.limits[counter_id] = count + 1
            return True

    def use_once(self, guard_id: str, expires_at: datetime) -> bool:
        with self._tables.lock:
            if guard_id in self._tables.limits:
                return False
            self._tables.limits[guard_id] = 1
            return True


class MemoryGuards:
    """The OneTimeGuards and Suppressions ports."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def use_once(self, guard_id: str, expires_at: datetime) -> bool:
        with self._tables.lock:
            if guard_id in self._tables.guards:
                return False
            self._tables.guards[guard_id] = None
            return True

    def suppress(self, email: str, reason: str) -> None:
        with self._tables.lock:
            self._tables.guards[f"suppressed#{email.lower()}"] = reason

    def unsuppress(self, email: str) -> None:
        with self._tables.lock:
            self._tables.guards.pop(f"suppressed#{email.lower()}", None)

    def is_suppressed(self, email: str) -> bool:
        with self._tables.lock:
            return f"suppressed#{email.lower()}" in self._tables.guards

    def seen(self, backend: str, now: datetime) -> None:
        with self._tables.lock:
            self._tables.seen[backend] = now

    def last_seen(self, backend: str) -> datetime | None:
        with self._tables.lock:
            return self._tables.seen.get(backend)


class Outage:
    """A dependency that fails while `down` (DeliveryError, as the adapters raise)."""

    def __init__(self) -> None:
        self.down = False

    def check(self, what: str) -> None:
        if self.down:
            raise DeliveryError(f"{what}: unavailable (test outage)")


class MemoryMailer(Outage):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> str:
        self.check(f"mail to {message['To']}")
        self.sent.append(message)
        return f"message-{len(self.sent)}"

    def kinds(self, to: str | None = None) -> list[str]:
        return [str(m["X-WOD-Mail-Kind"]) for m in self.sent if to is None or str(m["To"]) == to]


class MemoryQueues(Outage):
    """One queue per backend; SQS's deduplication by order id is kept."""

    def __init__(self, backends: Iterable[str] = ("default",)) -> None:
        super().__init__()
        self.backends = set(backends)
        self.sent: list[Order] = []  # every send, retries included
        self.orders: list[Order] = []  # what a backend receives: one per order id

    def send(self, order: Order) -> None:
        if order.backend not in self.backends:
            raise ConfigurationError(f"backend '{order.backend}' has no order queue")
        self.check(f"order {order.order_id}")
        self.sent.append(order)
        if all(known.order_id != order.order_id for known in self.orders):
            self.orders.append(order)

    def of(self, registration_id: str) -> list[Order]:
        return [o for o in self.orders if o.registration_id == registration_id]


class MemoryTelemetry:
    """The Telemetry port: each metric as (name, workshop, value), in order."""

    def __init__(self) -> None:
        self.points: list[tuple[str, str, float]] = []

    def count(self, metric: Metric, workshop_id: str, value: float = 1) -> None:
        self.points.append((metric.value, workshop_id, value))

    def seconds(self, metric: Metric, workshop_id: str, value: float) -> None:
        self.points.append((metric.value, workshop_id, value))

    def of(self, metric: Metric, workshop_id: str | None = None) -> list[float]:
        return [
            v for name, w, v in self.points if name == metric.value and workshop_id in (None, w)
        ]


class MemorySchedules(Outage):
    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[tuple[str, ScheduleKind], datetime] = {}

    def create(self, registration_id: str, kind: ScheduleKind, when: datetime) -> None:
        self.check(f"schedule {kind} of {registration_id}")
        self.pending.setdefault((registration_id, kind), when)

    def delete(self, registration_id: str, kind: ScheduleKind) -> None:
        self.check(f"schedule {kind} of {registration_id}")
        self.pending.pop((registration_id, kind), None)

    def due(self, now: datetime) -> list[tuple[str, ScheduleKind]]:
        return sorted(key for key, when in self.pending.items() if when <= now)


@dataclass
class MemoryWorld:
    """The services wired to in-memory twins, on a clock the test sets."""

    clock: Clock
    tables: MemoryTables
    catalog: MemoryCatalog
    store: MemoryStore
    guards: MemoryGuards
    mailer: MemoryMailer
    queues: MemoryQueues
    schedules: MemorySchedules
    services: Services
    telemetry: MemoryTelemetry

    def fire_due(self) -> list[tuple[str, ScheduleKind, str]]:
        """What the scheduler would do now: fire each due schedule once, then drop it."""
        fired = []
        for registration_id, kind in self.schedules.due(self.clock()):
            at = self.schedules.pending.get((registration_id, kind))
            outcome = self.services.lifecycle.fire(kind, registration_id, at)
            self.schedules.pending.pop((registration_id, kind), None)
            fired.append((registration_id, kind, outcome.value))
        return fired


TOKEN_KEY = b"unit-test-token-key"
CALLBACK_SECRET = b"unit-test-callback-secret"
HUB_URL = "https://hub.example.org"


def memory_world(
    workshops: Iterable[Workshop],
    now: datetime,
    callback_secrets: Mapping[str, bytes] | None = None,
    **settings: object,
) -> MemoryWorld:
    callback_secrets = callback_secrets or {ANY_BACKEND: CALLBACK_SECRET}
    tables = MemoryTables()
    catalog, store, guards = MemoryCatalog(tables), MemoryStore(tables), MemoryGuards(tables)
    catalog.seed(workshops, now)
    mailer, queues, schedules = MemoryMailer(), MemoryQueues(), MemorySchedules()
    telemetry = MemoryTelemetry()
    clock = Clock(now)
    # Every value the services read is given, so the environment (which the integration
    # fixtures set) cannot leak in.
    values: dict[str, object] = {
        "backend_hubs": {"default": HUB_URL},
        "site_url": "https://workshops.example.org/",
        "branding_file": Path(REPO_ROOT / "branding.yml"),
        "duplicate_notice_interval_seconds": 600,
        "sweep_grace_seconds": 60,
        "sweep_give_up_seconds": 600,
        "stuck_after_seconds": 600,
        **settings,
    }
    services = wire(
        Settings(**values),  # type: ignore[arg-type]
        Adapters(
            catalog, store, guards, mailer, queues, schedules, MemoryLimits(tables), telemetry
        ),
        token_key=TOKEN_KEY,
        callback_secrets=lambda: callback_secrets,
        clock=clock,
    )
    return MemoryWorld(
        clock, tables, catalog, store, guards, mailer, queues, schedules, services, telemetry
    )
