"""Browser fixtures: Debian's chromium driven by playwright, the catalog site built into
site/build (served by the local stack's gateway), and a one-seat workshop to fill."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest
import yaml

from wod.local.browser import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parents[3]
SITE_BUILD = REPO / "site" / "build"
ARTIFACTS = REPO / "test-artifacts" / "site"
# Assertions wait up to 15 s (not 5): the shared 2-core machine can be busy with other suites.
playwright_api.expect.set_options(timeout=15_000)

TINY_ID = "site-tiny-101"  # one seat: the browser tests fill it
SMALL_ID = "site-small-101"  # five seats: the live-seats test takes one


def build_site(env: dict[str, str]) -> None:
    """Build into a fresh directory, then swap it into site/build (the gateway keeps serving)."""
    fresh = SITE_BUILD.with_name(f"build.new-{uuid.uuid4().hex[:8]}")
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("WOD_")}
    full_env.update({"NO_MKDOCS_2_WARNING": "1", **env})
    mkdocs = str(Path(sys.executable).with_name("mkdocs"))
    config = str(REPO / "site" / "mkdocs.yml")
    result = subprocess.run(
        [mkdocs, "build", "--strict", "-f", config, "-d", str(fresh)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode:
        shutil.rmtree(fresh, ignore_errors=True)
        pytest.fail(f"site build failed:\n{result.stderr}")
    old = SITE_BUILD.with_name(f"build.old-{uuid.uuid4().hex[:8]}")
    if SITE_BUILD.exists():
        SITE_BUILD.rename(old)
    fresh.rename(SITE_BUILD)
    shutil.rmtree(old, ignore_errors=True)


@pytest.fixture(scope="session")
def extra_workshops(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workshop root outside the repository with two small public workshops."""
    root = tmp_path_factory.mktemp("site-extra-workshops")
    data = {
        "id": TINY_ID,
        "title": "Tiny Workshop",
        "summary": "A one-seat workshop that the site's browser tests fill.",
        "description": "Made by tests/site/browser.",
        "duration_minutes": 60,
        "students": {"first": 9001, "last": 9001},
        "kernel": "python3",
        "tags": ["testing"],
        "level": "advanced",
        "presenter": {"name": "Test Presenter"},
        "backend": "default",
    }
    small = {
        **data,
        "id": SMALL_ID,
        "title": "Small Workshop",
        "summary": "A five-seat workshop whose seats the browser tests watch change.",
        "students": {"first": 9011, "last": 9015},
        "level": "intermediate",
        "self_extension_minutes": 15,
    }
    for workshop in (data, small):
        directory = root / str(workshop["id"])
        directory.mkdir()
        (directory / "workshop.yml").write_text(yaml.safe_dump(workshop), encoding="utf-8")
    return root


def set_active(root: Path, active: bool) -> None:
    for source in root.glob("*/workshop.yml"):
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        data["active"] = active
        source.write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.fixture(scope="module")
def site(local_stack: Any, extra_workshops: Path) -> Iterator[Any]:
    """The local stack serving a site built with the extra root. Afterwards the extra workshops
    are deactivated (out of `GET /api/workshops`) and site/build is rebuilt with the repository's
    catalog, so later tests of the shared stack see what they would without these."""
    set_active(extra_workshops, True)
    local_stack.seed(extra_workshops)
    build_site(
        {"WOD_PRIVATE_WORKSHOPS": str(extra_workshops), "WOD_SITE_URL": local_stack.base_url}
    )
    yield local_stack
    set_active(extra_workshops, False)
    local_stack.seed(extra_workshops)
    build_site({})


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh desktop page; JavaScript errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def shot() -> Callable[[Any, str], Path]:
    """Save a full-page screenshot to test-artifacts/site/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot


@pytest.fixture
def wait_for_mail(site: Any) -> Callable[..., dict[str, Any]]:
    def wait_for_mail(to: str, contains: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in site.inbox():
                if to in str(mail.get("to")) and contains in str(mail.get("text")):
                    return dict(mail)
            time.sleep(0.3)
        raise AssertionError(f"no mail to {to} containing {contains!r} within {timeout} s")

    return wait_for_mail


@pytest.fixture
def unique_email() -> Callable[[str], str]:
    return lambda name: f"{name}.{uuid.uuid4().hex[:10]}@example.org"
