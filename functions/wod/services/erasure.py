"""Erasing a participant's personal data: on their own request (`DELETE
/api/registrations/{id}?erase=true` with the token of their mails) or an organizer's purge of an
address (`python -m wod.erasure ADDRESS`, and later the admin API).

A seat is never freed unwiped: a session still running is ended first, and its data goes when
the backend confirms the wipe (the agent's callback calls `settled`). What stays of an erased
registration is its workshop, seat number, times and state: no name, address or company.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_lambda_powertools import Logger

from wod.domain.registrations import EndReason, Registration, end_verb
from wod.domain.states import CANCELLABLE, FINAL
from wod.mail.addresses import UndeliverableAddressError, sendable

from .ports import Catalog, Clock, PersonalData, Suppressions
from .sessions import Sessions

logger = Logger(child=True)


@dataclass
class Purged:
    """What a purge of an address did, registration by registration (ids only)."""

    erased: list[str] = field(default_factory=list)
    ending_first: list[str] = field(default_factory=list)


def normalized(address: str) -> str:
    """The address as registration stores it (ASCII, Punycode domain, lower case)."""
    try:
        return sendable(address.strip()).lower()
    except UndeliverableAddressError:
        return address.strip().lower()


class Erasure:
    def __init__(
        self,
        *,
        registrations: PersonalData,
        suppressions: Suppressions,
        catalog: Catalog,
        sessions: Sessions,
        clock: Clock,
    ) -> None:
        self._registrations = registrations
        self._suppressions = suppressions
        self._catalog = catalog
        self._sessions = sessions
        self._clock = clock

    def erase(self, registration: Registration) -> Registration:
        """Erase now if the session is over; otherwise end it (if it still runs) and erase
        once its seat is wiped. Returns the registration as stored afterwards."""
        rid = registration.registration_id
        if registration.state in CANCELLABLE:
            workshop = self._catalog.get(registration.workshop_id).workshop
            registration = self._sessions.end(
                registration, EndReason.ENDED_EARLY, end_verb(workshop)
            )
        if registration.state not in FINAL and self._registrations.request_erasure(rid):
            logger.info("erasure requested; waiting for the seat to be wiped", registration_id=rid)
            return self._registrations.get(rid)
        # Settled (or it settled meanwhile, so no callback will see the request): erase now.
        self.settled(rid)
        return self._registrations.get(rid)

    def settled(self, registration_id: str) -> bool:
        """The seat is back: wipe the registration's personal fields; True if it was."""
        if not self._registrations.erase(registration_id, self._clock()):
            return False
        self._sessions.unschedule(registration_id)
        logger.info("personal data erased", registration_id=registration_id)
        return True

    def purge(self, address: str) -> Purged:
        """An organizer's erasure of everything about an address: each of its registrations
        (sessions still running are ended first) and its suppression entry."""
        email = normalized(address)
        report = Purged()
        for registration in self._registrations.of_address(email):
            after = self.erase(registration)
            target = report.erased if after.erased else report.ending_first
            target.append(registration.registration_id)
        self._suppressions.unsuppress(email)
        logger.info("address purged", erased=len(report.erased), ending=len(report.ending_first))
        return report
