"""One-time values, the suppression list and the backends' last signs of life, in the guards
table. Implements the OneTimeGuards, Suppressions and BackendPresence ports (the email guards
belong to the seat claim, in `registrations`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError

from wod.domain.registrations import RETENTION

from .conditions import condition_failed
from .models import GuardRecord


def suppression_id(email: str) -> str:
    return f"suppressed#{email.lower()}"


def backend_id(backend: str) -> str:
    return f"backend#{backend}"


class GuardStore:
    def __init__(self, retention: timedelta = RETENTION) -> None:
        # How long an address stays suppressed (DynamoDB's TTL then drops it).
        self._retention = retention

    def use_once(self, guard_id: str, expires_at: datetime) -> bool:
        """Record a one-time value (e.g. a callback signature); False if it was seen before."""
        try:
            GuardRecord(guard_id, expires_at=expires_at).save(
                condition=GuardRecord.guard_id.does_not_exist()
            )
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def suppress(self, email: str, reason: str) -> None:
        """Do not mail this address again (it bounced for good, or its owner complained) for
        the retention period: past it, the data about it is gone like every other."""
        expires_at = datetime.now(UTC) + self._retention
        GuardRecord(suppression_id(email), reason=reason, expires_at=expires_at).save()

    def unsuppress(self, email: str) -> None:
        """Forget the address (its owner asked for their data to be erased)."""
        GuardRecord(suppression_id(email)).delete()

    def is_suppressed(self, email: str) -> bool:
        try:
            GuardRecord.get(suppression_id(email))
        except DoesNotExist:
            return False
        return True

    def seen(self, backend: str, now: datetime) -> None:
        """The backend's agent reported progress now (kept a day after it last did)."""
        GuardRecord(backend_id(backend), seen_at=now, expires_at=now + timedelta(days=1)).save()

    def last_seen(self, backend: str) -> datetime | None:
        try:
            return GuardRecord.get(backend_id(backend)).seen_at
        except DoesNotExist:
            return None
