"""Response bodies of the public API (they also document it in the published OpenAPI)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from wod.domain.workshops import WorkshopSeats
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
            seats_available=seats.seats_available,
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
    registration_id: str
    workshop_id: str
    status: str
    message: str

    @classmethod
    def of(cls, outcome: Outcome) -> RegistrationAccepted:
        registration = outcome.registration
        message = (
            "You are already registered for this workshop: check your inbox."
            if outcome.duplicate
            else "Registered: check your inbox for the welcome mail and, soon after, your login."
        )
        return cls(
            registration_id=registration.registration_id,
            workshop_id=registration.workshop_id,
            status=registration.state.value,
            message=message,
        )


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
        )


class ErrorBody(BaseModel):
    error: str
    message: str
    fields: dict[str, str] | None = None
