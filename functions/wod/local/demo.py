"""`make demo`: the whole system on this machine, no root and no cloud account needed.

Starts the local AWS endpoint, creates the resources from template.yaml, loads the catalog,
builds the catalog site, serves site + API + inbox through the local gateway, starts a
JupyterHub (local account mode, no root) and the backend agent, and runs the scheduler runner
and the periodic sweep. Ctrl-C stops every process it started. State lives in memory: a restart
starts from an empty registry and a fresh hub (the catalog is loaded again).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from wod.local import backend
from wod.local.scheduler import SchedulerRunner
from wod.local.stack import LocalStack, free_port
from wod.seed import DEMO_WORKSHOPS, catalog_roots
from wod.services.sweep import tally
from wod.services.wiring import build_services, utc_now
from wod.settings import REPO_ROOT
from wod_contracts.branding import load_branding
from wod_contracts.catalog import Catalog, CatalogError, load_catalog

SITE_CONFIG = REPO_ROOT / "site" / "mkdocs.yml"
LOCAL_BACKEND = REPO_ROOT / ".local" / "backend"
SITE_BUILD = REPO_ROOT / "site" / "build"
# A preview (`--only`) keeps its files apart, so it can run beside `make demo` and the tests.
PREVIEW_DIR = REPO_ROOT / ".local" / "preview"


def build_site(api_url: str, roots: list[Path], site_dir: Path = SITE_BUILD) -> Path | None:
    if not SITE_CONFIG.is_file():
        return None
    private = os.pathsep.join(str(root) for root in roots[1:])
    env = {
        **os.environ,
        "WOD_API_URL": api_url,
        "WOD_WORKSHOPS_DIR": str(roots[0]),
        "WOD_PRIVATE_WORKSHOPS": private,
        "NO_MKDOCS_2_WARNING": "1",
    }
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--config-file", str(SITE_CONFIG),
         "--site-dir", str(site_dir)],
        check=True,
        env=env,
        cwd=REPO_ROOT,
    )  # fmt: skip
    return site_dir


def only_workshop(catalog: Catalog, workshop_id: str, root: Path) -> Path:
    """A catalog root holding just one workshop (a link to its directory), for a preview."""
    entry = catalog.get(workshop_id)  # KeyError: not a known workshop
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    (root / workshop_id).symlink_to(entry.directory.resolve(), target_is_directory=True)
    return root


def every(seconds: float, job: Callable[[], object], name: str, stop: threading.Event) -> None:
    """Run `job` periodically until `stop`; the demo keeps going if one run fails."""
    while not stop.wait(seconds):
        try:
            done = job()
        except Exception as exc:  # printed, and the next run may well succeed
            print(f"{name} failed: {exc}", file=sys.stderr, flush=True)
            continue
        if done:
            print(f"{name}: {done}", flush=True)


def start_periodic_jobs(stack: LocalStack, sweep_every: float, stop: threading.Event) -> None:
    services = build_services(stack.settings())
    # Warm seats from the start (the sweep keeps them topped up): a newcomer's first
    # registration gets its login in seconds.
    services.warm_seats.top_up_all()
    runner = SchedulerRunner(services.lifecycle, services.settings.scheduler_group, utc_now)
    jobs: list[tuple[float, Callable[[], object], str]] = [
        (sweep_every, lambda: tally(services.sweeper.run()), "sweep"),
        (2.0, runner.run_due, "schedules fired"),
    ]
    for seconds, job, name in jobs:
        threading.Thread(target=every, args=(seconds, job, name, stop), daemon=True).start()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    # `kill` stops the demo as Ctrl-C does: every process it started goes with it.
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("WOD_DEMO_PORT", 8080)))
    parser.add_argument(
        "--aws-port", type=int, default=int(os.environ.get("WOD_DEMO_AWS_PORT", 4566))
    )
    parser.add_argument(
        "--hub-port", type=int, default=int(os.environ.get("WOD_DEMO_HUB_PORT", 8000))
    )
    parser.add_argument("--sweep-every", type=float, default=30.0, help="seconds")
    parser.add_argument("--verbose", action="store_true", help="access logs and INFO logs")
    parser.add_argument(
        "--only", metavar="WORKSHOP_ID", help="serve just this workshop (`wod-workshop preview`)"
    )
    args = parser.parse_args(argv)

    try:
        roots = [*catalog_roots(), DEMO_WORKSHOPS]
        catalog = load_catalog(roots)
        if args.only:
            roots = [only_workshop(catalog, args.only, PREVIEW_DIR / "workshops")]
            catalog = load_catalog(roots)
        branding = load_branding(REPO_ROOT / "branding.yml")
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyError:
        known = ", ".join(sorted(w.id for w in catalog.workshops))
        print(f"no workshop {args.only!r} in {', '.join(map(str, roots))}", file=sys.stderr)
        print(f"known workshops: {known}", file=sys.stderr)
        return 2
    hub_url = f"http://127.0.0.1:{args.hub_port}"
    local_backend, site_dir = LOCAL_BACKEND, SITE_BUILD
    if args.only:
        local_backend, site_dir = PREVIEW_DIR / "backend", PREVIEW_DIR / "site"
    stack = LocalStack(
        aws_port=args.aws_port,
        gateway_port=args.port,
        quiet=not args.verbose,
        extra_env={"WOD_BACKEND_HUBS": json.dumps({"default": hub_url})},
    )
    if args.only:
        stack.log_dir = PREVIEW_DIR / "logs"
    stop = threading.Event()
    try:
        print("starting the local AWS endpoint…", flush=True)
        stack.start_aws()
        stack.provision(catalog, str(branding.sender))
        stack.seed(catalog)
        print(f"loaded {len(catalog)} workshops; building the site…", flush=True)
        stack.site_dir = build_site("/api/", roots, site_dir)
        stack.start_gateway()
        print("starting JupyterHub and the backend agent…", flush=True)
        shutil.rmtree(local_backend, ignore_errors=True)  # a fresh hub, like the registry
        hub = backend.start_hub(stack, local_backend / "hub", args.hub_port)
        agent_port = free_port()
        config = backend.write_agent_config(
            stack, hub, local_backend / "agent.yml", stack.api_url, roots, metrics_port=agent_port
        )
        backend.start_agent(stack, config)
        start_periodic_jobs(stack, args.sweep_every, stop)
        # wod-admin's default is this demo on 8080 (or WOD_DEMO_PORT).
        console_url = "" if args.port == 8080 else f" --url {stack.base_url}"
        print(
            "\nWorkshops-on-Demand runs locally:\n"
            f"  catalog   {stack.base_url}\n"
            f"  API       {stack.api_url}workshops   (OpenAPI: {stack.api_url}docs)\n"
            f"  inbox     {stack.base_url}_inbox/\n"
            f"  hub       {hub.url}/   (students log in with the mailed password)\n"
            f"  agent     http://127.0.0.1:{agent_port}/healthz and /metrics\n"
            f"  console   .venv/bin/wod-admin watch{console_url}   (organizers)\n"
            f"  logs      {stack.log_dir}\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(0.5)
        dead = [name for name, p in stack.processes.items() if p.poll() is not None]
        print(f"stopped: {', '.join(dead)} exited (see {stack.log_dir})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    finally:
        stop.set()
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
