"""The one place where errors become HTTP responses, each an `ErrorBody` naming the problem
(and, for bad input, each field). A client's mistake is never a 5xx."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from pydantic import ValidationError

from wod.domain import errors

from .bodies import JSON_MEDIA_TYPE
from .schemas import ErrorBody

logger = Logger(child=True)

STATUS: dict[type[errors.WodError], int] = {
    errors.WorkshopNotFoundError: 404,
    errors.RegistrationNotFoundError: 404,
    errors.WorkshopFullError: 409,
    errors.DomainFullError: 409,
    errors.WorkshopClosedError: 409,
    errors.NotExtendableError: 409,
    errors.ForbiddenCallerError: 403,
    errors.AlreadyEndedError: 409,
    errors.InvalidTransitionError: 409,
    errors.UnauthorizedCallbackError: 401,
    errors.ForbiddenCallbackError: 403,
    errors.OrderNotCurrentError: 409,
    # Only raised where the caller should simply retry (the agent keeps its callback).
    errors.DeliveryError: 503,
}

MESSAGES: dict[str, str] = {
    "workshop_not_found": "No such workshop.",
    "registration_not_found": "No such registration.",
    "workshop_full": "This workshop is full: every seat is taken. Try again later.",
    "workshop_closed": "This workshop is closed: it takes no registrations now.",
    "not_extendable": "This session cannot be extended now (not offered, used already, or "
    "every seat is needed).",
    "registration_ended": "This registration has already ended.",
    "invalid_transition": "This registration changed meanwhile; reload and try again.",
    "unauthorized": "The request is not signed correctly.",
    "forbidden": "The order token does not match.",
    "order_not_current": "This order is done or was superseded; nothing to do.",
    "delivery_failed": "A mail or message could not be sent; retry shortly.",
}


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    body = ErrorBody(error=code, message=message, fields=fields or {})
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(exclude_defaults=True),
        headers=headers,
    )


def _field_of(error: dict[str, Any]) -> str:
    # ("body", "email") -> "email"; ("query", "token") -> "token"; ("body",) -> "body"
    loc = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        return "body"
    parts = [str(part) for part in loc[1:]] or [str(loc[0]) if loc else "body"]
    return ".".join(parts)


def _message_of(error: dict[str, Any]) -> str:
    if error.get("type") == "literal_error" and error["loc"][-1] == "accept_terms":
        return "You must accept the terms to register."
    if error.get("type") == "extra_forbidden":
        return "Unknown field."
    if error.get("type") == "json_invalid":
        return "The body is not valid JSON."
    return str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")


def install(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[str]:
        fields: dict[str, str] = {}
        for error in exc.errors():
            fields.setdefault(_field_of(error), _message_of(error))
        message = (
            "The body is not a JSON object."
            if set(fields) == {"body"}
            else "Some fields are missing or invalid."
        )
        return error_response(422, "validation_error", message, fields)

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(exc: RequestUnsupportedContentType) -> Response[str]:
        message = f"Send the body as JSON (content-type: {JSON_MEDIA_TYPE})."
        return error_response(415, "unsupported_media_type", message, {"content-type": message})

    @app.exception_handler(ValidationError)
    def _invalid_body(exc: ValidationError) -> Response[str]:
        fields: dict[str, str] = {}
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ())] or ["body"]
            fields.setdefault(".".join(loc), _message_of(dict(error)))
        return error_response(422, "validation_error", "The body is invalid.", fields)

    @app.exception_handler(errors.SuppressedAddressError)
    def _suppressed(exc: errors.SuppressedAddressError) -> Response[str]:
        message = "Mail to this address bounced or was reported as spam; use another address."
        return error_response(422, "validation_error", message, {"email": message})

    @app.exception_handler(errors.RateLimitedError)
    def _limited(exc: errors.RateLimitedError) -> Response[str]:
        who = "this network address" if exc.scope == "ip" else "this address"
        message = f"Too many registrations from {who} for now; try again in {exc.retry_after} s."
        return error_response(429, exc.code, message, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(errors.ChallengeError)
    def _challenge(exc: errors.ChallengeError) -> Response[str]:
        message = f"The proof of work was refused: {exc}."
        return error_response(422, exc.code, message, {"altcha": message})

    @app.exception_handler(errors.DomainFullError)
    def _domain_full(exc: errors.DomainFullError) -> Response[str]:
        message = (
            "Addresses of this domain already hold as many seats of this workshop as one "
            "domain may; register with another address or ask the organizers."
        )
        return error_response(409, exc.code, message, {"email": message})

    @app.exception_handler(errors.WodError)
    def _domain(exc: errors.WodError) -> Response[str]:
        status = STATUS.get(type(exc))
        if status is None:
            logger.exception("unexpected domain error", error=exc.code)
            return error_response(500, "internal_error", "Something went wrong on our side.")
        return error_response(status, exc.code, MESSAGES.get(exc.code, str(exc)))

    @app.not_found
    def _not_found(_: Exception) -> Response[str]:
        return error_response(404, "not_found", "No such route.")
