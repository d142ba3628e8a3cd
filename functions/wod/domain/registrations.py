"""A registration as the domain sees it, and the pure decisions about it.

Who calls it: the registration service (building a new registration, choosing a seat) and the
API (what a participant may see of it).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from wod_contracts.orders import OrderVerb, username_for
from wod_contracts.workshop import EndAction, Workshop

from .addresses import canonical_address
from .errors import WorkshopFullError
from .locales import DEFAULT_LANGUAGE, DEFAULT_TIME_ZONE
from .participants import RegistrationRequest
from .states import State

# A registration's data is kept this long after its session ends, then DynamoDB's TTL drops it
# (the default of the template's RetentionDays, `Settings.retention_days`).
RETENTION = timedelta(days=90)


class FollowUp(StrEnum):
    """What must happen after the seat is taken; each is retried by the sweep until done."""

    WELCOME_MAIL = "welcome_mail"
    CREATE_ORDER = "create_order"
    SCHEDULES = "schedules"
    END_ORDER = "end_order"  # the CLEANUP or RESET order of a session that is ending
    CREDENTIALS_MAIL = "credentials_mail"  # owed from READY until SES accepted it
    REISSUE_ORDER = "reissue_order"  # the REISSUE order of credentials that were never mailed


# After this many failed (or unanswered) end orders, a held seat needs an operator: the sweep
# reports it (metric `Sweep_escalated`, an alarm) and keeps trying.
MAX_END_ATTEMPTS = 3

# What a new registration must get done once its seat is taken, in this order.
START_FOLLOW_UPS = (FollowUp.WELCOME_MAIL, FollowUp.CREATE_ORDER, FollowUp.SCHEDULES)


class EndReason(StrEnum):
    """Why a session is ending: decides the last mail (thanks, or the apology already sent)."""

    EXPIRED = "expired"
    ENDED_EARLY = "ended_early"
    STUCK = "stuck"  # never became ready in time: the participant got an apology
    BY_ORGANIZER = "by_organizer"  # ended from the organizer's console (`wod-admin end`)


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Registration:
    registration_id: str
    workshop_id: str
    backend: str
    student: int
    email: str
    first_name: str
    last_name: str
    company: str
    state: State
    created_at: datetime
    ends_at: datetime
    reminder_at: datetime
    order_id: str
    order_verb: OrderVerb
    follow_ups: frozenset[FollowUp] = field(default_factory=frozenset)
    error: str = ""
    end_reason: EndReason | None = None
    warm_seat: bool = False  # the seat was prepared ahead of time when it was claimed
    taken_at: datetime | None = None  # when the agent took the current order
    time_zone: str = DEFAULT_TIME_ZONE  # an IANA name: every time we show them is in it
    language: str = DEFAULT_LANGUAGE  # one of locales.LANGUAGES: the language of their mails
    # The canonical address (`addresses.canonical_address`): what "one person, one seat"
    # compares. Empty on registrations made before it was kept: their guard used `email`.
    email_key: str = ""
    updated_at: datetime | None = None  # the last change (the end of a finished session)
    ready_at: datetime | None = None  # when the credentials were first mailed
    self_extended: bool = False  # the participant used the workshop's one self-extension
    end_attempts: int = 0  # end orders that failed or went unanswered (each had its own id)
    reminder_sent: bool = False  # SES accepted the reminder
    erase_requested: bool = False  # the participant asked: their data goes when the seat is back
    erased: bool = False  # personal fields wiped (name, address, company)

    @property
    def escalated(self) -> bool:
        """Its seat could not be wiped after several attempts: an operator should look."""
        return self.end_attempts >= MAX_END_ATTEMPTS

    @property
    def username(self) -> str:
        return username_for(self.student)

    def expires_at(self, retention: timedelta = RETENTION) -> datetime:
        """When DynamoDB's TTL drops it: `retention` after its session's end."""
        return self.ends_at + retention

    @property
    def person(self) -> str:
        """The key of the participant's email guard (kept as claimed, so a release finds it)."""
        return self.email_key or self.email

    def with_state(self, state: State) -> Registration:
        return replace(self, state=state)


def plan_registration(
    request: RegistrationRequest,
    workshop: Workshop,
    student: int,
    now: datetime,
    *,
    warm_seat: bool = False,
) -> Registration:
    """The registration to write when `student` is claimed: the time starts now (the terms)."""
    ends_at = now + timedelta(minutes=workshop.duration_minutes)
    return Registration(
        registration_id=new_id(),
        workshop_id=workshop.id,
        backend=workshop.backend,
        student=student,
        email=request.normalized_email,
        email_key=canonical_address(request.normalized_email),
        first_name=request.first_name,
        last_name=request.last_name,
        company=request.company,
        state=State.PENDING,
        created_at=now,
        ends_at=ends_at,
        reminder_at=ends_at - timedelta(minutes=workshop.reminder_minutes),
        order_id=new_id(),
        order_verb=OrderVerb.CREATE,
        follow_ups=frozenset(START_FOLLOW_UPS),
        warm_seat=warm_seat,
        time_zone=request.zone,
        language=request.supported_language,
    )


def choose_student(
    free: Collection[int], warm: Collection[int] = (), rng: random.Random | None = None
) -> int:
    """Pick a free student, a warm one if any (its login comes in seconds), at random among
    them: concurrent registrations then rarely pick the same one, so the conditional claim
    seldom has to retry."""
    if not free:
        raise WorkshopFullError("no free seat")
    ready = sorted(set(warm) & set(free))
    return (rng or random.SystemRandom()).choice(ready or sorted(free))


def end_verb(workshop: Workshop) -> OrderVerb:
    return OrderVerb.RESET if workshop.on_end is EndAction.RESET else OrderVerb.CLEANUP
