"""The callback secret: from Secrets Manager in the cloud, from settings locally."""

from __future__ import annotations

from functools import lru_cache

from wod.settings import Settings

from . import clients


@lru_cache(maxsize=4)
def _from_secrets_manager(arn: str) -> bytes:
    return clients.secretsmanager().get_secret_value(SecretId=arn)["SecretString"].encode()


def callback_secret(settings: Settings) -> bytes:
    if settings.callback_secret_arn:
        return _from_secrets_manager(settings.callback_secret_arn)
    return settings.callback_secret.get_secret_value().encode()


def token_key(settings: Settings) -> bytes:
    """The key of the status, order and badge tokens."""
    if settings.token_key_arn:
        return _from_secrets_manager(settings.token_key_arn)
    return settings.token_key_bytes
