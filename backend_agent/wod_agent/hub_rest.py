"""`HubClient` on the JupyterHub REST API, with a service token of few scopes.

The token needs `REQUIRED_SCOPES` only (see `hub_config.agent_service`): stop a student's
servers and delete the hub user, which also ends every session the previous holder had.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import requests

from .ports import HubError

REQUIRED_SCOPES = ("admin:users", "servers")


class JupyterHubRest:
    def __init__(
        self,
        api_url: str,
        token: str,
        session: requests.Session | None = None,
        timeout_seconds: float = 15.0,
        stop_timeout_seconds: float = 90.0,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._session = session or requests.Session()
        self._session.headers["Authorization"] = f"token {token}"
        self._timeout = timeout_seconds
        self._stop_timeout = stop_timeout_seconds

    def _call(self, method: str, path: str) -> requests.Response:
        try:
            return self._session.request(method, self.api_url + path, timeout=self._timeout)
        except requests.RequestException as exc:
            raise HubError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc

    def _expect(self, response: requests.Response, *ok: int) -> None:
        if response.status_code not in ok:
            raise HubError(
                f"{response.request.method} {response.url}: HTTP {response.status_code}: "
                f"{response.text[:300]}"
            )

    def whoami(self) -> dict[str, Any]:
        """The token's owner and scopes (`GET /user`)."""
        response = self._call("GET", "/user")
        self._expect(response, 200)
        owner: dict[str, Any] = response.json()
        return owner

    def version(self) -> str:
        response = self._call("GET", "/")
        self._expect(response, 200)
        return str(response.json().get("version", "?"))

    def _user(self, username: str) -> dict[str, Any] | None:
        response = self._call("GET", f"/users/{quote(username)}")
        if response.status_code == 404:
            return None
        self._expect(response, 200)
        user: dict[str, Any] = response.json()
        return user

    def retire_user(self, username: str) -> None:
        user = self._user(username)
        if user is None:
            return
        deadline = time.monotonic() + self._stop_timeout
        for name in user.get("servers") or {}:
            path = (
                f"/users/{quote(username)}/server"
                if not name
                else (f"/users/{quote(username)}/servers/{quote(name)}")
            )
            self._expect(self._call("DELETE", path), 202, 204, 404)
        while True:
            user = self._user(username)
            if user is None:
                return
            if not user.get("servers") and not user.get("pending"):
                break
            if time.monotonic() > deadline:
                raise HubError(f"servers of {username} did not stop in {self._stop_timeout:.0f}s")
            time.sleep(0.5)
        self._expect(self._call("DELETE", f"/users/{quote(username)}"), 204, 404)

    def open_user(self, username: str, *, wait: bool = True) -> None:
        self._expect(self._call("POST", f"/users/{quote(username)}"), 201, 409)
        response = self._call("POST", f"/users/{quote(username)}/server")
        self._expect(response, 201, 202, 400)  # 400: already running or pending
        if response.status_code == 201 or not wait:
            return
        self._follow_progress(username)

    def _follow_progress(self, username: str) -> None:
        """Read the spawn's event stream until it reports ready or failed."""
        url = f"{self.api_url}/users/{quote(username)}/server/progress"
        try:
            with self._session.get(
                url, stream=True, timeout=(self._timeout, self._stop_timeout)
            ) as response:
                self._expect(response, 200)
                for line in response.iter_lines(decode_unicode=True):
                    if not line or not line.startswith("data:"):
                        continue
                    event = json.loads(line[len("data:") :])
                    if event.get("ready"):
                        return
                    if event.get("failed"):
                        raise HubError(f"server of {username} failed: {event.get('message', '')}")
        except requests.RequestException as exc:
            raise HubError(f"progress of {username}: {type(exc).__name__}: {exc}") from exc
        raise HubError(f"progress of {username} ended without a ready server")
