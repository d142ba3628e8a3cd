"""A small client of `/api/admin/...`: each request SigV4-signed (service `execute-api`) with the
caller's AWS credentials, as the HTTP API's IAM authorizer requires.

With no URL given it talks to `make demo` on this machine, signed with the local stack's test
credentials, so the console works locally with no set-up.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials
from botocore.exceptions import BotoCoreError
from botocore.session import Session

# `make demo`'s gateway (WOD_DEMO_PORT moves it) and the local stack's test credentials (the
# same as wod.local.stack.LOCAL_CREDENTIALS; tests/unit/test_admin_client.py holds them equal).
DEMO_URL = f"http://127.0.0.1:{os.environ.get('WOD_DEMO_PORT', '8080')}/"
DEMO_CREDENTIALS = ("local", "local")
DEMO_REGION = "us-east-1"
EXECUTE_API_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")
TIMEOUT = 30


class AdminError(Exception):
    """A request failed: the message says what and, where it can, what to do."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def is_local(url: str) -> bool:
    return (urlsplit(url).hostname or "") in {"127.0.0.1", "localhost", "::1"}


def region_of(url: str, explicit: str | None = None) -> str:
    """The region to sign for: given, else the API's own (its execute-api host name)."""
    if explicit:
        return explicit
    match = EXECUTE_API_HOST.match(urlsplit(url).hostname or "")
    if match:
        return match.group(1)
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEMO_REGION


def credentials_for(url: str, profile: str | None = None) -> ReadOnlyCredentials:
    """The local test credentials for the local stack (unless a profile is named), else the
    caller's own from the usual chain (environment, profile, SSO, instance role)."""
    if is_local(url) and profile is None:
        return ReadOnlyCredentials(*DEMO_CREDENTIALS, None)
    try:
        found = Session(profile=profile).get_credentials()
    except BotoCoreError as exc:  # e.g. no such profile
        raise AdminError(f"Cannot read AWS credentials: {exc}") from exc
    if found is None:
        raise AdminError(
            "No AWS credentials found: set AWS_PROFILE (or pass --profile), or run "
            "`aws configure`; the identity needs the OrganizerPolicy of the stack."
        )
    return found.get_frozen_credentials()


@dataclass
class AdminClient:
    base_url: str
    credentials: ReadOnlyCredentials
    region: str
    session: requests.Session | None = None

    @classmethod
    def connect(
        cls, url: str | None = None, profile: str | None = None, region: str | None = None
    ) -> AdminClient:
        base = (url or os.environ.get("WOD_ADMIN_URL") or DEMO_URL).rstrip("/") + "/"
        return cls(base, credentials_for(base, profile), region_of(base, region))

    def url(self, path: str, params: dict[str, str] | None = None) -> str:
        query = urlencode(sorted((k, v) for k, v in (params or {}).items() if v is not None))
        return f"{self.base_url}api/admin/{path.lstrip('/')}" + (f"?{query}" if query else "")

    def signed(self, method: str, url: str, body: bytes) -> dict[str, str]:
        """The headers of a signed request (the signature covers host, date and body)."""
        headers = {"content-type": "application/json"} if body else {}
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        creds = Credentials(
            self.credentials.access_key or "",
            self.credentials.secret_key or "",
            self.credentials.token,
        )
        SigV4Auth(creds, "execute-api", self.region).add_auth(request)
        return dict(request.headers.items())

    def call(
        self,
        method: str,
        path: str,
        body: Any | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        url = self.url(path, params)
        data = json.dumps(body).encode() if body is not None else b""
        http = self.session or requests
        try:
            response = http.request(
                method, url, data=data, headers=self.signed(method, url, data), timeout=TIMEOUT
            )
        except requests.RequestException as exc:
            hint = " (is `make demo` running?)" if is_local(url) else ""
            raise AdminError(f"Cannot reach {self.base_url}{hint}: {exc}") from exc
        if response.status_code >= 400:
            raise _error_of(response)
        return response.json() if response.content else None

    # -- the routes ----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("GET", "status")
        return answer

    def registrations(
        self, workshop: str | None = None, state: str | None = None
    ) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"workshop": workshop, "state": state}.items() if v}
        answer: list[dict[str, Any]] = self.call("GET", "registrations", params=params)
        return answer

    def close(self, workshop_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("POST", f"workshops/{workshop_id}/close")
        return answer

    def open(self, workshop_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("POST", f"workshops/{workshop_id}/open")
        return answer

    def define(self, workshop: dict[str, Any], badge_svg: str | None) -> dict[str, Any]:
        body = {"workshop": workshop, "badge_svg": badge_svg}
        answer: dict[str, Any] = self.call("PUT", f"workshops/{workshop['id']}", body)
        return answer

    def sync(self, keep: list[str]) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("POST", "sync", {"keep": keep})
        return answer

    def end(self, registration_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("POST", f"registrations/{registration_id}/end")
        return answer

    def extend(self, registration_id: str, minutes: int) -> dict[str, Any]:
        answer: dict[str, Any] = self.call(
            "POST", f"registrations/{registration_id}/extend", {"minutes": minutes}
        )
        return answer

    def reissue(self, registration_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("POST", f"registrations/{registration_id}/reissue")
        return answer


def _error_of(response: requests.Response) -> AdminError:
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    payload = payload if isinstance(payload, dict) else {}
    status = response.status_code
    if status == 403:
        return AdminError(
            "Forbidden (403): the request's signature was refused, or this identity may not "
            "call the admin routes (attach the stack's OrganizerPolicy to it).",
            status,
            "forbidden",
        )
    message = str(payload.get("message") or response.reason or "request failed")
    fields = payload.get("fields") or {}
    if fields:
        message += " " + "; ".join(f"{k}: {v}" for k, v in fields.items())
    return AdminError(f"{message} ({status})", status, payload.get("error"))
