"""`/api/challenge`: the proof of work a registration must carry (ALTCHA protocol v1)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from wod.services.wiring import Services

from .responses import answers
from .schemas import ChallengeBody

router = Router()


@router.get(
    "",
    operation_id="getChallenge",
    summary="A signed, expiring proof-of-work challenge to solve before registering",
    description=ChallengeBody.HOW_TO_SOLVE,
    responses=answers({200: {"description": "A new challenge (never cached)"}}),
)
def get_challenge() -> Response[ChallengeBody]:
    services: Services = router.context["services"]
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=ChallengeBody.of(services.challenges.issue()),
        headers={"Cache-Control": "no-store"},
    )
