"""One-time EventBridge Scheduler schedules (reminder, expiry) that invoke the lifecycle function.

Names are derived from the registration, so creating twice is harmless and deleting needs no
lookup. Schedules delete themselves after firing (ActionAfterCompletion=DELETE).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from wod.domain.errors import DeliveryError
from wod.domain.schedules import ScheduleKind

from . import clients

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient


def schedule_name(registration_id: str, kind: ScheduleKind) -> str:
    return f"wod-{registration_id}-{kind.value}"


def at_expression(when: datetime) -> str:
    return f"at({when.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})"


class EventBridgeSchedules:
    def __init__(
        self,
        group: str,
        target_arn: str,
        role_arn: str,
        client: EventBridgeSchedulerClient | None = None,
    ) -> None:
        self._group = group
        self._target_arn = target_arn
        self._role_arn = role_arn
        self._client = client

    @property
    def client(self) -> EventBridgeSchedulerClient:
        return self._client or clients.scheduler()

    def create(self, registration_id: str, kind: ScheduleKind, when: datetime) -> None:
        # `at`: an extension moves the session's times; a schedule left from before sees it.
        payload = {"kind": kind.value, "registration_id": registration_id, "at": when.isoformat()}
        try:
            self.client.create_schedule(
                Name=schedule_name(registration_id, kind),
                GroupName=self._group,
                ScheduleExpression=at_expression(when),
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={
                    "Arn": self._target_arn,
                    "RoleArn": self._role_arn,
                    "Input": json.dumps(payload),
                    "RetryPolicy": {"MaximumRetryAttempts": 10},
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConflictException":
                return  # created by an earlier attempt
            raise DeliveryError(f"schedule {kind} of {registration_id}: {exc}") from exc
        except BotoCoreError as exc:
            raise DeliveryError(f"schedule {kind} of {registration_id}: {exc}") from exc

    def delete(self, registration_id: str, kind: ScheduleKind) -> None:
        try:
            self.client.delete_schedule(
                Name=schedule_name(registration_id, kind), GroupName=self._group
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return  # fired already, or never created
            raise DeliveryError(f"schedule {kind} of {registration_id}: {exc}") from exc
        except BotoCoreError as exc:
            raise DeliveryError(f"schedule {kind} of {registration_id}: {exc}") from exc
