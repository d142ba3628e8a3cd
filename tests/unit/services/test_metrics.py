"""The business metrics each service emits, per workshop (the EMF adapter is checked in
tests/contract/test_telemetry.py)."""

from __future__ import annotations

import pytest

from tests.unit.services.conftest import World
from wod.domain.errors import WorkshopFullError
from wod.domain.metrics import Metric
from wod_contracts.callbacks import Outcome


def test_a_registration_and_a_full_workshop_are_counted(world: World) -> None:
    for name in ("a", "b", "c"):
        world.register(f"{name}@example.org")
    world.register("a@example.org")  # a duplicate is no new registration
    with pytest.raises(WorkshopFullError):
        world.register("late@example.org")
    assert world.telemetry.of(Metric.REGISTRATIONS, "py-101") == [1, 1, 1]
    assert world.telemetry.of(Metric.WORKSHOP_FULL, "py-101") == [1]


def test_the_wait_for_credentials_is_measured_once(world: World) -> None:
    registration = world.register().registration
    world.advance(seconds=42)
    order = world.order(registration.registration_id)
    world.report(order)
    assert world.telemetry.of(Metric.TIME_TO_CREDENTIALS, "py-101") == [42.0]


def test_a_failed_deployment_counts_a_failed_order_and_an_apology(world: World) -> None:
    registration = world.register().registration
    world.report(world.order(registration.registration_id), Outcome.FAILED)
    assert world.telemetry.of(Metric.FAILED_ORDERS, "py-101") == [1]
    assert world.telemetry.of(Metric.APOLOGIES, "py-101") == [1]
    assert world.telemetry.of(Metric.TIME_TO_CREDENTIALS) == []
