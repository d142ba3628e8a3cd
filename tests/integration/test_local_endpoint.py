"""The local AWS endpoint serves one request inside moto at a time, yet an SQS long poll never
holds up other clients: a DynamoDB call completes while a 10-s poll is in progress. The
negative control serves the same requests with the lock held for the whole request (what the
endpoint did before) and sees the DynamoDB call wait for the poll."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
import requests
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from wod.local.aws import SerializedMoto
from wod.local.stack import LOCAL_CREDENTIALS

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
RECEIVE = "AmazonSQS.ReceiveMessage"
PUT_ITEM = "DynamoDB_20120810.PutItem"


class PollSpy:
    """Wraps moto itself: notes, in order, each request entering and leaving it."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.poll_reached_moto = threading.Event()
        self.log: list[tuple[str, str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        self.log.append(("enter", target))
        if target == "AmazonSQS.ReceiveMessage":
            self.poll_reached_moto.set()
        try:
            return list(self.app(environ, start_response))
        finally:
            self.log.append(("leave", target))

    def served_during_the_poll(self, target: str) -> bool:
        """True if `target` entered moto before the poll's last receive left it."""
        entered = self.log.index(("enter", target))
        last_receive = max(i for i, event in enumerate(self.log) if event == ("leave", RECEIVE))
        return entered < last_receive


class WholeRequestLock:
    """The negative control: the lock is held for the whole request, long polls included."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self.lock:
            return list(self.app(environ, start_response))


@contextmanager
def endpoint(wrap: Callable[[WsgiApp], WsgiApp]) -> Iterator[tuple[str, PollSpy]]:
    spy = PollSpy(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        "127.0.0.1", 0, wrap(spy), threaded=True, request_handler=MotoRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    requests.post(url + "/moto-api/reset", timeout=10)  # moto's state is per process
    try:
        yield url, spy
    finally:
        requests.post(url + "/moto-api/reset", timeout=10)
        server.shutdown()


def clients(url: str) -> tuple[Any, Any]:
    kwargs = {
        "endpoint_url": url,
        "region_name": LOCAL_CREDENTIALS["AWS_REGION"],
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    session = boto3.session.Session()  # a session per caller: threads may not share one
    return session.client("sqs", **kwargs), session.client("dynamodb", **kwargs)


def make_table(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName="probe",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def dynamodb_call_during_poll(url: str, spy: PollSpy, wait_seconds: int) -> bool:
    """Start a long poll on an empty queue, then write to DynamoDB once moto has the poll;
    True if moto served the write while the poll was still waiting (read from moto's own
    order of requests, so no timing is involved)."""
    sqs, dynamodb = clients(url)
    make_table(dynamodb)
    queue_url = sqs.create_queue(QueueName="empty")["QueueUrl"]
    answers: list[Any] = []
    poll = threading.Thread(
        target=lambda: answers.append(
            sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=wait_seconds)
        )
    )
    poll.start()
    assert spy.poll_reached_moto.wait(30), "the poll never reached the endpoint"
    dynamodb.put_item(TableName="probe", Item={"id": {"S": "written"}})
    poll.join(wait_seconds + 30)
    assert answers and not answers[0].get("Messages")
    assert dynamodb.get_item(TableName="probe", Key={"id": {"S": "written"}})["Item"]
    return spy.served_during_the_poll(PUT_ITEM)


@pytest.mark.slow
def test_a_dynamodb_call_completes_while_a_long_poll_waits() -> None:
    with endpoint(SerializedMoto) as (url, spy):
        assert dynamodb_call_during_poll(url, spy, wait_seconds=10)


@pytest.mark.slow
def test_negative_control_a_lock_held_through_the_poll_makes_the_call_wait() -> None:
    with endpoint(WholeRequestLock) as (url, spy):
        assert not dynamodb_call_during_poll(url, spy, wait_seconds=2)


def test_a_message_sent_during_a_long_poll_is_received_by_it() -> None:
    with endpoint(SerializedMoto) as (url, spy):
        sqs, _ = clients(url)
        queue_url = sqs.create_queue(QueueName="wake-me")["QueueUrl"]
        answers: list[Any] = []
        poll = threading.Thread(
            target=lambda: answers.append(
                sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10)
            )
        )
        poll.start()
        assert spy.poll_reached_moto.wait(30)
        sqs.send_message(QueueUrl=queue_url, MessageBody="hello")
        poll.join(30)
        assert [m["Body"] for m in answers[0]["Messages"]] == ["hello"]


def test_conditional_writes_stay_atomic_under_concurrent_clients() -> None:
    """The lock still serializes moto: 40 conditional claims of 10 seats give exactly 10."""
    with endpoint(SerializedMoto) as (url, _):
        _, dynamodb = clients(url)
        make_table(dynamodb)
        dynamodb.put_item(TableName="probe", Item={"id": {"S": "pool"}, "left": {"N": "10"}})
        wins: list[bool] = []

        def claim() -> None:
            _, client = clients(url)
            try:
                client.update_item(
                    TableName="probe",
                    Key={"id": {"S": "pool"}},
                    UpdateExpression="SET #l = #l - :one",
                    ConditionExpression="#l > :zero",
                    ExpressionAttributeNames={"#l": "left"},
                    ExpressionAttributeValues={":one": {"N": "1"}, ":zero": {"N": "0"}},
                )
                wins.append(True)
            except client.exceptions.ConditionalCheckFailedException:
                wins.append(False)

        threads = [threading.Thread(target=claim) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert wins.count(True) == 10 and wins.count(False) == 30
