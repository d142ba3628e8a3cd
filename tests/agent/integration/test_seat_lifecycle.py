"""CREATE then CLEANUP of one seat, against a real hub, real moto SQS and real playbooks.

The participant's view is checked through the hub's login form and the contents API.
"""

# ruff: noqa: TID252
from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from wod_contracts.orders import OrderVerb

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..conftest import AgentSetup, Hub, SqsTestQueue
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
    student = 9001 if hub.mode == "system" else 101
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
