"""`/api/workshops`: the catalog with live seats."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from wod.mail.render import render_badge
from wod.services.wiring import Services

from .responses import answers
from .schemas import WorkshopDetail, WorkshopSummary

router = Router()

# A catalog id: what `wod_contracts.workshop.WorkshopId` allows, so no other shape reaches a table.
WorkshopIdParam = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")]
UNKNOWN = {404: "Unknown (or inactive) workshop: `workshop_not_found`"}


def _services() -> Services:
    services: Services = router.context["services"]
    return services


@router.get(
    "",
    operation_id="listWorkshops",
    summary="The active public workshops, with live seats",
    responses=answers(
        {
            200: {
                "description": "The catalog",
                "links": {
                    "workshop": {
                        "operationId": "getWorkshop",
                        "parameters": {"workshop_id": "$response.body#/0/id"},
                    },
                    "register": {
                        "operationId": "register",
                        "requestBody": {"workshop_id": "$response.body#/0/id"},
                        "description": "Register for a listed workshop.",
                    },
                },
            }
        }
    ),
)
def list_workshops() -> list[WorkshopSummary]:
    return [WorkshopSummary.of(seats) for seats in _services().workshops.listed()]


@router.get(
    "/<workshop_id>/badge.svg",
    operation_id="getWorkshopBadgeImage",
    summary="The workshop's badge image (SVG, branded)",
    responses=answers(
        {
            200: {
                "description": "The image",
                "content": {"image/svg+xml": {"schema": {"type": "string"}}},
            }
        },
        UNKNOWN,
    ),
)
def get_badge_image(workshop_id: WorkshopIdParam) -> Response[str]:
    services = _services()
    seats = services.workshops.get(workshop_id)
    return Response(
        status_code=200,
        content_type="image/svg+xml",
        body=seats.badge_svg or render_badge(seats.workshop.title, services.branding),
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get(
    "/<workshop_id>",
    operation_id="getWorkshop",
    summary="One workshop (public or private), with live seats",
    responses=answers({200: {"description": "The workshop"}}, UNKNOWN),
)
def get_workshop(workshop_id: WorkshopIdParam) -> WorkshopDetail:
    return WorkshopDetail.of(_services().workshops.get(workshop_id))
