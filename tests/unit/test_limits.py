"""The abuse limits: windows (pure), the throttle over the in-memory counters, the mail cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.clock import Clock
from tests.support.memory import MemoryLimits, MemoryTables, memory_world
from tests.unit.services.conftest import World, workshop
from wod.domain.errors import RateLimitedError
from wod.domain.limits import Limit, window
from wod.services.throttle import LimitRules, Throttle
from wod.settings import Settings

START = datetime(2026, 12, 2, 9, 0, 15, tzinfo=UTC)


def test_a_window_names_its_counter_and_says_when_it_ends() -> None:
    minute = Limit("ip", 60, 60)
    first = window(minute, "192.0.2.1", START)
    assert first.retry_after == 45
    assert first.expires_at > START + timedelta(seconds=45)
    last = window(minute, "192.0.2.1", START + timedelta(seconds=44))
    assert last.counter_id == first.counter_id and last.retry_after == 1
    later = window(minute, "192.0.2.1", START + timedelta(seconds=45))
    assert later.counter_id != first.counter_id and later.retry_after == 60
    assert window(minute, "192.0.2.2", START).counter_id != first.counter_id


def throttle(clock: Clock, per_minute: int = 3, per_hour: int = 2) -> Throttle:
    return Throttle(
        counters=MemoryLimits(MemoryTables()),
        clock=clock,
        limits=LimitRules(
            per_source=(Limit("ip", per_minute, 60), Limit("ip", 0, 86_400)),
            per_person=(Limit("person", per_hour, 3_600),),
            mails_per_person=Limit("mail", 2, 86_400),
        ),
    )


def test_a_source_gets_its_share_per_window_then_429_with_the_wait() -> None:
    clock = Clock(START)
    limits = throttle(clock)
    for n in range(3):
        limits.admit_registration("192.0.2.1", f"p{n}@example.org")
    with pytest.raises(RateLimitedError) as raised:
        limits.admit_registration("192.0.2.1", "p9@example.org")
    assert (raised.value.scope, raised.value.retry_after) == ("ip", 45)
    limits.admit_registration("192.0.2.2", "p9@example.org")  # another source is not held
    clock.now += timedelta(seconds=45)
    limits.admit_registration("192.0.2.1", "p8@example.org")  # the next window


def test_a_person_is_held_tighter_than_a_source() -> None:
    limits = throttle(Clock(START), per_minute=100)
    limits.admit_registration("192.0.2.1", "ada@example.org")
    limits.admit_registration("192.0.2.2", "ada@example.org")
    with pytest.raises(RateLimitedError) as raised:
        limits.admit_registration("192.0.2.3", "ada@example.org")
    assert raised.value.scope == "person"


def test_a_limit_of_zero_is_no_limit() -> None:
    limits = throttle(Clock(START), per_minute=0, per_hour=0)
    for _ in range(50):
        limits.admit_registration("192.0.2.1", "ada@example.org")


def test_mails_per_person_and_day_are_capped_every_kind_included() -> None:
    world = World(
        memory_world(
            [workshop(), workshop("second-101"), workshop("third-101")],
            START,
            limit_mails_per_person_per_day=2,
        )
    )
    world.register("ada@example.org")
    world.register("Ada+2@example.org", workshop_id="second-101")
    world.register("ada@example.org", workshop_id="third-101")  # a seat, but no third mail
    assert world.mailer.kinds("ada@example.org") == ["welcome"]
    assert world.mailer.kinds("ada+2@example.org") == ["welcome"]
    assert world.mails() == ["welcome"]
    world.clock.now += timedelta(days=1)
    world.register("ada@example.org", workshop_id="third-101")  # a duplicate: the notice goes
    assert world.mails() == ["welcome", "already_registered"]


def test_the_defaults_let_a_booth_behind_one_address_register_its_visitors() -> None:
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    assert defaults["limit_source_per_minute"] >= 50
    assert defaults["limit_source_per_day"] >= 300
    assert 0 < defaults["limit_person_per_hour"] <= defaults["limit_person_per_day"] <= 20
    assert defaults["limit_mails_per_person_per_day"] > 0
