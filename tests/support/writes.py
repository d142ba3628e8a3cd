"""Everything a request can write, counted from the local stack (seats, registration rows,
guards, mails, orders, schedules), so a test can assert that a refused request wrote nothing.

The limits table is not counted on purpose: a refused request may still count toward a limit
(a counter) or spend its proof of work (a one-time marker); it writes nothing of anyone's."""

from __future__ import annotations

from dataclasses import dataclass

import boto3
import requests

from tests.support.orders import OrderLog
from wod.local.stack import LocalStack


@dataclass(frozen=True)
class Writes:
    free_seats: int  # a seat is only ever taken with a registration row (one transaction)
    registrations: int
    guards: int  # email guards and one-time markers (signatures, duplicate notices)
    mails: int
    orders: int
    schedules: int


class WriteCounter:
    """Counts with clients made once (a snapshot is taken around every fuzzed request)."""

    def __init__(self, local_stack: LocalStack, order_log: OrderLog) -> None:
        self.local_stack = local_stack
        self.order_log = order_log
        self.settings = local_stack.settings()
        self.dynamodb = boto3.client("dynamodb")
        self.scheduler = boto3.client("scheduler")

    def _count(self, table: str) -> int:
        pages = self.dynamodb.get_paginator("scan").paginate(
            TableName=table, Select="COUNT", ConsistentRead=True
        )
        return sum(page["Count"] for page in pages)

    def _free_seats(self) -> int:
        pages = self.dynamodb.get_paginator("scan").paginate(
            TableName=self.settings.workshops_table,
            ProjectionExpression="free_students",
            ConsistentRead=True,
        )
        return sum(
            len(item.get("free_students", {}).get("NS", ()))
            for page in pages
            for item in page["Items"]
        )

    def _mails(self) -> int:
        # The raw list of the AWS endpoint: the inbox parses every mail, too slow to count often.
        response = requests.get(self.local_stack.aws_endpoint + "/_wod/mail.json", timeout=10)
        response.raise_for_status()
        return len(response.json())

    def snapshot(self) -> Writes:
        pages = self.scheduler.get_paginator("list_schedules").paginate(
            GroupName=self.settings.scheduler_group
        )
        return Writes(
            free_seats=self._free_seats(),
            registrations=self._count(self.settings.registrations_table),
            guards=self._count(self.settings.guards_table),
            mails=self._mails(),
            orders=len(self.order_log.drain()),
            schedules=sum(len(page["Schedules"]) for page in pages),
        )


def snapshot(local_stack: LocalStack, order_log: OrderLog) -> Writes:
    return WriteCounter(local_stack, order_log).snapshot()
