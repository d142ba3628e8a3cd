"""Registering: a seat is taken in one conditional transaction, then its follow-ups run.

Called by `POST /api/registrations`. A participant who already holds a seat gets it back (and,
at most once per interval, a mail saying so) instead of a second one; "already" compares the
canonical address (`a.b+x@gmail.com` is `ab@gmail.com`), and one domain takes at most its cap
of a workshop's seats.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from wod.domain.addresses import canonical_address, domain_cap
from wod.domain.errors import (
    DuplicateRegistrationError,
    SeatTakenError,
    SuppressedAddressError,
    WorkshopClosedError,
    WorkshopFullError,
    WorkshopNotFoundError,
)
from wod.domain.metrics import Metric
from wod.domain.participants import RegistrationRequest
from wod.domain.registrations import Registration, choose_student, plan_registration
from wod.mail.render import MailKind
from wod_contracts.workshop import Workshop

from .follow_ups import FollowUps
from .notifications import Notifier
from .ports import (
    Catalog,
    Clock,
    RegistrationReader,
    SeatClaims,
    Stamps,
    Suppressions,
    Telemetry,
)
from .warm_seats import WarmSeats

logger = Logger(child=True)


@dataclass(frozen=True)
class Outcome:
    """What a registration request led to: a new seat, or the participant's existing one."""

    registration: Registration
    duplicate: bool


class Registrar:
    def __init__(
        self,
        *,
        catalog: Catalog,
        claims: SeatClaims,
        registrations: RegistrationReader,
        suppressions: Suppressions,
        stamps: Stamps,
        notifier: Notifier,
        follow_ups: FollowUps,
        warm_seats: WarmSeats,
        clock: Clock,
        telemetry: Telemetry | None = None,
        duplicate_notice_interval: int = 600,
        domain_cap: int = 0,
        exempt_domains: tuple[str, ...] = (),
    ) -> None:
        self._domain_cap = domain_cap
        self._exempt_domains = exempt_domains
        self._telemetry = telemetry
        self._warm_seats = warm_seats
        self._catalog = catalog
        self._claims = claims
        self._registrations = registrations
        self._suppressions = suppressions
        self._stamps = stamps
        self._notifier = notifier
        self._follow_ups = follow_ups
        self._clock = clock
        self._duplicate_notice_interval = duplicate_notice_interval

    def register(self, request: RegistrationRequest) -> Outcome:
        seats = self._catalog.get(request.workshop_id, consistent=True)
        if not seats.workshop.active:
            raise WorkshopNotFoundError(request.workshop_id)
        email = request.normalized_email
        if self._suppressions.is_suppressed(email):
            raise SuppressedAddressError("email")  # the field, never the address
        person = canonical_address(email)
        cap = domain_cap(person, self._domain_cap, self._exempt_domains)
        # Every failed claim means another participant took a seat (or left the guard), so the
        # loop ends: the pool empties or a claim succeeds. The bound only guards against bugs.
        for _ in range(2 * seats.workshop.capacity + 10):
            if seats.closed:  # also after a lost claim: a close may be why it was lost
                raise WorkshopClosedError(request.workshop_id)
            try:
                student = choose_student(seats.free_students, seats.warm_students)
            except WorkshopFullError:
                holder = self._claims.holder(request.workshop_id, person)
                if holder:
                    return self._duplicate(holder, seats.workshop)
                self._count(Metric.WORKSHOP_FULL, request.workshop_id)
                raise
            registration = plan_registration(
                request,
                seats.workshop,
                student,
                self._clock(),
                warm_seat=student in seats.warm_students,
            )
            try:
                self._claims.claim_seat(registration, domain_cap=cap)
            except SeatTakenError:
                seats = self._catalog.get(request.workshop_id, consistent=True)
                continue
            except DuplicateRegistrationError as exc:
                return self._duplicate(exc.registration_id, seats.workshop)
            logger.info(
                "seat claimed",
                registration_id=registration.registration_id,
                workshop_id=registration.workshop_id,
                student=student,
                warm=registration.warm_seat,
            )
            self._count(Metric.REGISTRATIONS, request.workshop_id)
            registered = self._follow_ups.finish(registration, seats.workshop)
            self._warm_seats.top_up(request.workshop_id)  # prepare a seat for the next one
            return Outcome(registered, duplicate=False)
        raise WorkshopFullError(request.workshop_id)

    def _count(self, metric: Metric, workshop_id: str) -> None:
        if self._telemetry is not None:
            self._telemetry.count(metric, workshop_id)

    def _duplicate(self, registration_id: str, workshop: Workshop) -> Outcome:
        registration = self._registrations.get(registration_id)
        now = self._clock().timestamp()
        if self._stamps.claim_duplicate_notice(
            registration_id, now, self._duplicate_notice_interval
        ) and not self._notifier.send_best_effort(
            MailKind.ALREADY_REGISTERED, registration, workshop
        ):
            # Not sent: counted only once SES takes it, so the next attempt may send it.
            self._stamps.release_duplicate_notice(registration_id, now)
        return Outcome(registration, duplicate=True)
