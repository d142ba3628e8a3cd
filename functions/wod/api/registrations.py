"""`/api/registrations`: register, see one's status, end early."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.metrics import MetricUnit

from wod.domain.participants import RegistrationRequest
from wod.services.wiring import Services

from .schemas import RegistrationAccepted, RegistrationStatus

router = Router()
metrics = Metrics()

RegistrationId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Token = Annotated[str | None, Query(max_length=128)]


def _services() -> Services:
    services: Services = router.context["services"]
    return services


@router.post(
    "",
    summary="Register for a workshop: takes a seat atomically; the time starts now",
    responses={
        202: {"description": "Accepted (also for a participant already registered)"},
        404: {"description": "Unknown workshop"},
        409: {"description": "No seat is free: `workshop_full`"},
        422: {"description": "Invalid fields, each named in `fields`"},
    },
)
def register(request: RegistrationRequest) -> Response[RegistrationAccepted]:
    outcome = _services().registrar.register(request)
    metrics.add_metric(
        name="DuplicateRegistration" if outcome.duplicate else "Registration",
        unit=MetricUnit.Count,
        value=1,
    )
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=RegistrationAccepted.of(outcome),
    )


@router.get("/<registration_id>", summary="The participant's status (token from their mails)")
def get_status(registration_id: RegistrationId, token: Token = None) -> RegistrationStatus:
    return RegistrationStatus.of(_services().participants.status(registration_id, token))


@router.delete("/<registration_id>", summary="End the session early: the seat is wiped and freed")
def end_early(registration_id: RegistrationId, token: Token = None) -> Response[dict[str, str]]:
    registration = _services().participants.end_early(registration_id, token)
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body={"registration_id": registration.registration_id, "status": registration.state.value},
    )
