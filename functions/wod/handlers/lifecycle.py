"""The lifecycle function: invoked by a registration's one-time schedules (reminder, expiry)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict

from wod.domain.schedules import ScheduleKind
from wod.handlers.observability import observability
from wod.services.wiring import get_services

logger, metrics, tracer = observability("wod-lifecycle")


class ScheduleInput(BaseModel):
    """The `Input` each schedule carries (see adapters.schedules)."""

    model_config = ConfigDict(extra="forbid")
    kind: ScheduleKind
    registration_id: str
    at: AwareDatetime | None = None  # absent from schedules made before extensions existed


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    fired = ScheduleInput.model_validate(event)
    outcome = get_services().lifecycle.fire(fired.kind, fired.registration_id, fired.at)
    metrics.add_metric(name=f"Schedule_{outcome.value}", unit=MetricUnit.Count, value=1)
    logger.info("schedule fired", kind=fired.kind.value, outcome=outcome.value)
    return {"registration_id": fired.registration_id, "outcome": outcome.value}
