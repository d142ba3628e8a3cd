"""`/api/agent/callbacks`: the backend agent reports an order taken, done or failed (signed, see
wod_contracts)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from wod.services.wiring import Services

router = Router()


@router.post(
    "/callbacks",
    summary="The backend agent reports an order done or failed (HMAC-signed)",
    responses={
        200: {"description": "Accepted"},
        401: {"description": "Unsigned, forged, stale or replayed"},
        403: {"description": "The order token does not open this registration"},
        409: {"description": "The order is done or superseded: `order_not_current`"},
        422: {"description": "Malformed body"},
        503: {"description": "A mail could not be sent: retry with the same body"},
    },
)
def agent_callback() -> dict[str, str]:
    services: Services = router.context["services"]
    event = router.current_event
    body = (event.decoded_body or "").encode()
    answer = services.callbacks.handle(event.headers, body)
    if answer.registration_id is None:  # a PREPARE: about a free seat, not a registration
        return {"order_id": answer.order_id, "status": answer.status}
    return {"registration_id": answer.registration_id, "status": answer.status}
