"""Bodies of the organizer's console (`/api/admin/...`), read by `wod-admin`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from wod.domain.console import MAX_EXTENSION_MINUTES, ConsoleStatus, WorkshopLoad
from wod.domain.registrations import Registration
from wod.domain.workshops import WorkshopSeats
from wod.services.console import SyncReport
from wod_contracts.workshop import Workshop


class WorkshopLoadBody(BaseModel):
    workshop_id: str
    title: str
    backend: str
    capacity: int
    closed: bool
    closed_reason: str | None
    free: int
    warm: int
    deploying: int
    ready: int
    ending: int
    failed: int
    orders_queued: int = Field(
        description="CREATEs the agent has not taken, end orders not confirmed, PREPAREs."
    )
    oldest_order_seconds: float | None
    credentials_p50_seconds: float | None = Field(
        description="Register -> credentials mailed, over the sessions ready in the last hour."
    )
    credentials_p95_seconds: float | None
    registrations_last_hour: int

    @classmethod
    def of(cls, load: WorkshopLoad) -> WorkshopLoadBody:
        return cls(**vars(load), closed=load.closed_reason is not None)


class StatusBody(BaseModel):
    now: datetime
    orders_queued: int
    oldest_order_seconds: float | None
    workshops: list[WorkshopLoadBody]

    @classmethod
    def of(cls, status: ConsoleStatus) -> StatusBody:
        return cls(
            now=status.now,
            orders_queued=status.orders_queued,
            oldest_order_seconds=status.oldest_order_seconds,
            workshops=[WorkshopLoadBody.of(load) for load in status.workshops],
        )


class RegistrationRow(BaseModel):
    """One registration as the organizer sees it (the participant's contact details included:
    the organizer's own list, never shown to anyone else)."""

    registration_id: str
    workshop_id: str
    state: str
    email: str
    first_name: str
    last_name: str
    company: str
    student: int
    created_at: datetime
    ready_at: datetime | None
    ends_at: datetime
    updated_at: datetime | None
    end_reason: str | None
    warm_seat: bool
    self_extended: bool
    error: str

    @classmethod
    def of(cls, r: Registration) -> RegistrationRow:
        return cls(
            registration_id=r.registration_id,
            workshop_id=r.workshop_id,
            state=r.state.value,
            email=r.email,
            first_name=r.first_name,
            last_name=r.last_name,
            company=r.company,
            student=r.student,
            created_at=r.created_at,
            ready_at=r.ready_at,
            ends_at=r.ends_at,
            updated_at=r.updated_at,
            end_reason=r.end_reason.value if r.end_reason else None,
            warm_seat=r.warm_seat,
            self_extended=r.self_extended,
            error=r.error,
        )


class WorkshopSwitchBody(BaseModel):
    workshop_id: str
    closed: bool
    closed_reason: str | None
    seats_available: int

    @classmethod
    def of(cls, seats: WorkshopSeats) -> WorkshopSwitchBody:
        return cls(
            workshop_id=seats.workshop.id,
            closed=seats.closed,
            closed_reason=seats.closed_reason,
            seats_available=seats.seats_available,
        )


class ExtendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: int = Field(ge=1, le=MAX_EXTENSION_MINUTES, description="Minutes to add.")


class WorkshopDefinition(BaseModel):
    """One workshop of the catalog as `wod-admin sync` read it from `workshop.yml`."""

    model_config = ConfigDict(extra="forbid")

    workshop: Workshop
    badge_svg: str | None = Field(default=None, max_length=200_000)


class SyncBody(BaseModel):
    """Every workshop the deployed catalog should hold (the others are closed)."""

    model_config = ConfigDict(extra="forbid")

    keep: list[str] = Field(
        min_length=1, max_length=1000, description="Ids of the catalog's workshops."
    )


class SyncAnswer(BaseModel):
    written: list[str]
    closed: list[str]
    reopened: list[str]

    @classmethod
    def of(cls, report: SyncReport) -> SyncAnswer:
        return cls(written=report.written, closed=report.closed, reopened=report.reopened)


class SessionBody(BaseModel):
    """A registration after an organizer's action on it."""

    registration_id: str
    state: str
    ends_at: datetime
    order_verb: str
