"""Reads the order queues of the local stack for assertions, without losing messages between
tests: everything drained is remembered, so each test filters what it needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import boto3

from wod_contracts.orders import Order, OrderVerb, parse_order


@dataclass
class ReceivedOrder:
    order: Order
    queue: str  # the backend whose queue it was read from
    group_id: str
    dedup_id: str
    body: str


@dataclass
class OrderLog:
    queue_urls: dict[str, str]
    received: list[ReceivedOrder] = field(default_factory=list)
    _sqs: Any = field(default=None, init=False, repr=False)  # made once: ~40 ms each

    def drain(self, backends: Iterable[str] | None = None) -> list[ReceivedOrder]:
        sqs = self._sqs = self._sqs or boto3.client("sqs")
        for backend in backends or self.queue_urls:
            url = self.queue_urls[backend]
            while True:
                batch = sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=0,
                    AttributeNames=["MessageGroupId", "MessageDeduplicationId"],
                ).get("Messages", [])
                if not batch:
                    break
                for message in batch:
                    self.received.append(
                        ReceivedOrder(
                            order=parse_order(message["Body"]),
                            queue=backend,
                            group_id=message["Attributes"]["MessageGroupId"],
                            dedup_id=message["Attributes"]["MessageDeduplicationId"],
                            body=message["Body"],
                        )
                    )
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return self.received

    def for_registration(self, registration_id: str) -> list[ReceivedOrder]:
        return [r for r in self.drain() if r.order.registration_id == registration_id]

    def for_workshop(self, workshop_id: str) -> list[ReceivedOrder]:
        """The workshop's orders for registrations: PREPARE orders (warm seats topped up by the
        cloud on its own) belong to the pool, not to anyone who registered."""
        return [
            r
            for r in self.drain()
            if r.order.workshop_id == workshop_id and r.order.verb is not OrderVerb.PREPARE
        ]
