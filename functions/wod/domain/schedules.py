"""The one-time schedules of a registration: a reminder before the end, and the end itself."""

from __future__ import annotations

from enum import StrEnum


class ScheduleKind(StrEnum):
    REMINDER = "reminder"
    EXPIRY = "expiry"
