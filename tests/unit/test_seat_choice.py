"""Choosing a free student and planning a registration (pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from wod.domain.errors import WorkshopFullError
from wod.domain.participants import RegistrationRequest
from wod.domain.registrations import START_FOLLOW_UPS, choose_student, plan_registration
from wod.domain.states import State
from wod_contracts.workshop import Workshop

WORKSHOP = Workshop.model_validate(
    {
        "id": "w-1",
        "title": "W",
        "summary": "s",
        "description": "d",
        "duration_minutes": 120,
        "students": {"first": 5, "last": 9},
        "presenter": {"name": "P"},
    }
)
REQUEST = RegistrationRequest.model_validate(
    {
        "workshop_id": "w-1",
        "email": "A@B.example",
        "first_name": "A",
        "last_name": "B",
        "company": "C",
        "accept_terms": True,
    }
)


def test_an_empty_pool_is_full() -> None:
    with pytest.raises(WorkshopFullError):
        choose_student(set())


def test_the_choice_is_always_a_free_student_and_spreads_over_the_pool() -> None:
    rng = random.Random(7)
    picks = {choose_student({5, 7, 9}, rng=rng) for _ in range(200)}
    assert picks == {5, 7, 9}


def test_a_warm_seat_is_taken_first_when_there_is_one() -> None:
    rng = random.Random(7)
    assert {choose_student({5, 7, 9}, {7, 9}, rng=rng) for _ in range(200)} == {7, 9}
    assert choose_student({5}, {7}, rng=rng) == 5  # a warm student no longer free is not taken


def test_the_time_starts_at_registration_and_the_reminder_comes_an_hour_before() -> None:
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    registration = plan_registration(REQUEST, WORKSHOP, 7, now)
    assert registration.ends_at == now + timedelta(minutes=120)
    assert registration.reminder_at == registration.ends_at - timedelta(minutes=60)
    assert registration.state is State.PENDING
    assert registration.follow_ups == frozenset(START_FOLLOW_UPS)
    assert registration.email == "a@b.example" and registration.username == "student7"
    assert registration.order_id != registration.registration_id


def test_a_short_workshop_is_reminded_at_half_time() -> None:
    short = WORKSHOP.model_copy(update={"duration_minutes": 10})
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    registration = plan_registration(REQUEST, short, 5, now)
    assert registration.reminder_at == now + timedelta(minutes=5)
