"""`/api/workshops`: the catalog with live seats."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from wod.mail.render import render_badge
from wod.services.wiring import Services

from .schemas import WorkshopDetail, WorkshopSummary

router = Router()


def _services() -> Services:
    services: Services = router.context["services"]
    return services


@router.get("", summary="The active public workshops, with live seats")
def list_workshops() -> list[WorkshopSummary]:
    return [WorkshopSummary.of(seats) for seats in _services().workshops.listed()]


@router.get("/<workshop_id>/badge.svg", summary="The workshop's badge image (SVG, branded)")
def get_badge_image(workshop_id: Annotated[str, Path(max_length=64)]) -> Response[str]:
    services = _services()
    seats = services.workshops.get(workshop_id)
    return Response(
        status_code=200,
        content_type="image/svg+xml",
        body=seats.badge_svg or render_badge(seats.workshop.title, services.branding),
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/<workshop_id>", summary="One workshop (public or private), with live seats")
def get_workshop(workshop_id: Annotated[str, Path(max_length=64)]) -> WorkshopDetail:
    return WorkshopDetail.of(_services().workshops.get(workshop_id))
