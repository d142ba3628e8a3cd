"""`/api/agent/callbacks`: the backend agent reports an order done (signed, see wod_contracts)."""

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
    registration = services.callbacks.handle(event.headers, body)
    return {"registration_id": registration.registration_id, "status": registration.state.value}
