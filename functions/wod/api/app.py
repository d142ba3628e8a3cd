"""Builds the API resolver: routers, body reading, error mapping, CORS and the published OpenAPI
document (`/api/openapi.json`; the Swagger UI at `/api/docs`)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response

from . import admin, agent, badges, bodies, challenges, errors, registrations, workshops

API_PREFIX = "/api"
TITLE = "Workshops-on-Demand API"
VERSION = "1.0.0"


def create_app(allowed_origin: str = "*") -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(
        enable_validation=True,
        cors=CORSConfig(allow_origin=allowed_origin, max_age=600),
    )
    # Powertools' request validation, with bodies read our way (see `bodies`). The resolver has
    # no public hook for it; tests/unit/test_api_bodies.py fails if this stops taking effect.
    app._request_validation_middleware = bodies.JsonObjectBodies()
    app.include_router(workshops.router, prefix=f"{API_PREFIX}/workshops")
    app.include_router(registrations.router, prefix=f"{API_PREFIX}/registrations")
    app.include_router(challenges.router, prefix=f"{API_PREFIX}/challenge")
    app.include_router(agent.router, prefix=f"{API_PREFIX}/agent")
    app.include_router(badges.router, prefix=f"{API_PREFIX}/badges")
    app.include_router(admin.router, prefix=f"{API_PREFIX}/admin")
    errors.install(app)
    # The UI at /api/docs (assets served by the API; `?format=json` gives the document too).
    app.enable_swagger(path=f"{API_PREFIX}/docs", title=TITLE, version=VERSION)

    @app.get(f"{API_PREFIX}/openapi.json", include_in_schema=False)
    def openapi_document() -> Response[str]:
        return Response(status_code=200, content_type="application/json", body=openapi_json(app))

    return app


def openapi_json(app: APIGatewayHttpResolver) -> str:
    return app.get_openapi_json_schema(title=TITLE, version=VERSION)
