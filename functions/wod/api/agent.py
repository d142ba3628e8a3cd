"""`/api/agent/callbacks`: the backend agent reports an order taken, done or failed (signed, see
wod_contracts)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header
from pydantic import BaseModel

from wod.services.wiring import Services

from .bodies import BodyError, raw_body
from .responses import answers

router = Router()

# Documented, never validated here: any value (or none) reaches the signature check, a 401.
SignatureHeader = Annotated[
    str | None, Header(description="`v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>`")
]
TimestampHeader = Annotated[str | None, Header(description="Unix seconds when it was signed")]


class CallbackAccepted(BaseModel):
    """Where the order stands now: its registration's state, or, for a PREPARE (about a free
    seat, no registration), the seat's (`warm`, `cold`, `preparing`)."""

    status: str
    registration_id: str | None = None
    order_id: str | None = None


@router.post(
    "/callbacks",
    operation_id="agentCallback",
    summary="The backend agent reports an order taken, done or failed (HMAC-signed)",
    description="Signed with the shared secret (headers `X-Wod-Timestamp`, `X-Wod-Signature`); "
    "the body is an `AgentCallback` of `wod_contracts`, read only once the signature is right.",
    responses=answers(
        {200: {"description": "Accepted"}},
        {
            401: "Unsigned, forged, stale or replayed: `unauthorized`",
            403: "The order token does not open this registration: `forbidden`",
            409: "The order is done or superseded: `order_not_current`",
            422: "A signed but malformed body: `validation_error`",
            503: "A mail could not be sent: retry with the same body: `delivery_failed`",
        },
    ),
)
def agent_callback(
    x_wod_timestamp: TimestampHeader = None, x_wod_signature: SignatureHeader = None
) -> CallbackAccepted:
    services: Services = router.context["services"]
    event = router.current_event
    try:
        body = raw_body(event)
    except BodyError:
        body = b""  # cannot be signed: the signature check refuses it
    answer = services.callbacks.handle(event.headers, body)
    if answer.registration_id is None:  # a PREPARE: about a free seat, not a registration
        return CallbackAccepted(order_id=answer.order_id, status=answer.status)
    return CallbackAccepted(registration_id=answer.registration_id, status=answer.status)
