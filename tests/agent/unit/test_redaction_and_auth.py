"""The runner event redactor and the local-mode hub authenticator."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from passlib.hash import pbkdf2_sha256
from pydantic import SecretStr

from wod_agent.ansible_deployer import REDACTED, password_hash, redactor
from wod_agent.config import AccountMode
from wod_agent.hub_auth import HashFileAuthenticator


def test_redactor_scrubs_nested_event_data() -> None:
    event = {
        "stdout": "ok: pw=Secret123456 hash=$6$abc",
        "event_data": {"res": {"msg": ["Secret123456"], "rc": 0}},
    }
    assert redactor(["Secret123456", "$6$abc"])(event) is True
    assert event["stdout"] == f"ok: pw={REDACTED} hash={REDACTED}"
    assert event["event_data"] == {"res": {"msg": [REDACTED], "rc": 0}}


def test_hashes_suit_each_account_store() -> None:
    password = SecretStr("Correct-Horse-42")
    assert password_hash(password, AccountMode.SYSTEM).startswith("$6$")
    local = password_hash(password, AccountMode.LOCAL)
    assert pbkdf2_sha256.verify("Correct-Horse-42", local)


def test_hash_file_authenticator(tmp_path: Path) -> None:
    (tmp_path / "student5").write_text(pbkdf2_sha256.hash("Right-Password-1") + "\n")
    auth = HashFileAuthenticator(passwords_dir=str(tmp_path))

    def login(username: str, password: str) -> str | None:
        data = {"username": username, "password": password}
        # In a thread of its own: in a full run, Playwright's sync API (browser tests) leaves an
        # event loop running in this one, and asyncio.run refuses to start beside it.
        with ThreadPoolExecutor(1) as pool:
            result: str | None = pool.submit(asyncio.run, auth.authenticate(None, data)).result()
        return result

    assert login("student5", "Right-Password-1") == "student5"
    assert login("student5", "wrong") is None
    assert login("student6", "Right-Password-1") is None  # no file: seat closed
    assert login("../student5", "Right-Password-1") is None
    assert login("root", "Right-Password-1") is None
