"""`wod-admin` end to end against the local stack, as an organizer runs it (the installed
command, in a subprocess, with the local stack's default credentials): status, the CSV export
read back, open/close, end/extend/reissue, clear errors with a non-zero exit, sync, and the
report opened in headless Chromium (plots drawn, no request leaves the page)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from botocore.credentials import ReadOnlyCredentials
from playwright.sync_api import sync_playwright

from tests.conftest import write_workshop
from tests.support.agent_calls import callback_for, post_callback
from tests.support.altcha import post_registration
from tests.support.orders import OrderLog
from wod.local.browser import CHROMIUM, CHROMIUM_ARGS
from wod.local.stack import LocalStack
from wod.settings import REPO_ROOT
from wod_admin.client import AdminClient
from wod_contracts.callbacks import Outcome
from wod_contracts.orders import Order

WOD_ADMIN = str(Path(sys.executable).with_name("wod-admin"))
WORKSHOP = "cli-one"
OTHER = "cli-two"


@pytest.fixture(scope="module")
def cli_workshops(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("admin-cli")
    write_workshop(root, WORKSHOP, 8601, 8610, warm_seats=0)
    write_workshop(root, OTHER, 8611, 8620, warm_seats=0)
    local_stack.seed(root)


def wod_admin(
    stack: LocalStack, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WOD_ADMIN, "--url", stack.base_url, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(REPO_ROOT), "COLUMNS": "200", **(env or {})},
        check=False,
    )


def register(stack: LocalStack, workshop_id: str, email: str) -> str:
    response = post_registration(
        stack.api_url, workshop_id, email, first_name="Dorothy", last_name="Vaughan", company="NACA"
    )
    assert response.status_code == 202, response.text
    return str(response.json()["registration_id"])


def answer(stack: LocalStack, order: Order, outcome: Outcome = Outcome.SUCCEEDED) -> None:
    response = post_callback(stack.api_url, callback_for(order, outcome).to_wire().encode())
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def event(local_stack: LocalStack, order_log: OrderLog, cli_workshops: None) -> dict[str, str]:
    """A small event: three ready sessions (one then ended), one failed, one still deploying."""
    ids: dict[str, str] = {}
    for name, workshop in (("a", WORKSHOP), ("b", WORKSHOP), ("c", OTHER), ("f", OTHER)):
        rid = register(local_stack, workshop, f"{name}@cli.example")
        (create,) = order_log.for_registration(rid)
        answer(local_stack, create.order, Outcome.FAILED if name == "f" else Outcome.SUCCEEDED)
        ids[name] = rid
    ids["w"] = register(local_stack, OTHER, "w@cli.example")
    return ids


def test_help_reads_well_and_every_command_is_there() -> None:
    result = subprocess.run([WOD_ADMIN, "--help"], capture_output=True, text=True, check=True)
    for command in ("status", "watch", "registrations", "open", "close", "sync", "end",
                    "extend", "reissue", "report"):  # fmt: skip
        assert command in result.stdout
    assert "make demo" in result.stdout


def test_status_shows_each_workshops_seats(local_stack: LocalStack, event: dict[str, str]) -> None:
    shown = wod_admin(local_stack, "status")
    assert shown.returncode == 0, shown.stderr
    assert WORKSHOP in shown.stdout and "login p50/p95" in shown.stdout
    raw = wod_admin(local_stack, "status", "--json")
    (two,) = [w for w in json.loads(raw.stdout)["workshops"] if w["workshop_id"] == OTHER]
    assert two["ready"] == 1 and two["failed"] == 1 and two["deploying"] == 1
    assert two["orders_queued"] == 1
    watched = wod_admin(local_stack, "watch", "--every", "1", "--count", "2")
    assert watched.returncode == 0 and WORKSHOP in watched.stdout


def test_registrations_export_to_csv_and_read_back(
    local_stack: LocalStack, event: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "registrations.csv"
    result = wod_admin(local_stack, "registrations", "--workshop", OTHER, "--csv", str(target))
    assert result.returncode == 0, result.stderr
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["registration_id"] for r in rows} == {event["c"], event["f"], event["w"]}
    by_id = {r["registration_id"]: r for r in rows}
    assert by_id[event["f"]]["state"] == "failed" and by_id[event["f"]]["error"]
    assert by_id[event["c"]]["email"] == "c@cli.example" and by_id[event["c"]]["ready_at"]
    ready = wod_admin(local_stack, "registrations", "--state", "ready", "--workshop", WORKSHOP)
    assert ready.returncode == 0 and event["a"] in ready.stdout
    bad = wod_admin(local_stack, "registrations", "--state", "sleeping")
    assert bad.returncode == 2 and "--state must be one of" in bad.stderr


def test_close_and_open_and_a_clear_error_for_an_unknown_workshop(
    local_stack: LocalStack, event: dict[str, str]
) -> None:
    closed = wod_admin(local_stack, "close", WORKSHOP)
    assert closed.returncode == 0 and "is closed" in closed.stdout
    catalog = requests.get(local_stack.api_url + "workshops", timeout=10).json()
    assert [w["closed"] for w in catalog if w["id"] == WORKSHOP] == [True]
    assert wod_admin(local_stack, "open", WORKSHOP).returncode == 0
    unknown = wod_admin(local_stack, "close", "no-such-workshop")
    assert unknown.returncode == 1 and "No such workshop. (404)" in unknown.stderr


def test_end_extend_reissue_and_errors(
    local_stack: LocalStack, order_log: OrderLog, event: dict[str, str]
) -> None:
    extended = wod_admin(local_stack, "extend", event["b"], "--minutes", "10")
    assert extended.returncode == 0 and "now ends at" in extended.stdout
    reissued = wod_admin(local_stack, "reissue", event["b"])
    assert reissued.returncode == 0 and "new password" in reissued.stdout
    ended = wod_admin(local_stack, "end", event["a"])
    assert ended.returncode == 0 and "ending" in ended.stdout
    cleanup = order_log.for_registration(event["a"])[-1].order
    answer(local_stack, cleanup)
    again = wod_admin(local_stack, "end", event["a"])
    assert again.returncode == 1 and "already ended" in again.stderr
    missing = wod_admin(local_stack, "extend", event["b"])
    assert missing.returncode == 2 and "--minutes" in missing.stderr
    bad_id = wod_admin(local_stack, "end", "not-an-id")
    assert bad_id.returncode == 1 and "registration_id" in bad_id.stderr


def test_wrong_credentials_are_a_clear_403(local_stack: LocalStack, tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text("[intruder]\naws_access_key_id = local\naws_secret_access_key = guess\n")
    env = {
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
    }
    refused = wod_admin(local_stack, "--profile", "intruder", "close", WORKSHOP, env=env)
    assert refused.returncode == 1 and "Forbidden (403)" in refused.stderr
    catalog = requests.get(local_stack.api_url + "workshops", timeout=10).json()
    assert [w["closed"] for w in catalog if w["id"] == WORKSHOP] == [False]
    nowhere = subprocess.run(
        [WOD_ADMIN, "--url", "http://127.0.0.1:9/", "status"], capture_output=True, text=True
    )
    assert nowhere.returncode == 1 and "is `make demo` running?" in nowhere.stderr


def test_sync_closes_what_left_the_catalog_and_reopens_it(
    local_stack: LocalStack, event: dict[str, str], tmp_path: Path
) -> None:
    admin = AdminClient(
        local_stack.base_url, ReadOnlyCredentials("local", "local", None), "us-east-1"
    )
    before = {w["workshop_id"]: w["closed_reason"] for w in admin.status()["workshops"]}
    every = list(before)
    try:
        synced = wod_admin(
            local_stack, "sync", "--workshops", str(REPO_ROOT / "workshops"), "--no-demo"
        )
        assert synced.returncode == 0, synced.stderr
        assert "closed (left the catalog)" in synced.stdout and OTHER in synced.stdout
        status = {w["workshop_id"]: w for w in admin.status()["workshops"]}
        assert status[OTHER]["closed_reason"] == "removed"
        assert status[OTHER]["ready"] == 1  # its live session runs on
    finally:
        admin.sync(every)
    # Back as they were (a workshop an organizer closed stays closed).
    after = {w["workshop_id"]: w["closed_reason"] for w in admin.status()["workshops"]}
    assert after == before


def test_the_report_is_one_offline_page_with_its_plots(
    local_stack: LocalStack, event: dict[str, str], tmp_path: Path
) -> None:
    page_file, slide = tmp_path / "report.html", tmp_path / "report.png"
    made = wod_admin(local_stack, "report", "--html", str(page_file), "--png", str(slide))
    assert made.returncode == 0, made.stderr
    assert slide.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page_file.read_text(encoding="utf-8")
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/", "")
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(page_file.as_uri())
            page.wait_for_load_state("networkidle")
            for name in ("registrations", "seats", "waits", "outcomes", "badges"):
                svg = page.locator(f"#plot-{name} svg")
                box = svg.bounding_box()
                assert box is not None and box["width"] > 300 and box["height"] > 100, name
                assert svg.locator("path").count() > 5, name  # axes, ticks and data drawn
            assert page.get_by_text("Badges earned").count() >= 1
            page.screenshot(path=str(tmp_path / "report-shot.png"), full_page=True)
        finally:
            browser.close()
    assert requested == [page_file.as_uri()]  # the page itself, nothing else
