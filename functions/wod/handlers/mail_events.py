"""The mail events function: SES bounce and complaint notifications, delivered by SNS, put the
address on the suppression list that registrations and mails respect."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from wod.handlers.observability import observability
from wod.services.wiring import get_services

logger, metrics, tracer = observability("wod-mail-events")


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_source(data_class=SNSEvent)
def handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    mail_events = get_services().mail_events
    suppressed = sum(mail_events.handle(json.loads(record.sns.message)) for record in event.records)
    metrics.add_metric(name="AddressSuppressed", unit=MetricUnit.Count, value=suppressed)
    logger.info("mail events", suppressed=suppressed)  # addresses are personal: not logged
    return {"suppressed": suppressed}
