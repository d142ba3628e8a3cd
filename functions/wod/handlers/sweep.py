"""The periodic sweep function (EventBridge Scheduler, every two minutes)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from wod.handlers.observability import observability
from wod.services.sweep import tally
from wod.services.wiring import get_services

logger, metrics, tracer = observability("wod-sweep")


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    counts = tally(get_services().sweeper.run())
    for outcome, count in counts.items():
        metrics.add_metric(name=f"Sweep_{outcome}", unit=MetricUnit.Count, value=count)
    logger.info("sweep done", extra=counts)
    return counts
