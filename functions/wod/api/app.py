"""Builds the API resolver: routers, error mapping, CORS and the published OpenAPI document."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig

from . import agent, badges, errors, registrations, workshops

API_PREFIX = "/api"
TITLE = "Workshops-on-Demand API"
VERSION = "1.0.0"


def create_app(allowed_origin: str = "*") -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(
        enable_validation=True,
        cors=CORSConfig(allow_origin=allowed_origin, max_age=600),
    )
    app.include_router(workshops.router, prefix=f"{API_PREFIX}/workshops")
    app.include_router(registrations.router, prefix=f"{API_PREFIX}/registrations")
    app.include_router(agent.router, prefix=f"{API_PREFIX}/agent")
    app.include_router(badges.router, prefix=f"{API_PREFIX}/badges")
    errors.install(app)
    # The document is at /api/openapi.json; the UI at /api/docs (assets served by the API).
    app.enable_swagger(path=f"{API_PREFIX}/docs", title=TITLE, version=VERSION)
    return app
