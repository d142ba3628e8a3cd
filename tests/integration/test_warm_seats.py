"""Warm seats with the real backend: the `wod-agent` process runs the real PREPARE (the CREATE
playbook, seat locked) against the real JupyterHub, and a registration that takes a warm seat
gets credentials that log in to ReadMeFirst. A seat handed from one participant to the next
carries nothing of the first; a rush on a small workshop ends with every seat ready or free."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.agent.peers import home_listing, hub_login
from tests.conftest import write_workshop
from tests.support.altcha import solved
from tests.support.journey import BACKEND, Journey, credentials, make_workshop, running_journey
from tests.support.seats import audit
from wod.domain.states import HOLDS_SEAT, State
from wod.local.stack import LocalStack

pytestmark = pytest.mark.slow
SLOW = 240.0
Workshop = Callable[[str, int, int, int], str]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The journey's workshops directory: the agent reads its catalog at every order."""
    directory = tmp_path_factory.mktemp("warm-workshops")
    make_workshop(directory)
    return directory


@pytest.fixture(scope="module")
def journey(
    local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory, root: Path
) -> Iterator[Journey]:
    with running_journey(local_stack, tmp_path_factory, workshops_root=root) as running:
        yield running


@pytest.fixture
def workshop(journey: Journey, root: Path) -> Callable[[str, int, int, int], str]:
    def make(workshop_id: str, first: int, seats: int, warm: int) -> str:
        return new_workshop(journey, root, workshop_id, first, seats, warm)

    return make


def new_workshop(
    journey: Journey, root: Path, workshop_id: str, first: int, seats: int, warm: int
) -> str:
    """A workshop of the journey's backend, seeded into the tables."""
    directory = write_workshop(
        root,
        workshop_id,
        first,
        first + seats - 1,
        backend=BACKEND,
        warm_seats=warm,
        title=f"Warm {workshop_id}",
    )
    (directory / "0-ReadMeFirst.ipynb").write_text(
        (root / "e2e-ws" / "0-ReadMeFirst.ipynb").read_text()
    )
    journey.stack.seed(root)
    return workshop_id


def wait_warm(journey: Journey, workshop_id: str, count: int) -> None:
    """Top the pool up (as a registration or the sweep would) and wait for the agent."""
    deadline = time.monotonic() + SLOW
    journey.services.warm_seats.top_up(workshop_id)
    while time.monotonic() < deadline:
        seats = journey.services.workshops.get(workshop_id, consistent=True)
        if seats.seats_warm >= count:
            return
        time.sleep(0.5)
    raise AssertionError(f"{workshop_id}: {seats.seats_warm} warm seats, not {count}")


def register(journey: Journey, workshop_id: str, email: str) -> requests.Response:
    return requests.post(
        journey.api + "registrations",
        json=solved(
            journey.api,
            {
                "workshop_id": workshop_id,
                "email": email,
                "first_name": "Grace",
                "last_name": "Hopper",
                "company": "Navy",
                "accept_terms": True,
            },
        ),
        timeout=60,
    )


def test_a_warm_seat_gives_credentials_that_open_readmefirst(
    journey: Journey, workshop: Workshop
) -> None:
    workshop_id = workshop("warm-login", 9101, 3, 2)
    wait_warm(journey, workshop_id, 2)
    warm_students = journey.services.workshops.get(workshop_id, consistent=True).warm_students
    email = "warm@journey.example"
    response = register(journey, workshop_id, email)
    assert response.status_code == 202, response.text
    registration = journey.services.store.get(response.json()["registration_id"])
    assert registration.warm_seat and registration.student in warm_students
    username, password, _ = credentials(journey.mail(email, "credentials"))
    session, page = hub_login(journey.hub.url, username, password)
    assert page.status_code == 200
    assert page.url.endswith(f"/user/{username}/lab/tree/0-ReadMeFirst.ipynb")
    assert "0-ReadMeFirst.ipynb" in home_listing(session, journey.hub.url, username)
    notebook = (journey.hub.homes_dir / username / "0-ReadMeFirst.ipynb").read_text()
    assert f"Welcome, {username}" in notebook  # filled for this seat at PREPARE time
    # The prepared seat had no usable password before: only the mailed one opens it
    _, refused = hub_login(journey.hub.url, username, password + "x")
    assert "/hub/login" in refused.url


