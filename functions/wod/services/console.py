"""The organizer's console: what `/api/admin/...` does (status, registrations, open, close,
sync, end, extend, reissue). Every action is safe to repeat and goes through the same
conditional writes as the participant's path, so it races them safely.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from wod.domain.console import ConsoleStatus, summarize
from wod.domain.errors import AlreadyEndedError, InvalidTransitionError
from wod.domain.registrations import EndReason, FollowUp, Registration, end_verb
from wod.domain.states import CANCELLABLE, State
from wod.domain.workshops import WorkshopSeats
from wod_contracts.workshop import Workshop

from .ports import Clock, Ledger, Pools, Roster
from .sessions import Sessions

logger = Logger(child=True)

CLOSED_BY_ORGANIZER = "organizer"
REMOVED_FROM_CATALOG = "removed"


@dataclass(frozen=True)
class SyncReport:
    """What a sync changed: workshops written, closed (left the catalog), opened (came back)."""

    written: list[str]
    closed: list[str]
    reopened: list[str]


class Console:
    def __init__(
        self,
        *,
        catalog: Pools,
        roster: Roster,
        ledger: Ledger,
        sessions: Sessions,
        clock: Clock,
    ) -> None:
        self._catalog = catalog
        self._roster = roster
        self._ledger = ledger
        self._sessions = sessions
        self._clock = clock

    # -- looking ---------------------------------------------------------------------------------

    def status(self) -> ConsoleStatus:
        return summarize(self._catalog.every(), self._roster.roster(), self._clock())

    def registrations(
        self, workshop_id: str | None = None, state: State | None = None
    ) -> list[Registration]:
        found = self._roster.roster(workshop_id, state)
        return sorted(found, key=lambda r: (r.created_at, r.registration_id))

    # -- the catalog -----------------------------------------------------------------------------

    def close(self, workshop_id: str) -> WorkshopSeats:
        """Closed at once: a registration that read the workshop open loses its claim."""
        seats = self._catalog.get(workshop_id, consistent=True)
        if seats.closed_reason == CLOSED_BY_ORGANIZER:
            return seats
        logger.info("workshop closed", workshop_id=workshop_id)
        return self._catalog.set_closed(workshop_id, CLOSED_BY_ORGANIZER)

    def open(self, workshop_id: str) -> WorkshopSeats:
        seats = self._catalog.get(workshop_id, consistent=True)
        if not seats.closed:
            return seats
        logger.info("workshop opened", workshop_id=workshop_id)
        return self._catalog.set_closed(workshop_id, None)

    def define(self, workshop: Workshop, badge_svg: str | None) -> WorkshopSeats:
        """Write one workshop's definition as `wod.seed` does (seats in use stay held)."""
        badges = {workshop.id: badge_svg} if badge_svg else None
        self._catalog.seed([workshop], self._clock(), badges)
        return self._catalog.get(workshop.id, consistent=True)

    def sync(self, keep: Iterable[str]) -> SyncReport:
        """Make the deployed catalog the given one (its workshops written by `define` first):
        a workshop that left it is closed, never deleted (its live seats run to their end);
        one that came back is opened again, unless the organizer closed it."""
        wanted = set(keep)
        closed: list[str] = []
        reopened: list[str] = []
        for seats in self._catalog.every():
            workshop_id = seats.workshop.id
            if workshop_id not in wanted and not seats.closed:
                self._catalog.set_closed(workshop_id, REMOVED_FROM_CATALOG)
                closed.append(workshop_id)
            elif workshop_id in wanted and seats.closed_reason == REMOVED_FROM_CATALOG:
                self._catalog.set_closed(workshop_id, None)
                reopened.append(workshop_id)
        logger.info("catalog synced", closed=closed, reopened=reopened)
        return SyncReport(sorted(wanted), sorted(closed), sorted(reopened))

    # -- one participant -------------------------------------------------------------------------

    def end(self, registration_id: str) -> Registration:
        """End a session as its participant could (same end order, thanks mail). Ending one
        that ends already is a no-op; a finished one is AlreadyEndedError."""
        registration = self._ledger.get(registration_id)
        if registration.state is State.ENDING:
            return registration
        if registration.state not in CANCELLABLE:
            raise AlreadyEndedError(registration_id)
        workshop = self._catalog.get(registration.workshop_id).workshop
        return self._sessions.end(registration, EndReason.BY_ORGANIZER, end_verb(workshop))

    def extend(self, registration_id: str, minutes: int) -> Registration:
        """Move the session's end (its reminder and expiry with it); the participant is mailed
        the new end. Raises AlreadyEndedError if it ended first (an expiry won the race)."""
        for _ in range(3):  # another extension may move the end between read and write
            registration = self._ledger.get(registration_id)
            if registration.state not in CANCELLABLE:
                raise AlreadyEndedError(registration_id)
            workshop = self._catalog.get(registration.workshop_id).workshop
            try:
                return self._sessions.extend(registration, minutes, workshop)
            except InvalidTransitionError:
                continue
        raise InvalidTransitionError(registration_id)

    def reissue(self, registration_id: str) -> Registration:
        """A fresh password for a ready session: a REISSUE order sets one on the seat as it is
        (its files and server stay), and its callback mails the credentials again. Repeated
        while one is on its way, it changes nothing; refused once the session ends (an END in
        flight makes a REISSUE stale, so its callback mails nothing)."""
        registration = self._ledger.get(registration_id)
        if registration.state is not State.READY:
            if registration.state in CANCELLABLE:
                return registration  # still on its way: its first credentials mail is coming
            raise AlreadyEndedError(registration_id)
        if FollowUp.CREDENTIALS_MAIL in registration.follow_ups:
            return registration  # a reissue is on its way (the sweep sees it through)
        try:
            reissued = self._sessions.reissue(registration_id)
        except InvalidTransitionError:
            latest = self._ledger.get(registration_id)
            if latest.state is State.READY:
                raise  # another reissue came first: the caller may retry
            raise AlreadyEndedError(registration_id) from None
        logger.info("credentials reissued by an organizer", registration_id=registration_id)
        return reissued
