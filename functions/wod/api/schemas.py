"""Response bodies of the public API (they also document it in the published OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from wod.domain.locales import DEFAULT_LANGUAGE
from wod.domain.states import State
from wod.domain.workshops import WorkshopSeats
from wod.locales import N_, translations
from wod.services.challenges import Challenge
from wod.services.participants import StatusView
from wod.services.registrations import Outcome
from wod_contracts.workshop import NotebookEntry, Presenter


class WorkshopSummary(BaseModel):
    id: str
    title: str
    summary: str
    duration_minutes: int
    level: str
    kernel: str
    tags: list[str]
    seats_total: int
    seats_available: int
    closed: bool = Field(
        default=False, description="Closed by the organizer: no registration is taken now."
    )

    @classmethod
    def of(cls, seats: WorkshopSeats) -> WorkshopSummary:
        w = seats.workshop
        return cls(
            id=w.id,
            title=w.title,
            summary=w.summary,
            duration_minutes=w.duration_minutes,
            level=w.level.value,
            kernel=w.kernel,
            tags=list(w.tags),
            seats_total=seats.seats_total,
            seats_available=0 if seats.closed else seats.seats_available,
            closed=seats.closed,
        )


class WorkshopDetail(WorkshopSummary):
    description: str
    presenter: Presenter
    notebooks: list[NotebookEntry]
    visibility: str
    on_end: str
    reminder_minutes_before_end: int

    @classmethod
    def of(cls, seats: WorkshopSeats) -> WorkshopDetail:
        w = seats.workshop
        return cls(
            **WorkshopSummary.of(seats).model_dump(),
            description=w.description,
            presenter=w.presenter,
            notebooks=list(w.notebooks),
            visibility=w.visibility.value,
            on_end=w.on_end.value,
            reminder_minutes_before_end=w.reminder_minutes,
        )


class RegistrationAccepted(BaseModel):
    """The answer to a registration. The same for someone already registered (with the id of
    their registration) as for a new one: the mailbox learns the difference, not the caller."""

    registration_id: str
    workshop_id: str
    status: str = Field(description="`deploying`, or `pending` while a follow-up is retried.")
    message: str

    MESSAGE: ClassVar[str] = N_(
        "Registered: check your inbox for our mail about this registration "
        "(and your spam folder, if it does not arrive)."
    )

    @classmethod
    def of(cls, outcome: Outcome, language: str = DEFAULT_LANGUAGE) -> RegistrationAccepted:
        """`language`: the request's (never the stored registration's, which would tell a
        stranger how someone else registered)."""
        registration = outcome.registration
        # A new registration is pending or deploying; an existing one may be further on, and
        # saying so would tell a stranger that this address registered before.
        status = registration.state
        if status is not State.PENDING:
            status = State.DEPLOYING
        return cls(
            registration_id=registration.registration_id,
            workshop_id=registration.workshop_id,
            status=status.value,
            message=translations(language).gettext(cls.MESSAGE),
        )


class EndRequested(BaseModel):
    """The answer to ending a session early: the seat is being wiped (`ending`), or, asked to
    erase the participant's data once the session is over, `erased`."""

    registration_id: str
    status: str


class RegistrationStatus(BaseModel):
    registration_id: str
    workshop_id: str
    workshop_title: str
    status: str
    first_name: str
    created_at: datetime
    ends_at: datetime
    username: str | None
    start_url: str | None
    queue_position: int | None = Field(
        default=None,
        description="While the seat waits for the backend: how many seats are ahead of it.",
    )
    time_zone: str = Field(
        default="UTC", description="The IANA time zone the participant registered from."
    )
    language: str = Field(
        default="en", description="The language of the participant's mails (`en`, `fr`)."
    )
    extension_minutes: int | None = Field(
        default=None,
        description="Minutes the participant may add once now (`POST .../extension`); "
        "none when the workshop does not offer it, it was used, or no seat is free.",
    )

    @classmethod
    def of(cls, view: StatusView) -> RegistrationStatus:
        r = view.registration
        return cls(
            registration_id=r.registration_id,
            workshop_id=r.workshop_id,
            workshop_title=view.workshop.title,
            status=r.state.value,
            first_name=r.first_name,
            created_at=r.created_at,
            ends_at=r.ends_at,
            username=r.username if view.start_url else None,
            start_url=view.start_url,
            queue_position=view.queue_position,
            time_zone=r.time_zone,
            language=r.language,
            extension_minutes=view.extension_minutes,
        )


class ErrorBody(BaseModel):
    """Every error answer of the API, whatever the route and status."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(
        description="A stable code: `validation_error`, `unsupported_media_type`, "
        "`workshop_not_found`, `workshop_full`, `registration_not_found`, `unauthorized`, ..."
    )
    message: str = Field(description="What went wrong, in a sentence for a person.")
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="For `validation_error` and `unsupported_media_type`: each bad field (or "
        "`body`, or a header) and what is wrong with it.",
    )


class ChallengeBody(BaseModel):
    """An ALTCHA challenge (protocol v1). Solve it, then send the solution as the registration's
    `altcha` field."""

    HOW_TO_SOLVE: ClassVar[str] = (
        "Find the integer `number` in [0, `maxnumber`] such that the lower-case hex SHA-256 of "
        "`salt` followed by the decimal `number` equals `challenge`. Then register with the "
        'field `altcha` set to the base64 of the JSON object `{"algorithm": …, '
        '"challenge": …, "number": <number>, "salt": …, "signature": …}` (the other '
        "four values copied from the challenge). A solution is accepted once, until the "
        "challenge expires (the `expires` Unix time in the salt). In Python: "
        "`altcha.solve_challenge_v1(challenge, salt, 'SHA-256', maxnumber)`."
    )

    algorithm: str = Field(description="Always `SHA-256`.")
    challenge: str = Field(description="SHA-256 (hex) of `salt` + the decimal number to find.")
    maxnumber: int = Field(description="The number is at most this (the difficulty).")
    salt: str = Field(description="Random, with the expiry: `<hex>?expires=<unix time>&`.")
    signature: str = Field(description="HMAC of `challenge`, by the API's key.")

    @classmethod
    def of(cls, challenge: Challenge) -> ChallengeBody:
        return cls(
            algorithm=challenge.algorithm,
            challenge=challenge.challenge,
            maxnumber=challenge.maxnumber,
            salt=challenge.salt,
            signature=challenge.signature,
        )
