"""Puts orders on the FIFO queue of the workshop's backend (one queue per backend).

The FIFO group is the seat, so one seat's orders are handed out one at a time; the order id is
the deduplication id, so a retried send within SQS's window is not delivered twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from wod.domain.errors import ConfigurationError, DeliveryError
from wod_contracts.orders import Order

from . import clients

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsOrderQueues:
    def __init__(self, queue_urls: Mapping[str, str], client: SQSClient | None = None) -> None:
        self._queue_urls = dict(queue_urls)
        self._client = client

    def queue_url(self, backend: str) -> str:
        try:
            return self._queue_urls[backend]
        except KeyError as exc:
            raise ConfigurationError(f"backend '{backend}' has no order queue") from exc

    def send(self, order: Order) -> None:
        client = self._client or clients.sqs()
        try:
            client.send_message(
                QueueUrl=self.queue_url(order.backend),
                MessageBody=order.model_dump_json(),
                MessageGroupId=order.seat,
                MessageDeduplicationId=order.order_id,
            )
        except (BotoCoreError, ClientError) as exc:
            raise DeliveryError(f"order {order.order_id} not queued: {exc}") from exc
