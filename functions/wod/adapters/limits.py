"""The limits table: counters of the abuse limits and values used once (proof-of-work
solutions). Implements the Counters and OneTimeGuards ports; kept apart from the guards so that
what a refused request counts is never mistaken for what it wrote."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import PutError, UpdateError

from .conditions import condition_failed
from .models import LimitRecord


class LimitStore:
    def take(self, counter_id: str, limit: int, expires_at: datetime) -> bool:
        """Count one more if the counter is still below `limit`; False (nothing counted) if not.
        One conditional update, so concurrent requests never count past the limit."""
        try:
            LimitRecord(counter_id).update(
                actions=[
                    LimitRecord.hits.add(1),
                    LimitRecord.expires_at.set(expires_at),
                ],
                condition=LimitRecord.hits.does_not_exist() | (LimitRecord.hits < limit),
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def use_once(self, guard_id: str, expires_at: datetime) -> bool:
        """Record a one-time value; False if it was recorded before."""
        try:
            LimitRecord(guard_id, expires_at=expires_at).save(
                condition=LimitRecord.limit_id.does_not_exist()
            )
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True
