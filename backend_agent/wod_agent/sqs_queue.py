"""`OrderQueue` on Amazon SQS (FIFO or standard); botocore errors become `QueueError`."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .ports import QueueError, ReceivedMessage


class SqsOrderQueue:
    def __init__(
        self,
        queue_url: str,
        client: Any = None,
        region: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        self.queue_url = queue_url
        # Long polls hold the connection up to 20 s: the read timeout must exceed that.
        self._client = client or boto3.client(
            "sqs",
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(read_timeout=30, retries={"mode": "standard", "max_attempts": 3}),
        )

    def receive(self, max_messages: int, wait_seconds: int) -> list[ReceivedMessage]:
        try:
            answer = self._client.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=max(1, min(10, max_messages)),
                WaitTimeSeconds=wait_seconds,
                MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
            )
        except (BotoCoreError, ClientError) as exc:
            raise QueueError(f"receive from {self.queue_url}: {exc}") from exc
        messages = []
        for raw in answer.get("Messages", []):
            attributes = raw.get("Attributes", {})
            messages.append(
                ReceivedMessage(
                    message_id=raw["MessageId"],
                    receipt_handle=raw["ReceiptHandle"],
                    body=raw["Body"],
                    receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
                    sent_at=int(attributes.get("SentTimestamp", "0")) / 1000,
                )
            )
        return messages

    def extend(self, message: ReceivedMessage, seconds: int) -> None:
        try:
            self._client.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=message.receipt_handle,
                VisibilityTimeout=seconds,
            )
        except (BotoCoreError, ClientError) as exc:
            raise QueueError(f"change visibility of {message.message_id}: {exc}") from exc

    def delete(self, message: ReceivedMessage) -> None:
        try:
            self._client.delete_message(
                QueueUrl=self.queue_url, ReceiptHandle=message.receipt_handle
            )
        except (BotoCoreError, ClientError) as exc:
            raise QueueError(f"delete {message.message_id}: {exc}") from exc

    def describe(self) -> dict[str, str]:
        """The queue's attributes, for `wod-agent check` (raises QueueError)."""
        try:
            answer = self._client.get_queue_attributes(
                QueueUrl=self.queue_url, AttributeNames=["All"]
            )
        except (BotoCoreError, ClientError) as exc:
            raise QueueError(f"read attributes of {self.queue_url}: {exc}") from exc
        attributes = {str(key): str(value) for key, value in answer.get("Attributes", {}).items()}
        return attributes