def test_a_seat_handed_to_the_next_participant_carries_nothing_of_the_first(
    journey: Journey, workshop: Workshop
) -> None:
    workshop_id = workshop("warm-handover", 9201, 1, 1)
    wait_warm(journey, workshop_id, 1)
    first = "first@journey.example"
    response = register(journey, workshop_id, first)
    first_id = response.json()["registration_id"]
    username, password, _ = credentials(journey.mail(first, "credentials"))
    session, _ = hub_login(journey.hub.url, username, password)
    home_listing(session, journey.hub.url, username)  # the OAuth hop to the server
    xsrf = session.cookies.get("_xsrf", path=f"/user/{username}/") or ""
    written = session.put(
        f"{journey.hub.url}/user/{username}/api/contents/secret-of-the-first.txt",
        json={"type": "file", "format": "text", "content": "mine"},
        headers={"X-XSRFToken": xsrf},
        timeout=30,
    )
    assert written.status_code in (200, 201), written.text
    # The first participant ends early: the seat is wiped, freed, and prepared again
    welcome = journey.mail(first, "welcome")["text"]
    token = re.search(r"token=([\w-]+)", welcome)
    assert token
    ended = requests.delete(
        f"{journey.api}registrations/{first_id}", params={"token": token.group(1)}, timeout=30
    )
    assert ended.status_code == 202, ended.text
    journey.wait_state(first_id, State.ENDED)
    wait_warm(journey, workshop_id, 1)
    second = "second@journey.example"
    response = register(journey, workshop_id, second)
    assert journey.services.store.get(response.json()["registration_id"]).warm_seat
    username_2, password_2, _ = credentials(journey.mail(second, "credentials"))
    assert username_2 == username  # the same seat, the only one
    session_2, _ = hub_login(journey.hub.url, username_2, password_2)
    listing = home_listing(session_2, journey.hub.url, username_2)
    assert "secret-of-the-first.txt" not in listing and "0-ReadMeFirst.ipynb" in listing
    _, refused = hub_login(journey.hub.url, username, password)  # the first password is dead
    assert "/hub/login" in refused.url


def test_a_registration_racing_the_prepare_of_its_seat_gets_a_deployed_seat(
    journey: Journey, workshop: Workshop
) -> None:
    """The only seat is being prepared when someone registers: the agent runs the PREPARE,
    then the CREATE (one FIFO group per seat); the participant gets a working seat."""
    workshop_id = workshop("warm-race", 9301, 1, 1)
    journey.services.warm_seats.top_up(workshop_id)
    assert journey.services.workshops.get(workshop_id, consistent=True).preparing
    email = "race@warm.example"
    response = register(journey, workshop_id, email)
    assert response.status_code == 202
    username, password, _ = credentials(journey.mail(email, "credentials"))
    _, page = hub_login(journey.hub.url, username, password)
    assert page.url.endswith(f"/user/{username}/lab/tree/0-ReadMeFirst.ipynb")
    seats = journey.services.workshops.get(workshop_id, consistent=True)
    assert not seats.warm_students and not seats.free_students  # taken, not marked warm


def test_a_rush_on_a_small_workshop_ends_with_every_seat_ready_or_free(
    journey: Journey, workshop: Workshop
) -> None:
    workshop_id = workshop("warm-rush", 9401, 4, 1)
    wait_warm(journey, workshop_id, 1)
    emails = [f"rush{n}@warm.example" for n in range(6)]
    with ThreadPoolExecutor(len(emails)) as pool:
        answers = list(pool.map(lambda e: register(journey, workshop_id, e), emails))
    seated = [e for e, a in zip(emails, answers, strict=True) if a.status_code == 202]
    assert sorted(a.status_code for a in answers) == [202] * 4 + [409] * 2
    for email in seated:
        journey.mail(email, "credentials")
    for email in seated:
        assert "apology" not in journey.kinds(email)
    seats = audit(workshop_id)
    assert seats.violations() == [] and len(seats.holders) == 4
    states = {journey.state(rid) for rid in seats.holders}
    assert states == {State.READY} and states <= HOLDS_SEAT
