"""A session's end on the local stack, with the scheduler runner on a controlled clock and the
agent's callbacks sent, signed, over HTTP: reminder, expiry, cleanup or reset, thanks; double
firing; the expiry racing a late CREATE; stuck deployments; hostile names."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.conftest import write_workshop
from tests.support.agent_calls import callback_for, post_callback
from tests.support.clock import Clock
from tests.support.orders import OrderLog
from tests.support.seats import audit
from wod.domain import tokens
from wod.domain.registrations import Registration
from wod.domain.schedules import ScheduleKind
from wod.domain.states import State
from wod.local.scheduler import SchedulerRunner
from wod.local.stack import LocalStack
from wod.services.wiring import Services, build_services
from wod_contracts.orders import Order, OrderVerb


@dataclass
class World:
    stack: LocalStack
    orders: OrderLog
    clock: Clock
    services: Services
    runner: SchedulerRunner

    def register(self, workshop_id: str, email: str, first_name: str = "Annie") -> Order:
        response = requests.post(
            self.stack.api_url + "registrations",
            json={
                "workshop_id": workshop_id,
                "email": email,
                "first_name": first_name,
                "last_name": "Easley",
                "company": "NASA",
                "accept_terms": True,
            },
            timeout=30,
        )
        assert response.status_code == 202, response.text
        (order,) = self.orders.for_registration(response.json()["registration_id"])
        return order.order

    def stored(self, registration_id: str) -> Registration:
        return self.services.store.get(registration_id)

    def callback(self, order: Order, **kwargs: object) -> requests.Response:
        return post_callback(self.stack.api_url, callback_for(order, **kwargs).to_wire().encode())

    def last_order(self, registration_id: str) -> Order:
        return self.orders.for_registration(registration_id)[-1].order

    def mails(self, email: str) -> list[dict[str, str]]:
        return self.stack.inbox(to=email)


@pytest.fixture(scope="module")
def workshops(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("lifecycle")
    write_workshop(root, "life-clean", 6001, 6010, duration_minutes=90, on_end="cleanup")
    write_workshop(root, "life-reset", 6011, 6020, duration_minutes=30, on_end="reset")
    local_stack.seed(root)


@pytest.fixture
def world(local_stack: LocalStack, order_log: OrderLog, workshops: None) -> World:
    clock = Clock(datetime.now(UTC))
    services = build_services(local_stack.settings(), clock=clock)
    runner = SchedulerRunner(services.lifecycle, services.settings.scheduler_group, clock)
    return World(local_stack, order_log, clock, services, runner)


def fired_for(runner: SchedulerRunner, registration_id: str) -> list[str]:
    return [outcome for name, outcome in runner.run_due() if registration_id in name]


def test_reminder_then_expiry_then_cleanup_then_thanks(world: World) -> None:
    email = "journey@life.example"
    create = world.register("life-clean", email)
    assert world.callback(create, password="Journey-Pass-1").status_code == 200
    registration = world.stored(create.registration_id)
    assert registration.state is State.READY

    # Nothing is due yet.
    assert fired_for(world.runner, create.registration_id) == []
    # At the reminder time (60 minutes before the end of a 90-minute session)
    world.clock.now = registration.reminder_at + timedelta(seconds=1)
    assert fired_for(world.runner, create.registration_id) == ["reminded"]
    (reminder,) = [m for m in world.mails(email) if m["kind"] == "reminder"]
    assert "ends in 60 minutes" in reminder["subject"]
    assert "Journey-Pass-1" not in reminder["text"] + reminder["html"]
    assert "/hub/login?next=" in reminder["text"]

    # At the end: a CLEANUP order (the workshop's on_end), the seat still held until it is done
    world.clock.now = registration.ends_at + timedelta(seconds=1)
    assert fired_for(world.runner, create.registration_id) == ["ending"]
    cleanup = world.last_order(create.registration_id)
    assert cleanup.verb is OrderVerb.CLEANUP and cleanup.student == create.student
    assert world.stored(create.registration_id).state is State.ENDING
    assert create.registration_id in audit("life-clean").holders

    # The agent reports the seat wiped: ended, seat free, one thanks mail
    response = world.callback(cleanup)
    assert response.status_code == 200 and response.json()["status"] == "ended"
    assert create.student in audit("life-clean").free and audit("life-clean").violations() == []
    kinds = [m["kind"] for m in world.mails(email)]
    assert kinds == ["welcome", "credentials", "reminder", "thanks"]
    (thanks,) = [m for m in world.mails(email) if m["kind"] == "thanks"]
    assert "https://example.org/survey" in thanks["text"]
    assert "/badge/?id=" in thanks["text"] and "linkedin.com/sharing" in thanks["html"]

    # The badge link opens a public record of the finished session, and its image
    link = next(w for w in thanks["text"].split() if "/badge/?id=" in w)
    query = parse_qs(urlparse(link).query)
    badge_url = f"{world.stack.api_url}badges/{query['id'][0]}"
    badge = requests.get(badge_url, params={"token": query["token"][0]}, timeout=10)
    assert badge.status_code == 200
    assert badge.json()["first_name"] == "Annie"
    assert badge.json()["workshop_title"] == "Test workshop life-clean"
    assert badge.json()["date"] == registration.ends_at.date().isoformat()
    image = requests.get(world.stack.base_url + badge.json()["image_url"].lstrip("/"), timeout=10)
    assert image.status_code == 200 and image.headers["content-type"] == "image/svg+xml"
    assert "Test workshop" in image.text and "<svg" in image.text
    wrong = requests.get(badge_url, params={"token": "x" * 22}, timeout=10)
    assert wrong.status_code == 404


def test_a_reset_workshop_ends_with_a_reset_order(world: World) -> None:
    create = world.register("life-reset", "reset@life.example")
    world.callback(create)
    world.clock.now = world.stored(create.registration_id).ends_at + timedelta(seconds=1)
    world.runner.run_due()
    assert world.last_order(create.registration_id).verb is OrderVerb.RESET


def test_schedules_firing_twice_give_one_mail_and_one_order(world: World) -> None:
    email = "twice@life.example"
    create = world.register("life-clean", email)
    world.callback(create)
    lifecycle = world.services.lifecycle
    rid = create.registration_id
    outcomes = [lifecycle.fire(ScheduleKind.REMINDER, rid) for _ in range(2)]
    assert outcomes == ["reminded", "already_sent"]
    outcomes = [lifecycle.fire(ScheduleKind.EXPIRY, rid) for _ in range(2)]
    assert outcomes == ["ending", "skipped_ending"]
    assert Counter(m["kind"] for m in world.mails(email))["reminder"] == 1
    verbs = [o.order.verb for o in world.orders.for_registration(rid)]
    assert verbs == [OrderVerb.CREATE, OrderVerb.CLEANUP]


def test_an_expiry_racing_a_late_create_callback_ends_cleanly(world: World) -> None:
    email = "race@life.example"
    create = world.register("life-clean", email)
    # The session expires before the backend reported the CREATE
    world.services.lifecycle.fire(ScheduleKind.EXPIRY, create.registration_id)
    cleanup = world.last_order(create.registration_id)
    # The late CREATE callback is refused: no credentials after the end
    late = world.callback(create, password="Too-Late-Pass-1")
    assert late.status_code == 409
    assert "credentials" not in [m["kind"] for m in world.mails(email)]
    # The cleanup completes and the seat is back
    assert world.callback(cleanup).status_code == 200
    assert world.stored(create.registration_id).state is State.ENDED
    seats = audit("life-clean")
    assert create.student in seats.free and seats.violations() == []


def test_a_stuck_deployment_gets_an_apology_a_cleanup_and_its_seat_back(world: World) -> None:
    email = "stuck@life.example"
    create = world.register("life-clean", email)
    world.clock.now += timedelta(minutes=5)
    assert create.registration_id not in world.services.sweeper.run()
    world.clock.now += timedelta(minutes=6)  # 11 minutes without the agent's answer
    assert world.services.sweeper.run()[create.registration_id] == "stuck"
    cleanup = world.last_order(create.registration_id)
    assert cleanup.verb is OrderVerb.CLEANUP
    assert [m["kind"] for m in world.mails(email)] == ["welcome", "apology"]
    # A second sweep (or two at once) does not apologize or order twice
    assert create.registration_id not in world.services.sweeper.run()
    assert world.callback(cleanup).status_code == 200
    assert world.stored(create.registration_id).state is State.ENDED
    assert [m["kind"] for m in world.mails(email)] == ["welcome", "apology"]  # no thanks
    assert create.student in audit("life-clean").free
    # and no badge: the session never ran
    token = tokens.badge_token(world.services.settings.token_key_bytes, create.registration_id)
    badge = requests.get(
        f"{world.stack.api_url}badges/{create.registration_id}", params={"token": token}, timeout=10
    )
    assert badge.status_code == 404


def test_an_unconfirmed_end_order_is_sent_again_as_a_new_attempt(world: World) -> None:
    create = world.register("life-clean", "resend@life.example")
    world.callback(create)
    world.services.lifecycle.fire(ScheduleKind.EXPIRY, create.registration_id)
    cleanup = world.last_order(create.registration_id)
    world.clock.now += timedelta(minutes=11)
    assert world.services.sweeper.run()[create.registration_id] == "end_order_resent"
    again = world.last_order(create.registration_id)
    # A new id: an agent whose journal holds the first as reported still carries it out.
    assert again.verb is cleanup.verb and again.order_id != cleanup.order_id
    assert world.stored(create.registration_id).end_attempts == 1
    assert world.callback(cleanup).status_code == 409  # the first attempt, late
    assert world.callback(again).status_code == 200
    assert world.stored(create.registration_id).state is State.ENDED


def test_a_lost_expiry_is_caught_by_the_sweep(world: World) -> None:
    create = world.register("life-clean", "lost@life.example")
    world.callback(create)
    registration = world.stored(create.registration_id)
    for kind in ScheduleKind:  # the schedules are lost
        world.services.adapters.schedules.delete(create.registration_id, kind)
    world.clock.now = registration.ends_at + timedelta(minutes=3)
    assert world.services.sweeper.run()[create.registration_id] == "expired"
    assert world.last_order(create.registration_id).verb is OrderVerb.CLEANUP


# Markup is refused (422); what a name may hold and HTML must escape is still escaped.
ESCAPED_NAME = "Zoë O'Brien & Sons"


def test_a_name_is_escaped_in_every_mail_and_markup_and_line_breaks_are_refused(
    world: World,
) -> None:
    email = "hostile@life.example"
    create = world.register("life-clean", email, first_name=ESCAPED_NAME)
    world.callback(create)
    world.clock.now = world.stored(create.registration_id).reminder_at
    world.runner.run_due()
    mails = world.mails(email)
    assert [m["kind"] for m in mails] == ["welcome", "credentials", "reminder"]
    for mail in mails:
        assert "O&#39;Brien &amp; Sons" in mail["html"] and "& Sons" not in mail["html"]
        assert mail["to"] == email
    for first_name in ("Eve\r\nBcc: victim@life.example", '<script>alert("x")</script>'):
        refused = requests.post(
            world.stack.api_url + "registrations",
            json={
                "workshop_id": "life-clean",
                "email": "bcc@life.example",
                "first_name": first_name,
                "last_name": "X",
                "company": "Y",
                "accept_terms": True,
            },
            timeout=30,
        )
        assert refused.status_code == 422 and set(refused.json()["fields"]) == {"first_name"}
    assert world.mails("bcc@life.example") == [] and world.mails("victim@life.example") == []
