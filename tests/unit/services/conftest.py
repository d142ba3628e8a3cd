"""The services on in-memory ports: a world per test, with workshops and a clock to drive."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.agent_calls import callback_for
from tests.support.memory import CALLBACK_SECRET, TOKEN_KEY, MemoryWorld, memory_world
from wod.domain import tokens
from wod.domain.participants import RegistrationRequest
from wod.domain.registrations import Registration
from wod.services.callbacks import Answer
from wod.services.registrations import Outcome as Registered
from wod_contracts import signing
from wod_contracts.callbacks import Outcome
from wod_contracts.orders import Order, OrderVerb
from wod_contracts.workshop import Workshop

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def workshop(workshop_id: str = "py-101", seats: int = 3, **fields: Any) -> Workshop:
    return Workshop.model_validate(
        {
            "id": workshop_id,
            "title": f"Workshop {workshop_id}",
            "summary": "s",
            "description": "d",
            "duration_minutes": 120,
            "students": {"first": 1, "last": seats},
            "presenter": {"name": "P"},
            **fields,
        }
    )


def request_for(workshop_id: str = "py-101", email: str = "ada@example.org") -> RegistrationRequest:
    return RegistrationRequest.model_validate(
        {
            "workshop_id": workshop_id,
            "email": email,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "company": "Engines",
            "accept_terms": True,
        }
    )


class World:
    """A MemoryWorld with the participant's and the agent's moves spelled out."""

    def __init__(self, memory: MemoryWorld) -> None:
        self.memory = memory
        self.services = memory.services

    def __getattr__(self, name: str) -> Any:
        return getattr(self.memory, name)

    def register(self, email: str = "ada@example.org", workshop_id: str = "py-101") -> Registered:
        return self.services.registrar.register(request_for(workshop_id, email))

    def get(self, registration_id: str) -> Registration:
        return self.memory.store.get(registration_id)

    def order(self, registration_id: str) -> Order:
        """The registration's latest order, as its backend received it."""
        return self.memory.queues.of(registration_id)[-1]

    def callback(
        self, order: Order, outcome: Outcome = Outcome.SUCCEEDED, **changes: object
    ) -> Answer:
        """The agent's signed callback for the order, and the API's answer."""
        body = callback_for(order, outcome, **changes).to_wire().encode()
        now = int(self.memory.clock().timestamp())
        headers = signing.signed_headers(CALLBACK_SECRET, now, body)
        return self.services.callbacks.handle(headers, body)

    def report(
        self, order: Order, outcome: Outcome = Outcome.SUCCEEDED, **changes: object
    ) -> Registration:
        """The agent's signed callback for a registration's order; the registration after."""
        answer = self.callback(order, outcome, **changes)
        assert answer.registration_id is not None
        return self.get(answer.registration_id)

    def prepares(self, workshop_id: str = "py-101") -> list[Order]:
        """The PREPARE orders the backend received for a workshop, oldest first."""
        return [
            o
            for o in self.memory.queues.orders
            if o.verb is OrderVerb.PREPARE and o.workshop_id == workshop_id
        ]

    def warm_up(self, workshop_id: str = "py-101") -> None:
        """The agent prepares every seat it was asked to."""
        for order in self.prepares(workshop_id):
            seats = self.memory.catalog.get(workshop_id)
            if order.student in seats.preparing:
                self.callback(order)

    def ready(self, email: str = "ada@example.org") -> Registration:
        registration = self.register(email).registration
        return self.report(self.order(registration.registration_id))

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.memory.clock.now += timedelta(**delta)

    def mails(self, to: str = "ada@example.org") -> list[str]:
        return self.memory.mailer.kinds(to)

    def mail_text(self, kind: str, to: str = "ada@example.org") -> str:
        (message,) = [
            m
            for m in self.memory.mailer.sent
            if str(m["To"]) == to and str(m["X-WOD-Mail-Kind"]) == kind
        ]
        return str(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]

    def free(self, workshop_id: str = "py-101") -> frozenset[int]:
        return self.memory.catalog.get(workshop_id).free_students


def status_token(registration_id: str) -> str:
    """The token of the participant's status link (in every mail)."""
    return tokens.status_token(TOKEN_KEY, registration_id)


def link_in(text: str, marker: str) -> str:
    match = re.search(r"(https?://\S*" + re.escape(marker) + r"\S*)", text)
    assert match, text
    return match.group(1)


@pytest.fixture
def world() -> World:
    return World(memory_world([workshop(), workshop("reset-101", on_end="reset")], START))
