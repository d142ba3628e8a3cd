"""The project's error vocabulary. Mapped to HTTP in exactly one place (`wod.api.errors`)."""

from __future__ import annotations


class WodError(Exception):
    """Base of every error the domain and adapters raise on purpose."""

    code = "error"


class WorkshopNotFoundError(WodError):
    code = "workshop_not_found"


class WorkshopFullError(WodError):
    code = "workshop_full"


class WorkshopClosedError(WodError):
    """The organizer closed the workshop (or it left the catalog): no new registration."""

    code = "workshop_closed"


class NotExtendableError(WodError):
    """The session cannot be extended now (not allowed, used already, or no seat to spare)."""

    code = "not_extendable"


class ForbiddenCallerError(WodError):
    """An admin route reached without the IAM authorizer's identity (a misrouted request)."""

    code = "forbidden"


class RegistrationNotFoundError(WodError):
    code = "registration_not_found"


class InvalidTransitionError(WodError):
    """A state change that the state machine forbids, or that lost a race to another writer."""

    code = "invalid_transition"


class AlreadyEndedError(WodError):
    code = "registration_ended"


class SeatTakenError(WodError):
    """The chosen student was taken between reading the pool and claiming it (retry another)."""

    code = "seat_taken"


class DuplicateRegistrationError(WodError):
    """The participant already holds an active registration for this workshop."""

    code = "already_registered"

    def __init__(self, registration_id: str) -> None:
        super().__init__(registration_id)
        self.registration_id = registration_id


class DomainFullError(WodError):
    """The address's domain already holds its share of the workshop's seats (a catch-all domain
    must not take a room)."""

    code = "domain_full"


class ChallengeError(WodError):
    """The registration's proof of work (field `altcha`) is missing, wrong, expired or reused."""

    code = "altcha_rejected"


class RateLimitedError(WodError):
    """Too many registrations from one source address, or for one person, in a window."""

    code = "rate_limited"

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"{scope}: retry after {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after


class SuppressedAddressError(WodError):
    """The address bounced or complained before: no mail may be sent to it."""

    code = "email_suppressed"


class UnauthorizedCallbackError(WodError):
    """The callback is unsigned, forged, stale or replayed."""

    code = "unauthorized"


class ForbiddenCallbackError(WodError):
    """The callback is signed but its order token does not open this registration's order."""

    code = "forbidden"


class OrderNotCurrentError(WodError):
    """The callback is for an order that is done or was superseded (e.g. the session ended)."""

    code = "order_not_current"


class DeliveryError(WodError):
    """A follow-up (mail, queue, schedule) could not be delivered; the sweep will retry."""

    code = "delivery_failed"


class ConfigurationError(WodError):
    """The deployment is misconfigured (e.g. a workshop's backend has no queue)."""

    code = "configuration_error"
