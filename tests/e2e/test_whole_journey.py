"""The whole journey of a participant in a real browser (Debian's chromium), on the local stack
with the real agent, Ansible and JupyterHub, and the scheduler runner on a controlled clock:
catalog → register → credentials mail in the inbox → Start → log into JupyterHub → ReadMeFirst
open → reminder → expiry → the old password refused → thanks mail → the badge page.
Screenshots of each step are kept in test-artifacts/e2e/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.support.journey import (
    WORKSHOP,
    Journey,
    credentials,
    make_workshop,
    running_journey,
)
from tests.support.seats import audit
from wod.domain.states import State
from wod.local.browser import CHROMIUM, CHROMIUM_ARGS
from wod.local.stack import LocalStack
from wod.settings import REPO_ROOT

pytestmark = pytest.mark.slow

ARTIFACTS = REPO_ROOT / "test-artifacts" / "e2e"
EMAIL = "journey.browser@example.org"
TIME_ZONE = "America/New_York"


def build_site(workshops_root: Path, into: Path) -> Path:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOD_")}
    env.update(
        {
            "NO_MKDOCS_2_WARNING": "1",
            "WOD_API_URL": "/api/",
            "WOD_PRIVATE_WORKSHOPS": str(workshops_root),  # the test workshop, beside the catalog
        }
    )
    mkdocs = str(Path(sys.executable).with_name("mkdocs"))
    subprocess.run(
        [
            mkdocs,
            "build",
            "--strict",
            "-q",
            "-f",
            str(REPO_ROOT / "site" / "mkdocs.yml"),
            "-d",
            str(into),
        ],
        env=env,
        check=True,
        timeout=300,
    )
    return into


@pytest.fixture(scope="module")
def journey(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    workshops = tmp_path_factory.mktemp("browser-journey-workshops")
    make_workshop(workshops)
    site = build_site(workshops, tmp_path_factory.mktemp("browser-journey-site") / "build")
    with running_journey(
        local_stack, tmp_path_factory, site_dir=site, workshops_root=workshops
    ) as running:
        yield running


@pytest.fixture
def page() -> Iterator[Page]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # A participant away from UTC: the form sends the zone, every mail shows times in it.
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id=TIME_ZONE
        )
        context.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        page = context.new_page()
        try:
            yield page
        except BaseException:
            shot(page, "failure")  # what the browser showed when the journey broke
            raise
        finally:
            context.close()
            browser.close()


def shot(page: Page, step: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{step}.png"), full_page=True)


def log_in(page: Page, username: str, password: str) -> None:
    page.get_by_label(re.compile("username", re.I)).fill(username)
    page.get_by_label(re.compile("password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile("sign in|log in|login", re.I)).click()


def test_the_whole_journey_in_a_browser(journey: Journey, page: Page) -> None:
    base = journey.api.removesuffix("api/")
    # 1. The catalog lists the workshop with its live seats
    page.goto(base)
    card = page.locator("article, li, div").filter(has_text="Journey 101").first
    expect(card).to_be_visible()
    shot(page, "01-catalog")
    # 2. Its page, and the registration form
    page.goto(f"{base}workshops/{WORKSHOP}/")
    page.get_by_label(re.compile("email", re.I)).fill(EMAIL)
    page.get_by_label(re.compile("first name", re.I)).fill("Grace")
    page.get_by_label(re.compile("last name", re.I)).fill("Hopper")
    page.get_by_label(re.compile("company", re.I)).fill("Navy")
    page.get_by_label(re.compile("terms", re.I)).check()
    shot(page, "02-form")
    page.get_by_role("button", name=re.compile("register", re.I)).click()
    expect(page.get_by_role("status").filter(has_text="You are registered")).to_be_visible()
    shot(page, "03-registered")
    # 3. The credentials mail in the local inbox
    mail = journey.mail(EMAIL, "credentials")
    username, password, start = credentials(mail)
    assert f"({TIME_ZONE})" in mail["text"]
    page.goto(f"{base}_inbox/?to={EMAIL}")
    expect(page.get_by_text(mail["subject"]).first).to_be_visible()
    shot(page, "04-inbox-credentials")
    # 4. Start: the hub's login page, then JupyterLab with ReadMeFirst open
    page.goto(start)
    log_in(page, username, password)
    page.wait_for_url(re.compile(rf"/user/{username}/lab"), timeout=120_000)
    expect(page.get_by_role("tab", name=re.compile("0-ReadMeFirst")).first).to_be_visible(
        timeout=120_000
    )
    # The notebook's first cell, rendered (its copies in the editor and table of contents hide)
    heading = page.get_by_role("heading", name=f"Welcome, {username}")
    expect(heading.first).to_be_visible(timeout=60_000)
    shot(page, "05-readmefirst")
    registration_id = _registration_of(journey, EMAIL)
    registration = journey.services.store.get(registration_id)
    assert (registration.time_zone, registration.language) == (TIME_ZONE, "en")
    # 5. The reminder (controlled clock)
    journey.clock.now = registration.reminder_at + timedelta(seconds=1)
    journey.runner.run_due()
    reminder = journey.mail(EMAIL, "reminder")
    assert password not in reminder["text"]
    page.goto(f"{base}_inbox/?to={EMAIL}")
    expect(page.get_by_text(reminder["subject"]).first).to_be_visible()
    shot(page, "06-inbox-reminder")
    # 6. The expiry: the seat is wiped, the old password refused
    journey.clock.now = registration.ends_at + timedelta(seconds=1)
    journey.runner.run_due()
    thanks = journey.mail(EMAIL, "thanks")
    journey.wait_state(registration_id, State.ENDED)
    assert registration.student in audit(WORKSHOP).free
    page.context.clear_cookies()
    page.goto(start)
    log_in(page, username, password)
    expect(page.get_by_text(re.compile("invalid username or password", re.I))).to_be_visible()
    shot(page, "07-old-password-refused")
    # 7. The thanks mail and the badge page
    page.goto(f"{base}_inbox/?to={EMAIL}")
    expect(page.get_by_text(thanks["subject"]).first).to_be_visible()
    shot(page, "08-inbox-thanks")
    badge = re.search(r"(http://\S+/badge/\?id=\S+)", thanks["text"])
    assert badge, thanks["text"]
    page.goto(badge.group(1))
    expect(page.get_by_text(re.compile(r"Grace completed Journey 101", re.I))).to_be_visible()
    image = page.locator("[data-wod-badge-image]")
    expect(image).to_be_visible()
    # The branded SVG has loaded (an image that failed to load has no natural width)
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    shot(page, "09-badge")


def _registration_of(journey: Journey, email: str) -> str:
    welcome = journey.mail(email, "welcome")
    found = re.search(r"/status/\?id=([0-9a-f]{32})", welcome["text"])
    assert found, welcome["text"]
    return found.group(1)
