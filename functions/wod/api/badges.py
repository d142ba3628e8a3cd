"""`/api/badges`: the public record of a finished session (behind its unguessable token)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel

from wod.services.wiring import Services

from .responses import answers

router = Router()


class Badge(BaseModel):
    first_name: str
    workshop_id: str
    workshop_title: str
    organization: str
    date: str
    image_url: str


@router.get(
    "/<registration_id>",
    operation_id="getBadge",
    summary="A finished session's badge (token from the thanks mail)",
    responses=answers(
        {200: {"description": "The badge"}},
        {
            404: "Unknown registration, a wrong token or an unfinished session: "
            "`registration_not_found`"
        },
    ),
)
def get_badge(
    registration_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    token: Annotated[str | None, Query(max_length=64)] = None,
) -> Badge:
    services: Services = router.context["services"]
    registration, workshop = services.participants.badge(registration_id, token)
    return Badge(
        first_name=registration.first_name,
        workshop_id=workshop.id,
        workshop_title=workshop.title,
        organization=services.branding.name,
        date=registration.ends_at.date().isoformat(),
        image_url=f"/api/workshops/{workshop.id}/badge.svg",
    )
