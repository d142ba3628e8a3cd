"""`wod-agent run | once | check` (and `--version`): reads the config, wires the adapters once.

Thin on purpose: the behaviour lives in `loop` and `service`; `run` also serves /healthz and
/metrics (`status_server`).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from prometheus_client import disable_created_metrics

from wod_contracts.branding import load_branding
from wod_contracts.catalog import load_catalog

from . import agent_version
from .ansible_deployer import AnsibleDeployer, DeployerSettings
from .callback_client import SignedCallbackClient
from .checks import run_checks
from .config import DEFAULT_CONFIG_PATH, AgentConfig, ConfigError, LogFormat, load_config
from .crash_points import CrashPoints
from .health import PollHealth
from .hub_rest import JupyterHubRest
from .journal import Journal
from .logs import configure_logging
from .loop import AgentLoop
from .metrics import AgentMetrics
from .secrets_box import SecretBox
from .service import OrderService, OrderTimings
from .sqs_queue import SqsOrderQueue
from .status_server import StatusServer, status_app

log = logging.getLogger("wod_agent")


def build_loop(
    config: AgentConfig,
    on_finished: Callable[[OrderTimings], None] | None = None,
    metrics: AgentMetrics | None = None,
) -> tuple[AgentLoop, Journal]:
    """Wire the real adapters (also used by the benchmark)."""
    metrics = metrics or AgentMetrics(version=agent_version())
    config.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = config.callback_secret_bytes()
    journal = Journal(config.journal_path)
    deployer = AnsibleDeployer(
        DeployerSettings(
            account_mode=config.account_mode,
            homes_dir=config.homes_dir,
            state_dir=config.state_dir,
            hub_url=config.hub_url,
            python=sys.executable,
            playbook_binary=config.playbook_binary(),
            timeout_seconds=config.playbook_timeout,
            kernel_python=config.kernel_python,
            kernel_envs_dir=config.kernel_envs_dir,
        ),
        catalog=lambda: load_catalog(config.workshops_dirs),
        branding=lambda: load_branding(config.branding_file),
    )
    service = OrderService(
        journal=journal,
        box=SecretBox(secret),
        hub=JupyterHubRest(config.hub_api_url, config.hub_token_value()),
        deployer=deployer,
        callbacks=SignedCallbackClient(config.api_url, secret),
        max_receives=config.max_receives,
        on_finished=on_finished,
        metrics=metrics,
        crash=CrashPoints(config.crash_at, config.state_dir) if config.crash_at else None,
    )
    queue = SqsOrderQueue(
        config.queue_url, region=config.aws_region, endpoint_url=config.sqs_endpoint_url
    )
    loop = AgentLoop(
        queue=queue,
        service=service,
        parallelism=config.parallelism,
        visibility_timeout=config.visibility_timeout,
        poll_wait_seconds=config.poll_wait_seconds,
        retry_delay=config.retry_delay,
        metrics=metrics,
        health=PollHealth(stale_after=config.health_stale_after),
    )
    return loop, journal


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wod-agent",
        description="Workshops-on-Demand backend agent: prepares seats from the order queue.",
    )
    parser.add_argument(
        "--config", type=Path, default=None, help=f"YAML settings (default {DEFAULT_CONFIG_PATH})"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--log-format",
        choices=[f.value for f in LogFormat],
        default=None,
        help="log lines as JSON objects or text (default: the log_format setting, else json "
        "for run and text otherwise)",
    )
    parser.add_argument("--version", action="version", version=f"wod-agent {agent_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="poll the queue until SIGTERM")
    commands.add_parser(
        "once", help="one poll; carry out what came, then exit (1 if the poll failed)"
    )
    commands.add_parser("check", help="diagnose config, queue, hub token and ansible")
    return parser


def _log_format(args: argparse.Namespace, config: AgentConfig) -> LogFormat:
    if args.log_format:
        return LogFormat(args.log_format)
    if config.log_format is not None:
        return config.log_format
    # A service's lines go to journald and log shippers; a person reads `once` and `check`.
    return LogFormat.JSON if args.command == "run" else LogFormat.TEXT


def _status_server(config: AgentConfig, loop: AgentLoop, metrics: AgentMetrics) -> StatusServer:
    try:
        server = StatusServer(
            config.metrics_host,
            config.metrics_port,
            status_app(loop.health, metrics, agent_version()),
        )
    except OSError as exc:
        address = f"{config.metrics_host}:{config.metrics_port}"
        raise ConfigError([f"metrics_port: cannot listen on {address}: {exc.strerror}"]) from exc
    server.start()
    log.info("health and metrics on http://%s:%d/", config.metrics_host, server.port)
    return server


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(_log_format(args, config), logging.DEBUG if args.verbose else logging.INFO)
    if args.command == "check":
        return 0 if run_checks(config, print) else 1

    # No `*_created` series: they double the page for no use here. (prometheus-client leaves
    # this one function unannotated.)
    disable_created_metrics()  # type: ignore[no-untyped-call]
    metrics = AgentMetrics(version=agent_version())
    server: StatusServer | None = None
    try:
        loop, journal = build_loop(config, metrics=metrics)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "run" and config.metrics_port:
        try:
            server = _status_server(config, loop, metrics)
        except ConfigError as exc:
            journal.close()
            print(exc, file=sys.stderr)
            return 2

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: finishing the current orders, then exiting", signum)
        loop.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "wod-agent %s polling %s (%s mode)",
        agent_version(),
        config.queue_url,
        config.account_mode.value,
    )
    try:
        loop.run(once=args.command == "once")
    finally:
        journal.close()
        if server is not None:
            server.stop()
    # `once` from cron: a failed poll must show in its exit status.
    return 0 if args.command == "run" or loop.health.report().healthy else 1


if __name__ == "__main__":
    sys.exit(main())
