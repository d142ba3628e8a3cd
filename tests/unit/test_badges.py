"""The badge: branded SVG, escaped title, earned only by sessions that ran."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from defusedxml import ElementTree

from wod.domain.badges import earned
from wod.domain.registrations import EndReason, Registration
from wod.domain.states import State
from wod.mail.render import render_badge
from wod.settings import REPO_ROOT
from wod_contracts.branding import load_branding
from wod_contracts.orders import OrderVerb

BRANDING = load_branding(REPO_ROOT / "branding.yml")
NOW = datetime(2026, 11, 27, tzinfo=UTC)
ENDED = Registration(
    registration_id="r" * 32,
    workshop_id="w",
    backend="default",
    student=1,
    email="a@b.example",
    first_name="A",
    last_name="B",
    company="C",
    state=State.ENDED,
    created_at=NOW,
    ends_at=NOW,
    reminder_at=NOW,
    order_id="o" * 32,
    order_verb=OrderVerb.CLEANUP,
    end_reason=EndReason.EXPIRED,
)


def test_the_badge_is_valid_branded_svg_with_an_escaped_title() -> None:
    svg = render_badge('Tags & <b>"Quotes"</b> in a rather long workshop title', BRANDING)
    root = ElementTree.fromstring(svg)  # well-formed XML
    assert root.tag.endswith("svg")
    assert BRANDING.colors.primary in svg and BRANDING.name in svg
    assert "<b>" not in svg and "&lt;b&gt;" in svg


@pytest.mark.parametrize(
    ("state", "reason", "expected"),
    [
        (State.ENDED, EndReason.EXPIRED, True),
        (State.ENDED, EndReason.ENDED_EARLY, True),
        (State.ENDED, EndReason.STUCK, False),
        (State.ENDING, EndReason.EXPIRED, False),
        (State.FAILED, None, False),
    ],
)
def test_only_sessions_that_ran_earn_a_badge(
    state: State, reason: EndReason | None, expected: bool
) -> None:
    assert earned(dataclasses.replace(ENDED, state=state, end_reason=reason)) is expected
