"""The public API function (API Gateway HTTP API, payload 2.0)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from wod.api.app import create_app
from wod.handlers.observability import observability
from wod.services.wiring import Services, get_services

logger, metrics, tracer = observability("wod-api")

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def make_handler(services: Callable[[], Services]) -> Handler:
    """The handler over the given services (the local stack and tests can pass their own)."""
    app = create_app()

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics
    @tracer.capture_lambda_handler
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        app.append_context(services=services())
        return app.resolve(event, context)

    return handler


handler = make_handler(get_services)
