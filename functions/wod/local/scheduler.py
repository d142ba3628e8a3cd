"""The local scheduler runner: moto stores EventBridge schedules but never fires them, so this
lists the due one-time schedules of the group, delivers their input to the lifecycle service
and deletes them (as ActionAfterCompletion=DELETE would). Tests pass their own clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from wod.adapters import clients
from wod.domain.schedules import ScheduleKind
from wod.services.lifecycle import Fired, Lifecycle

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient


def due_at(expression: str) -> datetime | None:
    """`at(2026-11-27T10:00:00)` -> that time in UTC; other expressions are not one-time."""
    if not expression.startswith("at(") or not expression.endswith(")"):
        return None
    return datetime.fromisoformat(expression[3:-1]).replace(tzinfo=UTC)


class SchedulerRunner:
    def __init__(
        self,
        lifecycle: Lifecycle,
        group: str,
        clock: Callable[[], datetime],
        client: EventBridgeSchedulerClient | None = None,
    ) -> None:
        self.lifecycle = lifecycle
        self.group = group
        self.clock = clock
        self._client = client

    @property
    def client(self) -> EventBridgeSchedulerClient:
        return self._client or clients.scheduler()

    def run_due(self) -> list[tuple[str, Fired]]:
        """Fire every schedule due by the clock's now; returns (schedule name, outcome)."""
        now = self.clock()
        fired: list[tuple[str, Fired]] = []
        paginator = self.client.get_paginator("list_schedules")
        names = [
            summary["Name"]
            for page in paginator.paginate(GroupName=self.group)
            for summary in page["Schedules"]
        ]
        for name in names:
            try:
                schedule = self.client.get_schedule(Name=name, GroupName=self.group)
            except self.client.exceptions.ResourceNotFoundException:
                continue  # fired by a concurrent runner
            when = due_at(schedule["ScheduleExpression"])
            if when is None or when > now:
                continue
            payload = json.loads(schedule["Target"]["Input"])
            made_for = datetime.fromisoformat(payload["at"]) if payload.get("at") else None
            outcome = self.lifecycle.fire(
                ScheduleKind(payload["kind"]), payload["registration_id"], made_for
            )
            self.client.delete_schedule(Name=name, GroupName=self.group)
            fired.append((name, outcome))
        return fired
