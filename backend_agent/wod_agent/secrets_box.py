"""Passwords: generated here, and kept encrypted in the journal until they are reported.

The journal key is derived from the callback secret, so a copy of the state directory alone
does not reveal a pending password.
"""

from __future__ import annotations

import base64
import secrets
import string

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

PASSWORD_LENGTH = 16
# No look-alikes (0/O, 1/l/I): participants type it from a mail.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def new_password(length: int = PASSWORD_LENGTH) -> SecretStr:
    """A fresh random password with at least one lower, upper and digit."""
    if length < 12:
        raise ValueError("passwords are at least 12 characters")
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            return SecretStr(candidate)


class SecretBox:
    """Fernet encryption with a key derived (HKDF-SHA256) from the callback secret."""

    def __init__(self, callback_secret: bytes) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"wod-agent journal v1"
        ).derive(callback_secret)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: SecretStr) -> bytes:
        return self._fernet.encrypt(secret.get_secret_value().encode())

    def open(self, token: bytes) -> SecretStr:
        try:
            return SecretStr(self._fernet.decrypt(token).decode())
        except InvalidToken as exc:
            raise ValueError(
                "journal password does not decrypt (callback secret changed?)"
            ) from exc
