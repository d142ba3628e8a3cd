"""Creates the local AWS resources: the tables exactly as `template.yaml` declares them, a FIFO
order queue (with its dead-letter queue) per backend of the catalog, the SES sender identity and
the schedule group. Idempotent. Called by the demo and the test fixtures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from wod.settings import Settings
from wod.templates import load_template, resources_of_type

# Properties that CloudFormation takes but CreateTable does not (or that moto ignores).
_NOT_CREATE_TABLE = {
    "PointInTimeRecoverySpecification",
    "SSESpecification",
    "TimeToLiveSpecification",
    "Tags",
    "TableName",
}
TABLE_SETTINGS = {
    "WorkshopsTable": "workshops_table",
    "RegistrationsTable": "registrations_table",
    "GuardsTable": "guards_table",
    "LimitsTable": "limits_table",
}
MAX_RECEIVES = 5


@dataclass
class LocalResources:
    queue_urls: dict[str, str] = field(default_factory=dict)
    dead_letter_urls: dict[str, str] = field(default_factory=dict)


def create_tables(settings: Settings) -> None:
    dynamodb = boto3.client("dynamodb")
    existing = set(dynamodb.list_tables()["TableNames"])
    for logical, resource in resources_of_type(load_template(), "AWS::DynamoDB::Table").items():
        name = getattr(settings, TABLE_SETTINGS[logical])
        if name in existing:
            continue
        props: dict[str, Any] = {
            k: v for k, v in resource["Properties"].items() if k not in _NOT_CREATE_TABLE
        }
        dynamodb.create_table(TableName=name, **props)
        ttl = resource["Properties"].get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)


def create_queues(backends: Iterable[str], prefix: str = "wod") -> LocalResources:
    sqs = boto3.client("sqs")
    resources = LocalResources()
    for backend in sorted(set(backends)):
        dlq_url = sqs.create_queue(
            QueueName=f"{prefix}-{backend}-orders-dlq.fifo", Attributes={"FifoQueue": "true"}
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        url = sqs.create_queue(
            QueueName=f"{prefix}-{backend}-orders.fifo",
            Attributes={
                "FifoQueue": "true",
                "VisibilityTimeout": "300",
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}
                ),
            },
        )["QueueUrl"]
        resources.queue_urls[backend] = url
        resources.dead_letter_urls[backend] = dlq_url
    return resources


def verify_sender(address: str) -> None:
    boto3.client("ses").verify_email_identity(EmailAddress=address)


def create_schedule_group(name: str) -> None:
    try:
        boto3.client("scheduler").create_schedule_group(Name=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConflictException":
            raise
