"""The agent's JupyterHub client against a real hub (local mode)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent.conftest import Hub, start_hub, stop_group
from wod_agent.hub_rest import JupyterHubRest

# A single-user server that comes up two seconds after it is started: slow enough that a start
# answered at once finds it pending, quick enough that a hub holding the request up to its
# default 10 s would hand it back running (that hub's answer is what this test must not see).
SLOW_SERVER = f"""#!{sys.executable}
import http.server, os, time, urllib.parse

time.sleep(2)
url = urllib.parse.urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])


class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{{}}")

    def log_message(self, *args):
        pass


http.server.HTTPServer((url.hostname, url.port), Answer).serve_forever()
"""


@pytest.fixture(scope="module")
def slow_server_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    workdir = tmp_path_factory.mktemp("slow-server-hub")
    homes, state = workdir / "homes", workdir / "agent-state"
    homes.mkdir()
    state.mkdir()
    server = workdir / "slow-singleuser"
    server.write_text(SLOW_SERVER, encoding="utf-8")
    server.chmod(0o755)
    process, hub = start_hub("local", workdir, homes, state, Path(server))
    yield hub
    stop_group(process)


def test_opening_a_seat_without_waiting_answers_while_its_server_still_starts(
    slow_server_hub: Hub,
) -> None:
    # A warm seat's credentials must not wait for its server: the hub has to answer the start
    # as pending (the agent's hub config sets the handlers' slow_spawn_timeout to 0).
    hub = JupyterHubRest(slow_server_hub.api_url, slow_server_hub.token)
    username = "student190"
    try:
        hub.open_user(username, wait=False)
        user = hub._user(username)
        assert user is not None
        assert user["pending"] == "spawn", user
        hub.open_user(username)  # then follows the start to its end
        user = hub._user(username)
        assert user is not None and user["servers"][""]["ready"], user
        assert user["pending"] is None, user
    finally:
        hub.retire_user(username)
