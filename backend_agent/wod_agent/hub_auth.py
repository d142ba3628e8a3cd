"""A JupyterHub authenticator for the local account mode (no root, no Linux users).

The agent's playbooks write one salted pbkdf2-sha256 hash per student into a directory of the
agent's state; the hub (configured by `hub_config.configure_local`) checks logins against it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jupyterhub.auth import Authenticator
from passlib.hash import pbkdf2_sha256
from traitlets import Unicode

# Only student accounts can log in, and the name is safe as a file name.
STUDENT_NAME = re.compile(r"student[1-9][0-9]{0,5}")


class HashFileAuthenticator(Authenticator):  # type: ignore[misc]  # jupyterhub is untyped
    passwords_dir = Unicode(
        "/var/lib/wod-agent/hub-passwords",
        config=True,
        help="Directory of <username> files, each holding one pbkdf2_sha256 hash.",
    )

    async def authenticate(self, handler: Any, data: dict[str, str]) -> str | None:
        username = data.get("username", "")
        password = data.get("password", "")
        if not STUDENT_NAME.fullmatch(username) or not password:
            return None
        try:
            stored = (Path(self.passwords_dir) / username).read_text(encoding="utf-8").strip()
        except OSError:
            return None  # no file: the seat is closed
        try:
            return username if pbkdf2_sha256.verify(password, stored) else None
        except ValueError:
            self.log.error("unreadable password hash for %s", username)
            return None
