"""`/api/admin/...`: the organizer's console (what `wod-admin` calls).

API Gateway lets these routes through only with a valid SigV4 signature of an identity allowed
`execute-api:Invoke` on them (the HTTP API's IAM authorizer; the local gateway emulates it). A
request that arrives without the authorizer's identity came by another route: refused here too.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel

from wod.domain.errors import ForbiddenCallerError
from wod.domain.registrations import Registration
from wod.domain.states import State
from wod.services.wiring import Services

from .console_schemas import (
    ExtendBody,
    RegistrationRow,
    SessionBody,
    StatusBody,
    SyncAnswer,
    SyncBody,
    WorkshopDefinition,
    WorkshopSwitchBody,
)
from .responses import answers
from .workshops import WorkshopIdParam

logger = Logger(child=True)
router = Router()

RegistrationId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
UNKNOWN_WORKSHOP = {404: "Unknown workshop: `workshop_not_found`"}
UNKNOWN_REGISTRATION = {404: "Unknown registration: `registration_not_found`"}
ENDED = {409: "The session has ended: `registration_ended`"}


class GatewayRefusal(BaseModel):
    """API Gateway's own 403 when its IAM authorizer refuses a request (`{"message":
    "Forbidden"}`); the function's own refusal is an `ErrorBody` (`error`: `forbidden`)."""

    message: str
    error: str | None = None


REFUSED: dict[int, OpenAPIResponse] = {
    403: {
        "description": "Not signed (SigV4) by an identity allowed on the admin routes",
        "content": {content_types.APPLICATION_JSON: {"model": GatewayRefusal}},
    }
}


def iam_caller(event: dict[str, Any]) -> dict[str, Any] | None:
    """The identity the IAM authorizer put in the event (payload 2.0), if any."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    iam = authorizer.get("iam")
    return iam if isinstance(iam, dict) and iam.get("accessKey") else None


def require_iam(app: Any, next_middleware: NextMiddleware) -> Response[Any]:
    caller = iam_caller(app.current_event.raw_event)
    if caller is None:
        raise ForbiddenCallerError("no IAM identity")
    # Who did what during the event: every admin call is logged with its caller.
    logger.info(
        "admin call",
        admin=caller.get("userArn") or caller.get("accessKey"),
        path=app.current_event.path,
        method=app.current_event.http_method,
    )
    return next_middleware(app)


# Per route: a Router's `use` would apply to every route of the app.
ADMIN_ONLY = [require_iam]


def _services() -> Services:
    services: Services = router.context["services"]
    return services


def _session(registration: Registration) -> SessionBody:
    return SessionBody(
        registration_id=registration.registration_id,
        state=registration.state.value,
        ends_at=registration.ends_at,
        order_verb=registration.order_verb.value,
    )


@router.get(
    "/status",
    middlewares=ADMIN_ONLY,
    operation_id="adminStatus",
    summary="Seats and orders per workshop, time to credentials (organizers)",
    responses=answers({200: {"description": "The event now"}, **REFUSED}),
)
def status() -> StatusBody:
    return StatusBody.of(_services().console.status())


@router.get(
    "/registrations",
    middlewares=ADMIN_ONLY,
    operation_id="adminRegistrations",
    summary="Registrations, oldest first, of a workshop and/or in a state (organizers)",
    responses=answers({200: {"description": "The registrations"}, **REFUSED}),
)
def registrations(
    workshop: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")] = None,
    state: Annotated[State | None, Query()] = None,
) -> list[RegistrationRow]:
    found = _services().console.registrations(workshop, state)
    return [RegistrationRow.of(r) for r in found]


@router.post(
    "/workshops/<workshop_id>/close",
    middlewares=ADMIN_ONLY,
    operation_id="adminCloseWorkshop",
    summary="Close a workshop at once: no new registration (organizers)",
    responses=answers({200: {"description": "Closed"}, **REFUSED}, UNKNOWN_WORKSHOP),
)
def close(workshop_id: WorkshopIdParam) -> WorkshopSwitchBody:
    return WorkshopSwitchBody.of(_services().console.close(workshop_id))


@router.post(
    "/workshops/<workshop_id>/open",
    middlewares=ADMIN_ONLY,
    operation_id="adminOpenWorkshop",
    summary="Open a closed workshop again (organizers)",
    responses=answers({200: {"description": "Open"}, **REFUSED}, UNKNOWN_WORKSHOP),
)
def open_workshop(workshop_id: WorkshopIdParam) -> WorkshopSwitchBody:
    return WorkshopSwitchBody.of(_services().console.open(workshop_id))


@router.put(
    "/workshops/<workshop_id>",
    middlewares=ADMIN_ONLY,
    operation_id="adminDefineWorkshop",
    summary="Write one workshop's definition, seats in use kept (organizers; `wod-admin sync`)",
    responses=answers({200: {"description": "Written"}, **REFUSED}),
)
def define(workshop_id: WorkshopIdParam, body: WorkshopDefinition) -> WorkshopSwitchBody:
    if body.workshop.id != workshop_id:
        problem = {
            "loc": ("body", "workshop", "id"),
            "msg": "Not the id of the path.",
            "type": "value_error",
        }
        raise RequestValidationError([problem])
    return WorkshopSwitchBody.of(_services().console.define(body.workshop, body.badge_svg))


@router.post(
    "/sync",
    middlewares=ADMIN_ONLY,
    operation_id="adminSync",
    summary="Close the workshops not in the catalog, reopen those back in it (organizers)",
    responses=answers({200: {"description": "What changed"}, **REFUSED}),
)
def sync(body: SyncBody) -> SyncAnswer:
    return SyncAnswer.of(_services().console.sync(body.keep))


@router.post(
    "/registrations/<registration_id>/end",
    middlewares=ADMIN_ONLY,
    operation_id="adminEnd",
    summary="End a session now: seat wiped and freed, thanks mailed (organizers)",
    responses=answers(
        {202: {"description": "Ending"}, **REFUSED}, {**UNKNOWN_REGISTRATION, **ENDED}
    ),
)
def end(registration_id: RegistrationId) -> Response[SessionBody]:
    registration = _services().console.end(registration_id)
    return Response(
        status_code=202, content_type=content_types.APPLICATION_JSON, body=_session(registration)
    )


@router.post(
    "/registrations/<registration_id>/extend",
    middlewares=ADMIN_ONLY,
    operation_id="adminExtend",
    summary="Move a session's end (reminder and expiry too); the participant is mailed",
    responses=answers(
        {200: {"description": "The new end"}, **REFUSED}, {**UNKNOWN_REGISTRATION, **ENDED}
    ),
)
def extend(registration_id: RegistrationId, body: ExtendBody) -> SessionBody:
    return _session(_services().console.extend(registration_id, body.minutes))


@router.post(
    "/registrations/<registration_id>/reissue",
    middlewares=ADMIN_ONLY,
    operation_id="adminReissue",
    summary="A fresh password for a ready session, mailed again (organizers)",
    responses=answers(
        {202: {"description": "The new order is queued"}, **REFUSED},
        {**UNKNOWN_REGISTRATION, **ENDED},
    ),
)
def reissue(registration_id: RegistrationId) -> Response[SessionBody]:
    registration = _services().console.reissue(registration_id)
    return Response(
        status_code=202, content_type=content_types.APPLICATION_JSON, body=_session(registration)
    )
