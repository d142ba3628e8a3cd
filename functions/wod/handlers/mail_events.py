"""The mail events function: SES bounce and complaint notifications, delivered by SNS, put the
address on the suppression list that registrations and mails respect."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from wod.domain.mail_events import addresses_to_suppress
from wod.handlers.observability import observability
from wod.services.wiring import get_services

logger, metrics, tracer = observability("wod-mail-events")


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_source(data_class=SNSEvent)
def handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    store = get_services().registrations.registrations
    suppressed: list[str] = []
    for record in event.records:
        message = json.loads(record.sns.message)
        for address in addresses_to_suppress(message):
            store.suppress(address, message.get("eventType") or message.get("notificationType", ""))
            suppressed.append(address)
    metrics.add_metric(name="AddressSuppressed", unit=MetricUnit.Count, value=len(suppressed))
    logger.info("mail events", suppressed=len(suppressed))  # addresses are personal: not logged
    return {"suppressed": len(suppressed)}
