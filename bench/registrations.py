"""Registrations per second and latency through the local gateway, against the bare DynamoDB
writes one registration needs, in the same run against the same local AWS endpoint.

    .venv/bin/python bench/registrations.py [--registrations 200] [--concurrency 16]

A registration costs, in DynamoDB: one consistent GetItem of the pool, one TransactWriteItems
(pool update + registration put + email guard put + its domain's share), three UpdateItems
striking off the follow-ups and one conditional UpdateItem to `deploying`. The "bare" run
issues the calls of the seat itself with boto3; the gateway run adds HTTP, validation, the
proof of work's check and one-time use, the limits' counters (four conditional UpdateItems,
one more per mail), SES, SQS, Scheduler and the handler.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import requests
import yaml

from wod.local.proof import solve
from wod.local.stack import LocalStack, free_port
from wod.settings import REPO_ROOT, Settings
from wod_contracts.branding import load_branding
from wod_contracts.catalog import load_catalog


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(label: str, work: Callable[[int], None], count: int, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []

    def timed(i: int) -> None:
        start = time.perf_counter()
        work(i)
        latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(timed, range(count)))
    elapsed = time.perf_counter() - start
    figures = {
        "per_second": count / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * percentile(latencies, 0.99),
    }
    print(
        f"{label:<34} {figures['per_second']:8.1f}/s   p50 {figures['p50_ms']:7.1f} ms"
        f"   p99 {figures['p99_ms']:7.1f} ms   ({count} x, {concurrency} concurrent)"
    )
    return figures


def workshop_dir(root: Path, workshop_id: str, seats: int, first: int) -> None:
    directory = root / workshop_id
    directory.mkdir(parents=True)
    (directory / "workshop.yml").write_text(
        yaml.safe_dump(
            {
                "id": workshop_id,
                "title": "Benchmark",
                "summary": "s",
                "description": "d",
                "duration_minutes": 120,
                "students": {"first": first, "last": first + seats - 1},
                "presenter": {"name": "Bench"},
            }
        )
    )


def bare_writes(settings: Settings, workshop_id: str) -> Callable[[int], None]:
    dynamodb = boto3.client("dynamodb")

    def one(i: int) -> None:
        rid = uuid.uuid4().hex
        student = str(50_000 + i)
        dynamodb.get_item(
            TableName=settings.workshops_table,
            Key={"workshop_id": {"S": workshop_id}},
            ConsistentRead=True,
        )
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": settings.workshops_table,
                        "Key": {"workshop_id": {"S": workshop_id}},
                        "UpdateExpression": "DELETE free_students :s ADD pool_version :one",
                        "ConditionExpression": "contains(free_students, :n)",
                        "ExpressionAttributeValues": {
                            ":s": {"NS": [student]},
                            ":n": {"N": student},
                            ":one": {"N": "1"},
                        },
                    }
                },
                {
                    "Put": {
                        "TableName": settings.registrations_table,
                        "Item": {
                            "registration_id": {"S": rid},
                            "state": {"S": "pending"},
                            "updated_at": {"S": "2026-11-27T00:00:00.000000+0000"},
                            "follow_ups": {"SS": ["a", "b", "c"]},
                        },
                        "ConditionExpression": "attribute_not_exists(registration_id)",
                    }
                },
                {
                    "Put": {
                        "TableName": settings.guards_table,
                        "Item": {"guard_id": {"S": f"bench#{rid}"}, "registration_id": {"S": rid}},
                        "ConditionExpression": "attribute_not_exists(guard_id)",
                    }
                },
            ]
        )
        for step in ("a", "b", "c"):
            dynamodb.update_item(
                TableName=settings.registrations_table,
                Key={"registration_id": {"S": rid}},
                UpdateExpression="DELETE follow_ups :s",
                ExpressionAttributeValues={":s": {"SS": [step]}},
            )
        dynamodb.update_item(
            TableName=settings.registrations_table,
            Key={"registration_id": {"S": rid}},
            UpdateExpression="SET #s = :to",
            ConditionExpression="#s = :from",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":to": {"S": "deploying"}, ":from": {"S": "pending"}},
        )

    return one


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=8, help="gateway worker processes")
    args = parser.parse_args()
    count, concurrency = args.registrations, args.concurrency

    stack = LocalStack(
        aws_port=free_port(),
        gateway_port=free_port(),
        # Every registration comes from this one address: the per-source limits are raised
        # (their counters are still counted, so their cost is in the figures).
        extra_env={
            "WOD_LIMIT_SOURCE_PER_MINUTE": str(100 * count),
            "WOD_LIMIT_SOURCE_PER_DAY": str(100 * count),
        },
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        workshop_dir(root, "bench-api", count, 1)
        workshop_dir(root, "bench-bare", count, 50_000)
        catalog = load_catalog([root])
        try:
            stack.start_aws()
            stack.provision(catalog, str(load_branding(REPO_ROOT / "branding.yml").sender))
            stack.seed(catalog)
            stack.start_gateway(workers=args.workers)
            settings = stack.settings()
            session = requests.Session()
            session.mount(
                "http://",
                requests.adapters.HTTPAdapter(
                    pool_connections=concurrency, pool_maxsize=concurrency
                ),
            )

            # The proof of work is the client's (a browser's) work: solved before the clock
            # starts, at the default difficulty; the API's check and one-time use are timed.
            # A domain per person, so that each claim counts its domain's share too.
            solutions = [solve(stack.api_url, session) for _ in range(count)]

            def register(i: int) -> None:
                response = session.post(
                    stack.api_url + "registrations",
                    json={
                        "workshop_id": "bench-api",
                        "email": f"bench{i}@b{i}.example.org",
                        "first_name": "Bench",
                        "last_name": "Mark",
                        "company": "Bench",
                        "accept_terms": True,
                        "altcha": solutions[i],
                    },
                    timeout=120,
                )
                assert response.status_code == 202, response.text

            workers = args.workers
            print(f"local AWS {stack.aws_endpoint}, {workers} workers, {count} registrations")
            # Warm every gateway worker (a cold start each, as Lambda's first invocations).
            for _ in range(args.workers * 2):
                session.get(stack.api_url + "workshops", timeout=60)
            api = run("registrations via the gateway", register, count, concurrency)
            bare = run(
                "bare DynamoDB writes (boto3)",
                bare_writes(settings, "bench-bare"),
                count,
                concurrency,
            )
            print(
                f"ratio gateway/bare: throughput {api['per_second'] / bare['per_second']:.2f}x, "
                f"p50 latency {api['p50_ms'] / bare['p50_ms']:.2f}x, "
                f"p99 latency {api['p99_ms'] / bare['p99_ms']:.2f}x"
            )
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
