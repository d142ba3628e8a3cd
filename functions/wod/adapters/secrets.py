"""The callback secrets (per backend, or one shared) and the token key: from Secrets Manager in
the cloud, from settings locally."""

from __future__ import annotations

from functools import lru_cache

from wod.domain.tokens import ANY_BACKEND
from wod.settings import Settings

from . import clients


@lru_cache(maxsize=4)
def _from_secrets_manager(arn: str) -> bytes:
    return clients.secretsmanager().get_secret_value(SecretId=arn)["SecretString"].encode()


def callback_secret(settings: Settings) -> bytes:
    if settings.callback_secret_arn:
        return _from_secrets_manager(settings.callback_secret_arn)
    return settings.callback_secret.get_secret_value().encode()


def callback_secrets(settings: Settings) -> dict[str, bytes]:
    """Backend name -> the secret its agent signs callbacks with; `{ANY_BACKEND: shared}` when
    no backend has its own (then a callback is not bound to a backend)."""
    if not (settings.callback_secrets or settings.callback_secret_arns):
        return {ANY_BACKEND: callback_secret(settings)}
    secrets = {
        name: value.get_secret_value().encode() for name, value in settings.callback_secrets.items()
    }
    for name, arn in settings.callback_secret_arns.items():
        secrets[name] = _from_secrets_manager(arn)
    return secrets


def token_key(settings: Settings) -> bytes:
    """The key of the status, order and badge tokens."""
    if settings.token_key_arn:
        return _from_secrets_manager(settings.token_key_arn)
    return settings.token_key_bytes
