"""Starts and stops the local stack's processes (AWS endpoint, gateway) and provisions it.

One implementation for `make demo` and the test fixtures. Each process runs in its own process
group, so stopping the stack also stops whatever a process started.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from wod.local import provision
from wod.seed import seed
from wod.settings import REPO_ROOT, Settings
from wod_contracts.catalog import Catalog, load_catalog

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_http(
    url: str,
    timeout: float = 30.0,
    process: subprocess.Popen[bytes] | None = None,
    *,
    success: bool = False,
) -> None:
    """Until `url` answers (with a 2xx/3xx if `success`: the hub's proxy answers 404 before the
    hub has added its route)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code < 400 or not success:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@dataclass
class LocalStack:
    aws_port: int = 4566
    gateway_port: int = 8080
    host: str = "127.0.0.1"
    site_dir: Path | None = None
    handler: str = "wod.handlers.api:handler"
    extra_env: Mapping[str, str] = field(default_factory=dict)
    log_dir: Path = REPO_ROOT / ".local" / "logs"
    quiet: bool = True
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    resources: provision.LocalResources = field(default_factory=provision.LocalResources)

    @property
    def aws_endpoint(self) -> str:
        return f"http://{self.host}:{self.aws_port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.gateway_port}/"

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    def aws_env(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.aws_endpoint, **LOCAL_CREDENTIALS}

    def env(self) -> dict[str, str]:
        """The environment of every process of the stack (and of in-process test code)."""
        return {
            **self.aws_env(),
            "WOD_BACKEND_QUEUES": json.dumps(self.resources.queue_urls),
            "WOD_SITE_URL": self.base_url,
            "POWERTOOLS_METRICS_NAMESPACE": "WorkshopsOnDemand",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING" if self.quiet else "INFO",
            **self.extra_env,
        }

    def settings(self) -> Settings:
        os.environ.update(self.env())
        return Settings()

    # -- processes -----------------------------------------------------------------------------

    def spawn(
        self, name: str, args: list[str], env: Mapping[str, str], cwd: Path = REPO_ROOT
    ) -> subprocess.Popen[bytes]:
        """Start a process of the stack in its own session; its output goes to `<name>.log`."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            args,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start_aws(self) -> None:
        process = self.spawn(
            "aws",
            [
                sys.executable,
                "-m",
                "wod.local.aws",
                "--host",
                self.host,
                "--port",
                str(self.aws_port),
            ],
            {},
        )
        wait_for_http(self.aws_endpoint + "/_wod/mail.json", timeout=120, process=process)

    def provision(self, catalog: Catalog, sender: str, extra_backends: Sequence[str] = ()) -> None:
        os.environ.update(self.aws_env())
        settings = Settings()  # table names: the defaults, or WOD_* from the environment
        provision.create_tables(settings)
        self.resources = provision.create_queues(catalog.backends() | {"default", *extra_backends})
        provision.verify_sender(sender)
        provision.create_schedule_group(settings.scheduler_group)

    def seed(self, catalog: Catalog | Path | Sequence[Path]) -> Catalog:
        """Load a catalog (or the workshops under the given directories) into the tables."""
        if isinstance(catalog, Path):
            catalog = load_catalog([catalog])
        elif not isinstance(catalog, Catalog):
            catalog = load_catalog(list(catalog))
        seed(catalog, self.settings())
        return catalog

    def start_gateway(
        self,
        *,
        name: str = "gateway",
        port: int | None = None,
        handler: str | None = None,
        env: Mapping[str, str] | None = None,
        workers: int = 8,
        options: Sequence[str] = (),
    ) -> str:
        """Start a gateway (the stack's own, or another one, e.g. over a test handler, or with
        throttles: `options=["--throttle", "20:50"]`)."""
        port = port or self.gateway_port
        args = [
            sys.executable, "-m", "wod.local.gateway",
            "--host", self.host,
            "--port", str(port),
            "--aws", self.aws_endpoint,
            "--handler", handler or self.handler,
            "--workers", str(workers),
        ]  # fmt: skip
        if self.site_dir is not None:
            args += ["--site-dir", str(self.site_dir)]
        if self.quiet:
            args.append("--quiet")
        args += options  # e.g. the throttles: --throttle 20:50
        process = self.spawn(name, args, {**self.env(), **(env or {})})
        base_url = f"http://{self.host}:{port}/"
        # The site's root answers without calling the AWS endpoint (the inbox reads every mail
        # sent so far, which a loaded machine can take longer than a probe's timeout to do).
        wait_for_http(base_url, timeout=120, process=process)
        return base_url

    def stop_process(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop_process(name)

    # -- reading back --------------------------------------------------------------------------

    def inbox(self, to: str | None = None) -> list[dict[str, Any]]:
        """The mails sent so far, oldest first (only those to `to`, if given)."""
        response = requests.get(self.base_url + "_inbox/messages.json", timeout=10)
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()
        if to is not None:
            messages = [m for m in messages if m["to"].lower() == to.lower()]
        return messages
