"""`/api/registrations`: register, see one's status, end early, erase one's data."""

from __future__ import annotations

from typing import Annotated, cast

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import Field

from wod.domain.addresses import canonical_address
from wod.domain.participants import RegistrationRequest
from wod.services.wiring import Services

from .responses import answers
from .schemas import EndRequested, RegistrationAccepted, RegistrationStatus

router = Router()
metrics = Metrics()


class RegistrationForm(RegistrationRequest):
    """What the registration form sends: the participant's fields and the proof of work."""

    altcha: str = Field(
        min_length=1,
        max_length=2048,
        description="The solution of a challenge from `GET /api/challenge`: the base64 of the "
        'JSON object `{"algorithm", "challenge", "number", "salt", "signature"}`.',
    )


RegistrationId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Token = Annotated[str | None, Query(max_length=128)]
Erase = Annotated[
    bool,
    Query(
        description="Also erase the participant's data (name, address, company): at once if "
        "the session is over, else once its seat is wiped (the session is ended first)."
    ),
]

# The id of a registration leads to its status and to ending it; the token for both comes in
# the participant's mails only, so a link can carry the id but never the token.
REGISTRATION_LINKS = {
    "status": {
        "operationId": "getRegistrationStatus",
        "parameters": {"registration_id": "$response.body#/registration_id"},
        "description": "The status page (the `token` comes in the participant's mails).",
    },
    "end": {
        "operationId": "endRegistrationEarly",
        "parameters": {"registration_id": "$response.body#/registration_id"},
        "description": "End the session early (the `token` comes in the participant's mails).",
    },
}
TOKEN_ERRORS = {404: "Unknown registration, or a wrong token: `registration_not_found`"}


def _services() -> Services:
    services: Services = router.context["services"]
    return services


@router.post(
    "",
    operation_id="register",
    summary="Register for a workshop: takes a seat atomically; the time starts now",
    description="The body is a JSON object (content-type `application/json`) with exactly the "
    "fields of `RegistrationForm`: the participant's, and `altcha`, the solution of a challenge "
    "from `GET /api/challenge` (see there how to solve it). The answer is the same for someone "
    "already registered for this workshop (with the id of their registration) as for a new "
    "participant.",
    responses=answers(
        {
            202: {
                "description": "Accepted (also, with the same id, for someone already registered)",
                "links": REGISTRATION_LINKS,
            }
        },
        {
            404: "Unknown workshop: `workshop_not_found`",
            409: "No seat is free: `workshop_full`; or the address's domain holds as many "
            "seats of this workshop as one domain may: `domain_full` (field `email`)",
            415: "The body is not sent as JSON: `unsupported_media_type`",
            429: "Too many registrations from this network address or for this person in a "
            "while: `rate_limited`, with `Retry-After` (seconds)",
            422: "Invalid fields, each named in `fields` (`body` when the body is not a JSON "
            "object): `validation_error`; or the proof of work is wrong, expired or used "
            "already: `altcha_rejected` (field `altcha`)",
        },
    ),
)
def register(request: RegistrationForm) -> Response[RegistrationAccepted]:
    services = _services()
    # In this order, each before anything is written: the proof of work checked (pure, so junk
    # costs no write and cannot use up anyone's limits), the limits counted, the proof spent.
    solution = services.challenges.check(request.altcha)
    source = cast(APIGatewayProxyEventV2, router.current_event).request_context.http.source_ip
    services.throttle.admit_registration(source, canonical_address(request.normalized_email))
    services.challenges.spend(solution)
    outcome = services.registrar.register(request)
    metrics.add_metric(
        name="DuplicateRegistration" if outcome.duplicate else "Registration",
        unit=MetricUnit.Count,
        value=1,
    )
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=RegistrationAccepted.of(outcome, request.supported_language),
    )


@router.get(
    "/<registration_id>",
    operation_id="getRegistrationStatus",
    summary="The participant's status (token from their mails)",
    responses=answers({200: {"description": "The registration's status"}}, TOKEN_ERRORS),
)
def get_status(registration_id: RegistrationId, token: Token = None) -> RegistrationStatus:
    return RegistrationStatus.of(_services().participants.status(registration_id, token))


@router.delete(
    "/<registration_id>",
    operation_id="endRegistrationEarly",
    summary="End the session early: the seat is wiped and freed (`erase=true`: and the "
    "participant's data erased)",
    responses=answers(
        {
            200: {"description": "`erase=true` on a session already over: data erased (`erased`)"},
            202: {
                "description": "The seat is being wiped (`ending`); with `erase=true`, the "
                "data goes once it is"
            },
        },
        {**TOKEN_ERRORS, 409: "The session has already ended: `registration_ended`"},
    ),
)
def end_early(
    registration_id: RegistrationId, token: Token = None, erase: Erase = False
) -> Response[EndRequested]:
    services = _services()
    if erase:
        registration = services.erasure.erase(
            services.participants.authorized(registration_id, token)
        )
    else:
        registration = services.participants.end_early(registration_id, token)
    status = "erased" if registration.erased else registration.state.value
    return Response(
        status_code=200 if registration.erased else 202,
        content_type=content_types.APPLICATION_JSON,
        body=EndRequested(registration_id=registration.registration_id, status=status),
    )


@router.post(
    "/<registration_id>/extension",
    operation_id="extendRegistration",
    summary="Extend the session once, when the workshop offers it and seats are free",
    responses=answers(
        {200: {"description": "The session's status with its new end"}},
        {
            **TOKEN_ERRORS,
            409: "Not offered, used already or no seat free: `not_extendable`; the session "
            "has ended: `registration_ended`",
        },
    ),
)
def extend(registration_id: RegistrationId, token: Token = None) -> RegistrationStatus:
    services = _services()
    services.participants.extend(registration_id, token)
    return RegistrationStatus.of(services.participants.status(registration_id, token))
