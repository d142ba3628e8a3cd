"""Fixtures shared by every test layer: the real local stack (moto server over HTTP, the
gateway over the real handler) started once per session, and helpers to read it back."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.orders import OrderLog
from wod.local.stack import LocalStack, free_port
from wod.settings import REPO_ROOT
from wod_contracts.branding import load_branding
from wod_contracts.catalog import load_catalog

# A second backend, so that routing orders to each backend's own queue is tested.
OTHER_BACKEND = "second"
# Domains of tests that hold more seats of one workshop than the per-domain cap: the load tests,
# and the callback tests (one workshop, a seat per test).
LOAD_TEST_DOMAINS = ["race.example", "cb.example"]


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """moto server + tables from template.yaml + the sample catalog + the gateway (site at /)."""
    saved = dict(os.environ)
    stack = LocalStack(
        aws_port=free_port(),
        gateway_port=free_port(),
        site_dir=REPO_ROOT / "site" / "build",
        log_dir=tmp_path_factory.mktemp("stack-logs"),
        # Start links need a hub URL; the tests that log in start a real hub of their own.
        extra_env={
            "WOD_BACKEND_HUBS": json.dumps({"default": "http://127.0.0.1:8000"}),
            # The load tests register hundreds of people of one domain; the default cap holds
            # for every other domain (tests/integration/test_one_person.py).
            "WOD_DOMAIN_CAP_EXEMPT": json.dumps(LOAD_TEST_DOMAINS),
            # A proof of work the tests solve in milliseconds (the default is a real one).
            "WOD_ALTCHA_MAX_NUMBER": "2000",
            # The load tests send hundreds of registrations from one address, some of them for
            # one person; tests/integration/test_limits.py holds the limits on a gateway of
            # its own.
            "WOD_LIMIT_SOURCE_PER_MINUTE": "100000",
            "WOD_LIMIT_SOURCE_PER_DAY": "100000",
            "WOD_LIMIT_PERSON_PER_HOUR": "1000",
            "WOD_LIMIT_PERSON_PER_DAY": "1000",
        },
    )
    catalog = load_catalog([REPO_ROOT / "workshops"])
    try:
        stack.start_aws()
        stack.provision(
            catalog,
            str(load_branding(REPO_ROOT / "branding.yml").sender),
            extra_backends=[OTHER_BACKEND],
        )
        stack.seed(catalog)
        stack.start_gateway()
        yield stack
    finally:
        stack.stop()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def order_log(local_stack: LocalStack) -> OrderLog:
    return OrderLog(local_stack.resources.queue_urls)


def write_workshop(root: Path, workshop_id: str, first: int, last: int, **fields: object) -> Path:
    """A minimal valid workshop directory under `root` (for tests that need their own)."""
    import yaml

    data: dict[str, object] = {
        "id": workshop_id,
        "title": fields.pop("title", f"Test workshop {workshop_id}"),
        "summary": "A workshop made by a test.",
        "description": "Made by a test.",
        "duration_minutes": 60,
        "students": {"first": first, "last": last},
        "presenter": {"name": "Test Presenter"},
        **fields,
    }
    directory = root / workshop_id
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "workshop.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return directory
