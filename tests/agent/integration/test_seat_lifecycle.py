"""CREATE then CLEANUP of one seat, against a real hub, real moto SQS and real playbooks.

The participant's view is checked through the hub's login form and the contents API.
"""

# ruff: noqa: TID252
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from wod_contracts.orders import OrderVerb

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..conftest import SYSTEM_SEATS, AgentSetup, Hub, SqsTestQueue
from ..peers import home_listing, hub_login, make_order, run_agent_once, write_workshop

pytestmark = pytest.mark.slow


@pytest.fixture(params=["local", "system"])
def hub(request: pytest.FixtureRequest) -> Hub:
    hub: Hub = request.getfixturevalue(f"{request.param}_hub")
    return hub


def test_create_then_cleanup(
    hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
) -> None:
    # Given a workshop and a CREATE order for a seat
    student = SYSTEM_SEATS + 1 if hub.mode == "system" else 101
    username = f"student{student}"
    hub.users.append(username)
    agent = make_agent(hub, make_queue())
    write_workshop(agent.workshops_dir, "WOD-T1", student, student + 9)
    create = make_order(OrderVerb.CREATE, student, "WOD-T1")
    agent.queue.send(create)

    # When the agent carries it out
    run_agent_once(agent.config_path)

    # Then one successful callback carries a password
    [callback] = agent.receiver.accepted(create.order_id)
    assert callback["outcome"] == "succeeded"
    assert callback["callback_token"] == create.callback_token
    password = callback["password"]
    assert len(password) >= 12
    assert agent.queue.count() == (0, 0)  # deleted once reported

    # and neither the password nor its hash is left in the runner's artifacts or the state
    for path in hub.state_dir.rglob("*"):
        if path.is_file() and path.parent.name != "hub-passwords":
            content = path.read_bytes()
            assert password.encode() not in content, path
            assert b"$6$" not in content and b"$pbkdf2-sha256$" not in content, path
    assert not list(hub.state_dir.rglob("secrets.json"))

    # and the participant's Start link lands in JupyterLab on the first notebook
    session, landing = hub_login(hub.url, username, password)
    assert landing.status_code == 200, landing.text[:500]
    assert landing.url.endswith(f"/user/{username}/lab/tree/0-ReadMeFirst.ipynb")
    assert home_listing(session, hub.url, username) == ["0-ReadMeFirst.ipynb", "data.csv"]
    notebook = session.get(
        f"{hub.url}/user/{username}/api/contents/0-ReadMeFirst.ipynb", timeout=30
    ).json()["content"]
    text = "".join(notebook["cells"][0]["source"])
    assert f"Welcome {username} (student {student}) of Test Org." in text
    assert "{{ other.thing }} and {{wod.student}}" in text  # not ours: untouched
    assert f"Hub {hub.url}, survey https://example.org/survey, id WOD-T1." in text
    assert json.dumps(notebook).count("{{ wod.") == 0

    # When the session ends
    cleanup = make_order(OrderVerb.CLEANUP, student, "WOD-T1")
    agent.queue.send(cleanup)
    run_agent_once(agent.config_path)

    # Then the callback carries no password, the old one is refused and the files are gone
    [done] = agent.receiver.accepted(cleanup.order_id)
    assert done["outcome"] == "succeeded"
    assert "password" not in done or done["password"] is None
    _, refused = hub_login(hub.url, username, password)
    assert refused.status_code == 403
    assert list((hub.homes_dir / username).iterdir()) == []
    # and the old browser session is over (the hub user was deleted)
    stale = session.get(
        f"{hub.url}/user/{username}/api/contents", timeout=30, allow_redirects=False
    )
    assert stale.status_code != 200


def test_reset_wipes_the_seat_and_runs_the_workshop_reset_tasks(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
    tmp_path: Path,
) -> None:
    agent = make_agent(local_hub, make_queue())
    workshop = write_workshop(agent.workshops_dir, "WOD-RST", 111, 120)
    marker = tmp_path / "reset-ran"
    reset_tasks = [
        {
            "name": "Mark",
            "ansible.builtin.file": {"path": str(marker), "state": "touch", "mode": "0600"},
        }
    ]
    (workshop / "reset.yml").write_text(yaml.safe_dump(reset_tasks), encoding="utf-8")
    home = local_hub.homes_dir / "student111"
    home.mkdir(parents=True, exist_ok=True)
    (home / "left-over.txt").write_text("x", encoding="utf-8")
    order = make_order(OrderVerb.RESET, 111, "WOD-RST")
    agent.queue.send(order)

    run_agent_once(agent.config_path)

    [callback] = agent.receiver.accepted(order.order_id)
    assert callback["outcome"] == "succeeded"
    assert callback.get("password") is None
    assert marker.exists()
    assert list(home.iterdir()) == []
