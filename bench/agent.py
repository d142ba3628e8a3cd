"""Benchmark of the backend agent: a burst of CREATE orders against a local hub, moto SQS and a
local signed-callback receiver. Prints orders per minute, per order where the time went, and the
memory of the student servers the burst started (idle JupyterLab, no kernel) and of the hub.

    .venv/bin/python bench/agent.py [--orders 20] [--parallelism 4]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3
import psutil  # type: ignore[import-untyped]
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the agent tests' real peers (hub, moto, receiver)

from agent.conftest import (  # type: ignore[import-not-found]  # noqa: E402
    REGION,
    VENV_BIN,
    free_port,
    start_hub,
    stop_group,
    wait_for,
)
from agent.peers import (  # type: ignore[import-not-found]  # noqa: E402
    CallbackReceiver,
    make_order,
    serve_receiver,
    write_branding,
    write_workshop,
)

from wod_agent.cli import build_loop  # noqa: E402
from wod_agent.config import load_config  # noqa: E402
from wod_agent.service import OrderTimings  # noqa: E402
from wod_contracts.orders import OrderVerb  # noqa: E402


def start_moto(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = workdir / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    endpoint = f"http://127.0.0.1:{port}"
    wait_for(f"{endpoint}/moto-api/", process, log)
    return process, endpoint


def summary(name: str, values: list[float]) -> str:
    return f"{name:<9} p50 {statistics.median(values):6.2f}s   max {max(values):6.2f}s"


def memory_mb(hub_pid: int) -> tuple[list[float], float]:
    """(MB of each single-user server, of the hub and its proxy together), as PSS: shared pages
    are split between the processes that share them, so the figures add up to what a host needs."""
    hub = psutil.Process(hub_pid)
    servers: list[float] = []
    rest = hub.memory_full_info().pss
    for child in hub.children(recursive=True):
        try:
            pss = child.memory_full_info().pss
            is_server = any("jupyterhub-singleuser" in part for part in child.cmdline())
        except psutil.NoSuchProcess:
            continue
        if is_server:
            servers.append(pss / 1e6)
        else:
            rest += pss
    return servers, rest / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20, help="orders per burst")
    parser.add_argument("--parallelism", type=int, default=None, help="default: the agent's")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

    with tempfile.TemporaryDirectory(prefix="wod-agent-bench-") as tmp:
        workdir = Path(tmp)
        homes, state = workdir / "homes", workdir / "state"
        homes.mkdir()
        state.mkdir()
        moto, endpoint = start_moto(workdir)
        hub_process, hub = start_hub(
            "local", workdir, homes, state, VENV_BIN / "jupyterhub-singleuser"
        )
        receiver = CallbackReceiver(secret=secrets.token_urlsafe(32).encode())
        server = serve_receiver(receiver, free_port())
        try:
            sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=REGION)
            dlq = sqs.create_queue(QueueName="bench-dlq.fifo", Attributes={"FifoQueue": "true"})
            dlq_arn = sqs.get_queue_attributes(
                QueueUrl=dlq["QueueUrl"], AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
            queue_url = sqs.create_queue(
                QueueName="bench.fifo",
                Attributes={
                    "FifoQueue": "true",
                    "VisibilityTimeout": "60",
                    "RedrivePolicy": f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":3}}',
                },
            )["QueueUrl"]
            workshops = workdir / "workshops"
            write_workshop(workshops, "WOD-BENCH", 1, 2 * args.orders)
            (workdir / "secret").write_bytes(receiver.secret)
            config_path = workdir / "config.yml"
            config_path.write_text(
                yaml.safe_dump(
                    {
                        "queue_url": queue_url,
                        "sqs_endpoint_url": endpoint,
                        "aws_region": REGION,
                        "api_url": receiver.url,
                        "callback_secret_file": str(workdir / "secret"),
                        "hub_url": hub.url,
                        "hub_api_url": hub.api_url,
                        "hub_token": hub.token,
                        "account_mode": "local",
                        "allow_unsafe_local_mode": True,  # a benchmark on one's own machine
                        "workshops_dirs": [str(workshops)],
                        "homes_dir": str(homes),
                        "state_dir": str(state),
                        "branding_file": str(write_branding(workdir / "branding.yml")),
                        **({"parallelism": args.parallelism} if args.parallelism else {}),
                        "visibility_timeout": 60,
                        "max_receives": 3,
                        "poll_wait_seconds": 2,
                    }
                ),
                encoding="utf-8",
            )
            timings: list[OrderTimings] = []
            settled = threading.Condition()

            def finished(timing: OrderTimings) -> None:
                with settled:
                    timings.append(timing)
                    settled.notify_all()

            config = load_config(config_path, environ={})
            loop, journal = build_loop(config, on_finished=finished)
            runner = threading.Thread(target=loop.run)
            runner.start()

            def burst(verb: OrderVerb, students: range) -> tuple[float, list[OrderTimings]]:
                with settled:
                    before = len(timings)
                started = time.monotonic()
                for student in students:
                    order = make_order(verb, student, "WOD-BENCH")
                    sqs.send_message(
                        QueueUrl=queue_url,
                        MessageBody=order.model_dump_json(),
                        MessageGroupId=order.seat,
                        MessageDeduplicationId=order.order_id,
                    )
                with settled:
                    if not settled.wait_for(
                        lambda: len(timings) >= before + len(students), timeout=1800
                    ):
                        raise TimeoutError(f"{verb.value} burst did not finish")
                    return time.monotonic() - started, timings[before:]

            n = args.orders
            bursts = [
                ("PREPARE", *burst(OrderVerb.PREPARE, range(1, n + 1))),
                ("CREATE warm", *burst(OrderVerb.CREATE, range(1, n + 1))),
                ("CREATE cold", *burst(OrderVerb.CREATE, range(n + 1, 2 * n + 1))),
            ]
            servers_mb, hub_mb = memory_mb(hub_process.pid)
            loop.request_stop()
            runner.join()
            journal.close()
        finally:
            server.shutdown()
            stop_group(hub_process)
            stop_group(moto)

    print(
        f"wod-agent bench: {args.orders} orders per burst, parallelism {config.parallelism}, "
        f"{os.cpu_count()} CPUs"
    )
    for name, elapsed, done in bursts:
        succeeded = sum(t.outcome == "succeeded" for t in done)
        warm = sum(t.warm for t in done)
        print(
            f"\n{name}: {len(done) / elapsed * 60:.1f} orders/min ({elapsed:.1f}s for "
            f"{len(done)}, {succeeded} succeeded, {warm} on a warm seat)"
        )
        print(summary("queue", [t.queue_seconds for t in done]))
        print(summary("ansible", [t.ansible_seconds for t in done]))
        print(summary("hub", [t.hub_seconds for t in done]))
        print(summary("callback", [t.callback_seconds for t in done]))
    if servers_mb:
        print(
            f"\nmemory (PSS): {len(servers_mb)} idle student servers, p50 "
            f"{statistics.median(servers_mb):.0f} MB, max {max(servers_mb):.0f} MB each; "
            f"hub + proxy {hub_mb:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
