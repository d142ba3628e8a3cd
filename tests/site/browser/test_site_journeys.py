"""A participant's journeys through the catalog site, in headless chromium, against the local
stack (real API over the gateway, moto as AWS). Screenshots go to test-artifacts/site/."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.altcha import solved

pytestmark = pytest.mark.slow

TINY_ID = "site-tiny-101"  # the one-seat workshop of conftest.extra_workshops
SMALL_ID = "site-small-101"  # its five-seat one
SEATS = re.compile(r"^(\d+ of \d+ free|Full)$")


def fill_form(page: Page, email: str, *, accept: bool = True) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Company").fill("Analytical Engines")
    if accept:
        page.get_by_role("checkbox", name=re.compile("I accept the")).check()


def register_via_api(site: Any, workshop_id: str, email: str) -> requests.Response:
    return requests.post(
        site.api_url + "registrations",
        json=solved(
            site.api_url,
            {
                "workshop_id": workshop_id,
                "email": email,
                "first_name": "Seat",
                "last_name": "Taker",
                "company": "Tests",
                "accept_terms": True,
            },
        ),
        timeout=30,
    )


def report_deployed(site: Any, order_log: Any, registration_id: str) -> None:
    """What the backend agent does once the environment is up: a signed callback for the order."""
    from tests.support.agent_calls import callback_for, post_callback

    deadline = time.monotonic() + 30
    creates: list[Any] = []
    while not creates and time.monotonic() < deadline:
        creates = [
            received.order
            for received in order_log.for_registration(registration_id)
            if received.order.verb.value == "CREATE"
        ]
        time.sleep(0.2)
    assert creates, f"no CREATE order for {registration_id}"
    response = post_callback(site.api_url, callback_for(creates[-1]).to_wire().encode())
    assert response.status_code < 300, response.text


def test_catalog_shows_cards_with_live_seats(site: Any, page: Page, shot) -> None:
    page.goto(site.base_url)

    cards = page.locator("li.wod-card")
    expect(cards.filter(has_text="Python 101")).to_have_count(1)
    expect(cards.filter(has_text="Tiny Workshop")).to_have_count(1)
    python = page.locator('[data-wod-workshop="python-101"]')
    expect(python).to_contain_text("2 h")
    expect(python).to_contain_text("Beginner")
    expect(python).to_contain_text("Python 3")
    expect(python.locator("[data-wod-seats]")).to_have_text(SEATS)
    shot(page, "catalog")


def test_catalog_seats_refresh_every_15_seconds(site: Any, page: Page, unique_email) -> None:
    page.clock.install()
    page.goto(site.base_url)
    seats = page.locator(f'[data-wod-workshop="{SMALL_ID}"] [data-wod-seats]')
    expect(seats).to_have_text(re.compile(r"^\d of 5 free$"))
    before = int(seats.inner_text().split()[0])

    response = register_via_api(site, SMALL_ID, unique_email("watcher"))
    assert response.status_code == 202, response.text
    page.clock.run_for(5_000)
    expect(seats).to_have_text(f"{before} of 5 free")  # not yet: the page polls every 15 s
    page.clock.run_for(11_000)
    expect(seats).to_have_text(f"{before - 1} of 5 free")


def test_every_control_has_an_accessible_name(site: Any, page: Page) -> None:
    for path in ("", "workshops/python-101/", "terms/", "status/?id=x&token=y"):
        page.goto(site.base_url + path)
        page.wait_for_load_state("networkidle")
        controls = page.locator("main").locator("a[href], button, input, select, textarea")
        for index in range(controls.count()):
            control = controls.nth(index)
            if control.is_visible():
                expect(control).to_have_accessible_name(re.compile(r"\S"))
        ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
        assert len(ids) == len(set(ids)), f"duplicate ids on {path or 'home'}"
        assert page.evaluate("document.documentElement.lang") == "en"


def test_filters_work_from_the_keyboard(site: Any, page: Page, shot) -> None:
    page.goto(site.base_url)
    total = page.locator("li.wod-card").count()
    count = page.locator("[data-wod-count]")

    page.get_by_label("Level").focus()
    while page.evaluate("document.activeElement.id") != "wod-filter-tag":
        page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the first topic
    first_topic = page.get_by_label("Topic").input_value()
    assert first_topic
    visible = page.locator("li.wod-card:visible")
    expect(count).to_contain_text(f"of {total} workshops")
    for index in range(visible.count()):
        assert first_topic in visible.nth(index).get_attribute("data-tags").split("|")
    assert f"tag={first_topic}" in page.url

    page.get_by_label("Topic").select_option("testing")
    page.get_by_label("Level").select_option("beginner")
    expect(page.locator("li.wod-card:visible")).to_have_count(0)
    expect(page.locator("[data-wod-none]")).to_be_visible()
    shot(page, "catalog-filtered-empty")

    page.get_by_role("button", name="Show all").focus()
    page.keyboard.press("Enter")
    expect(page.locator("li.wod-card:visible")).to_have_count(total)
    expect(count).to_have_text(f"Showing {total} of {total} workshops")


def test_a_bad_email_is_shown_next_to_its_field_and_announced(site: Any, page: Page, shot) -> None:
    page.goto(site.base_url + "workshops/python-101/")
    fill_form(page, "ada@nodot")  # passes the page's light check, fails the API's
    page.get_by_role("button", name="Register").click()

    email = page.get_by_label("Email")
    expect(page.locator("#wod-email-error")).to_contain_text("email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("Email:")
    expect(page.locator("#wod-first_name-error")).to_be_empty()
    shot(page, "register-bad-email")


def test_missing_fields_and_terms_are_checked_before_sending(site: Any, page: Page) -> None:
    page.goto(site.base_url + "workshops/python-101/")
    fill_form(page, "ada@example.org", accept=False)
    page.get_by_label("Company").fill("")
    page.get_by_role("button", name="Register").click()

    expect(page.locator("#wod-company-error")).to_have_text("Enter your company or organization.")
    expect(page.locator("#wod-accept_terms-error")).to_contain_text("Accept the terms")
    expect(page.get_by_role("alert")).to_contain_text("Please correct 2 fields.")
    expect(page.get_by_label("Company")).to_be_focused()


def test_register_then_follow_the_status_page_from_the_welcome_mail(
    site: Any, order_log: Any, page: Page, shot, wait_for_mail, unique_email
) -> None:
    email = unique_email("ada")
    page.goto(site.base_url)
    page.get_by_role("link", name="Python 101").click()
    expect(page).to_have_url(re.compile(r"/workshops/python-101/$"))
    expect(page.locator("#wod-workshop-seats")).to_have_text(SEATS)
    page.evaluate(
        """() => { window.wodProof = [];
        document.querySelector("altcha-widget").addEventListener(
          "statechange", (e) => window.wodProof.push(e.detail.state)); }"""
    )
    fill_form(page, email)
    # The proof of work starts with the first field and shows its progress, then its result.
    expect(page.locator("altcha-widget")).to_contain_text("Checked")
    assert page.evaluate("window.wodProof")[:2] == ["verifying", "verified"]
    page.get_by_role("button", name="Register").click()

    done = page.locator(".wod-form__done")
    expect(done).to_contain_text("You are registered!")
    expect(done).to_be_focused()
    shot(page, "register-done")

    mail = wait_for_mail(email, "/status/?")
    link = re.search(r"https?://\S+/status/\?\S+", mail["text"])
    assert link, mail["text"]
    status_url = link.group(0)
    assert status_url.startswith(site.base_url)
    query = parse_qs(urlparse(status_url).query)
    registration_id, token = query["id"][0], query["token"][0]
    page.goto(status_url)
    message = page.locator("[data-wod-status-message]")
    expect(message).to_contain_text("Python 101")
    expect(message).to_contain_text(re.compile("queued|being deployed"))
    shot(page, "status-deploying")

    report_deployed(site, order_log, registration_id)
    expect(message).to_contain_text("is ready", timeout=20_000)
    expect(page.locator(".wod-status__ends time")).to_have_attribute("datetime", re.compile("T"))
    api_view = requests.get(
        f"{site.api_url}registrations/{registration_id}", params={"token": token}, timeout=30
    ).json()
    if api_view.get("start_url"):  # only when the stack knows the backend's hub URL
        start = page.get_by_role("link", name="Start the workshop")
        expect(start).to_have_attribute("href", api_view["start_url"])
        expect(page.locator("[data-wod-status-detail] code")).to_have_text(api_view["username"])
    shot(page, "status-ready")

    page.get_by_role("button", name="End my session now").click()
    page.get_by_role("button", name="Yes, end my session").click()
    expect(message).to_contain_text("is ending")
    shot(page, "status-ending")
    after = requests.get(
        f"{site.api_url}registrations/{registration_id}", params={"token": token}, timeout=30
    ).json()
    assert after["status"] in ("ending", "ended")


def test_a_participant_extends_once_from_the_status_page(
    site: Any, order_log: Any, page: Page, shot, wait_for_mail, unique_email
) -> None:
    from wod.domain import tokens
    from wod.settings import Settings

    email = unique_email("extend")
    response = register_via_api(site, SMALL_ID, email)
    assert response.status_code == 202, response.text
    registration_id = response.json()["registration_id"]
    report_deployed(site, order_log, registration_id)
    token = tokens.status_token(Settings().token_key_bytes, registration_id)
    before = requests.get(
        f"{site.api_url}registrations/{registration_id}", params={"token": token}, timeout=30
    ).json()
    page.goto(f"{site.base_url}status/?id={registration_id}&token={token}")
    ends = page.locator(".wod-status__ends time")
    expect(ends).to_have_attribute("datetime", before["ends_at"])
    page.get_by_role("button", name="Add 15 minutes").click()
    expect(ends).not_to_have_attribute("datetime", before["ends_at"])
    expect(page.get_by_role("button", name="Add 15 minutes")).to_have_count(0)
    shot(page, "status-extended")
    after = requests.get(
        f"{site.api_url}registrations/{registration_id}", params={"token": token}, timeout=30
    ).json()
    moved = datetime.fromisoformat(after["ends_at"]) - datetime.fromisoformat(before["ends_at"])
    assert moved == timedelta(minutes=15) and after["extension_minutes"] is None
    mail = wait_for_mail(email, "15 more minutes")
    assert mail["kind"] == "extended"
    again = requests.post(
        f"{site.api_url}registrations/{registration_id}/extension",
        params={"token": token},
        timeout=30,
    )
    assert again.status_code == 409 and again.json()["error"] == "not_extendable"


def test_a_wrong_token_is_not_found(site: Any, page: Page) -> None:
    page.goto(site.base_url + "status/?id=" + "0" * 32 + "&token=wrong")

    expect(page.locator("[data-wod-status-message]")).to_contain_text("cannot find")


def test_a_workshop_closed_by_the_organizer_says_so_on_the_card_and_the_form(
    site: Any, page: Page, shot, unique_email
) -> None:
    from botocore.credentials import ReadOnlyCredentials

    from wod_admin.client import AdminClient

    admin = AdminClient(site.base_url, ReadOnlyCredentials("local", "local", None), "us-east-1")
    admin.close(SMALL_ID)
    try:
        page.goto(site.base_url)
        card = page.locator(f'[data-wod-workshop="{SMALL_ID}"]')
        expect(card.locator("[data-wod-seats]")).to_have_text("Closed")
        card.get_by_role("link").click()
        expect(page.locator("#wod-workshop-seats")).to_have_text("Closed")
        fill_form(page, unique_email("closed"))
        page.get_by_role("button", name="Register").click()
        expect(page.get_by_role("alert")).to_contain_text("closed for registration")
        shot(page, "register-closed")
    finally:
        admin.open(SMALL_ID)
    page.reload()
    expect(page.locator("#wod-workshop-seats")).to_have_text(re.compile("free"))


def test_a_full_workshop_says_so_on_the_card_and_the_form(
    site: Any, page: Page, shot, unique_email
) -> None:
    first = register_via_api(site, TINY_ID, unique_email("first"))
    assert first.status_code in (202, 409), first.text  # 409 when a previous run filled it

    page.goto(site.base_url)
    card = page.locator(f'[data-wod-workshop="{TINY_ID}"]')
    expect(card.locator("[data-wod-seats]")).to_have_text("Full")
    expect(card).to_have_class(re.compile("wod-card--full"))
    shot(page, "catalog-full")

    card.get_by_role("link").click()
    expect(page.locator("#wod-workshop-seats")).to_have_text("Full")
    fill_form(page, unique_email("late"))
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_contain_text("This workshop is full")
    shot(page, "register-full")


def test_the_site_stays_usable_when_the_api_is_down(site: Any, page: Page, shot) -> None:
    page.route("**/api/**", lambda route: route.abort("connectionrefused"))
    page.goto(site.base_url)

    expect(page.locator("li.wod-card").first).to_be_visible()
    expect(page.locator('[data-wod-workshop="python-101"] [data-wod-seats]')).to_have_text(
        "unavailable"
    )
    shot(page, "catalog-api-down")
    page.goto(site.base_url + "workshops/python-101/")
    fill_form(page, "ada@example.org")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot be reached")
    shot(page, "register-api-down")
    page.goto(site.base_url + "status/?id=" + "0" * 32 + "&token=t")
    expect(page.locator("[data-wod-status-message]")).to_contain_text("cannot be reached")


def test_catalog_and_form_fit_a_phone(site: Any, browser: Any, shot) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    try:
        for path, name in (("", "phone-catalog"), ("workshops/python-101/", "phone-workshop")):
            page.goto(site.base_url + path)
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path or 'home'} scrolls sideways by {overflow}px"
            shot(page, name)
        box = page.get_by_role("button", name="Register").bounding_box()
        assert box is not None
        assert box["height"] >= 44  # a comfortable touch target
    finally:
        context.close()


def test_a_french_browser_in_paris_registers_and_reads_its_status_in_french(
    site: Any, browser: Any, shot, wait_for_mail, unique_email
) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    email = unique_email("marie")
    try:
        page.goto(site.base_url + "workshops/python-101/")
        page.get_by_role("button", name="Register").click()  # nothing filled in: checked here
        expect(page.locator("#wod-first_name-error")).to_have_text("Saisissez votre prénom.")
        fill_form(page, email)
        with page.expect_request(
            lambda request: request.url.endswith("/api/registrations") and request.method == "POST"
        ) as sent:
            page.get_by_role("button", name="Register").click()
        body = sent.value.post_data_json
        assert (body["time_zone"], body["language"]) == ("Europe/Paris", "fr")
        expect(page.locator(".wod-form__done")).to_contain_text("Vous êtes inscrit(e)")

        mail = wait_for_mail(email, "/status/?")
        assert "Bonjour Ada," in mail["text"] and "(Europe/Paris)" in mail["text"]
        link = re.search(r"https?://\S+/status/\?\S+", mail["text"])
        assert link, mail["text"]
        page.goto(link.group(0))
        message = page.locator("[data-wod-status-message]")
        expect(message).to_contain_text(re.compile("en file d.attente|en cours de déploiement"))
        expect(page.locator(".wod-status__ends")).to_contain_text("(Europe/Paris)")
        expect(page.locator("[data-wod-status]")).to_have_attribute("lang", "fr")
        shot(page, "status-french")

        page.get_by_role("link", name="English").click()  # the language switch
        expect(message).to_contain_text(re.compile("is queued|being deployed"))
        expect(page.get_by_role("button", name="End my session now")).to_be_visible()
        assert "lang=en" in page.url
    finally:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"
