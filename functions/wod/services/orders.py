"""Builds the order a registration's current step needs and puts it on its backend's queue."""

from __future__ import annotations

from dataclasses import dataclass

from wod.domain import tokens
from wod.domain.registrations import Registration
from wod_contracts.orders import Order, OrderVerb
from wod_contracts.workshop import Workshop

from .ports import Clock, OrderQueues


@dataclass(frozen=True)
class OrderDesk:
    queues: OrderQueues
    token_key: bytes
    clock: Clock

    def order_for(self, registration: Registration) -> Order:
        """The registration's current order (same id every time: SQS and the agent dedupe it)."""
        return Order(
            order_id=registration.order_id,
            verb=registration.order_verb,
            registration_id=registration.registration_id,
            workshop_id=registration.workshop_id,
            backend=registration.backend,
            student=registration.student,
            callback_token=tokens.callback_token(self.token_key, registration.order_id),
            issued_at=self.clock(),
            ends_at=registration.ends_at,
        )

    def prepare_order(self, workshop: Workshop, student: int, order_id: str) -> Order:
        """A PREPARE: deploy the workshop into this free seat ahead of time."""
        return Order(
            order_id=order_id,
            verb=OrderVerb.PREPARE,
            workshop_id=workshop.id,
            backend=workshop.backend,
            student=student,
            callback_token=tokens.callback_token(self.token_key, order_id),
            issued_at=self.clock(),
        )

    def send(self, registration: Registration) -> None:
        """Raises DeliveryError or ConfigurationError (a backend without a queue)."""
        self.queues.send(self.order_for(registration))

    def send_order(self, order: Order) -> None:
        self.queues.send(order)
