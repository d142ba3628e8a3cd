"""What each route documents as its answers in the published OpenAPI: its success body and, for
every error status it can give, `ErrorBody` with a line saying when. The fuzz test holds every
answer to this document, so a route's list must be complete."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import content_types
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from .schemas import ErrorBody

# Answers any route can give: the gateway refuses a body above its limit (API Gateway's own limit
# is larger and its 413 body is its own), and the resolver refuses a malformed path or query.
COMMON_ERRORS: dict[int, str] = {
    413: "The body is larger than the API accepts: `payload_too_large`",
    422: "A parameter or the body is invalid: `validation_error`, each problem named in "
    "`fields` (`body` when the body is not a JSON object)",
}


def error(description: str) -> OpenAPIResponse:
    return {
        "description": description,
        "content": {content_types.APPLICATION_JSON: {"model": ErrorBody}},
    }


def answers(
    success: dict[int, OpenAPIResponse], errors: dict[int, str] | None = None
) -> dict[int, OpenAPIResponse]:
    """The `responses` of a route: its success answers (a description alone documents the
    route's return type) plus the common and the given error answers."""
    documented = dict(success)
    for status, description in {**COMMON_ERRORS, **(errors or {})}.items():
        documented[status] = error(description)
    return documented
