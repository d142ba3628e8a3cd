"""What a participant sees and does with their registration, behind the tokens of their mails:
the status page, the badge of a finished session, ending the session early."""

from __future__ import annotations

from dataclasses import dataclass

from wod.domain import tokens
from wod.domain.badges import earned
from wod.domain.errors import (
    AlreadyEndedError,
    InvalidTransitionError,
    NotExtendableError,
    RegistrationNotFoundError,
)
from wod.domain.registrations import EndReason, Registration, end_verb
from wod.domain.states import CANCELLABLE, State
from wod.domain.workshops import WorkshopSeats
from wod_contracts.workshop import Workshop

from .links import Hubs
from .ports import Backlog, Catalog, Clock, RegistrationReader
from .sessions import Sessions


@dataclass(frozen=True)
class StatusView:
    registration: Registration
    workshop: Workshop
    start_url: str | None
    queue_position: int | None = None
    extension_minutes: int | None = None  # what the participant may add now, if anything


class Participants:
    def __init__(
        self,
        *,
        catalog: Catalog,
        registrations: RegistrationReader,
        backlog: Backlog,
        sessions: Sessions,
        hubs: Hubs,
        token_key: bytes,
        clock: Clock,
    ) -> None:
        self._backlog = backlog
        self._clock = clock
        self._catalog = catalog
        self._registrations = registrations
        self._sessions = sessions
        self._hubs = hubs
        self._token_key = token_key

    def authorized(self, registration_id: str, token: str | None) -> Registration:
        """The registration, if the token is its status token; otherwise 'not found' (no hint)."""
        expected = tokens.status_token(self._token_key, registration_id)
        if not tokens.matches(expected, token):
            raise RegistrationNotFoundError(registration_id)
        return self._registrations.get(registration_id)

    def status(self, registration_id: str, token: str | None) -> StatusView:
        registration = self.authorized(registration_id, token)
        seats = self._catalog.get(registration.workshop_id)
        workshop = seats.workshop
        start_url = None
        if registration.state is State.READY and self._hubs.knows(registration.backend):
            start_url = self._hubs.start(registration.backend)
        return StatusView(
            registration,
            workshop,
            start_url,
            self._queue_position(registration),
            self._extension_offer(registration, seats),
        )

    @staticmethod
    def _extension_offer(registration: Registration, seats: WorkshopSeats) -> int | None:
        """The workshop's self-extension, if this session may still take it: once, while it
        runs, and while a seat of the workshop is free (nobody waits for this one)."""
        minutes = seats.workshop.self_extension_minutes
        if minutes is None or registration.self_extended or registration.state not in CANCELLABLE:
            return None
        return minutes if seats.seats_available > 0 else None

    def extend(self, registration_id: str, token: str | None) -> Registration:
        """The participant's one extension (see `_extension_offer`); NotExtendableError if the
        workshop does not offer it, it was used, or no seat is free."""
        registration = self.authorized(registration_id, token)
        if registration.state not in CANCELLABLE:
            raise AlreadyEndedError(registration_id)
        seats = self._catalog.get(registration.workshop_id)
        minutes = self._extension_offer(registration, seats)
        if minutes is None:
            raise NotExtendableError(registration_id)
        workshop = seats.workshop
        try:
            return self._sessions.extend(registration, minutes, workshop, by_participant=True)
        except InvalidTransitionError:
            latest = self._registrations.get(registration_id)
            if latest.state not in CANCELLABLE:
                raise AlreadyEndedError(registration_id) from None
            raise NotExtendableError(registration_id) from None

    def _queue_position(self, registration: Registration) -> int | None:
        """How many seats of the same backend the agent will take before this one."""
        if registration.state is not State.DEPLOYING or registration.taken_at is not None:
            return None
        ahead = 0
        for other in self._backlog.in_state(State.DEPLOYING, self._clock()):
            if (
                other.backend == registration.backend
                and other.taken_at is None
                and other.created_at < registration.created_at
            ):
                ahead += 1
        return ahead

    def badge(self, registration_id: str, token: str | None) -> tuple[Registration, Workshop]:
        """A finished session's badge; 'not found' for a wrong token or an unfinished session."""
        expected = tokens.badge_token(self._token_key, registration_id)
        if not tokens.matches(expected, token):
            raise RegistrationNotFoundError(registration_id)
        registration = self._registrations.get(registration_id)
        if not earned(registration):
            raise RegistrationNotFoundError(registration_id)
        return registration, self._catalog.get(registration.workshop_id).workshop

    def end_early(self, registration_id: str, token: str | None) -> Registration:
        """The participant ends the session: the workshop's end order (CLEANUP, or RESET for an
        `on_end: reset` workshop, whose reset.yml undoes what a session leaves outside the home)
        wipes the seat and frees it."""
        registration = self.authorized(registration_id, token)
        if registration.state is State.ENDING:
            return registration
        if registration.state not in CANCELLABLE:
            raise AlreadyEndedError(registration_id)
        workshop = self._catalog.get(registration.workshop_id).workshop
        return self._sessions.end(registration, EndReason.ENDED_EARLY, end_verb(workshop))
