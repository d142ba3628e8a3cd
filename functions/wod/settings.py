"""Deployment settings, read once from the environment (`WOD_*`) behind a cached getter.

Nothing reads `os.environ` elsewhere, and nothing is computed from it at import time.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WOD_", frozen=True)

    workshops_table: str = "wod-workshops"
    registrations_table: str = "wod-registrations"
    guards_table: str = "wod-guards"
    # Backend name -> URL of its FIFO order queue (JSON in the environment).
    backend_queues: dict[str, str] = Field(default_factory=dict)
    # Backend name -> public URL of its JupyterHub (for the Start link).
    backend_hubs: dict[str, str] = Field(default_factory=dict)
    branding_file: Path = REPO_ROOT / "branding.yml"
    site_url: str | None = Field(
        default=None, description="Overrides branding.site_url (e.g. the local gateway)."
    )
    mail_configuration_set: str | None = None
    # Key of the status, order and badge tokens; the callback secret signs agent requests.
    token_key: SecretStr = SecretStr("local-development-token-key-change-me")
    callback_secret: SecretStr = SecretStr("local-development-callback-secret")
    callback_secret_arn: str | None = None
    # Backend name -> its own callback secret (or its Secrets Manager ARN): a backend's agent
    # can then only report on orders of its own seats. When either is set, the shared
    # secret above is not accepted any more.
    callback_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    callback_secret_arns: dict[str, str] = Field(default_factory=dict)
    token_key_arn: str | None = Field(
        default=None, description="Secrets Manager ARN of the token key (cloud); else token_key."
    )
    scheduler_group: str = "wod"
    scheduler_role_arn: str = "arn:aws:iam::123456789012:role/wod-scheduler"
    lifecycle_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:wod-lifecycle"
    # Follow-ups younger than this are left to the request that started them.
    sweep_grace_seconds: int = 60
    # A registration whose follow-ups keep failing this long gets its seat back.
    sweep_give_up_seconds: int = 600
    duplicate_notice_interval_seconds: int = 600
    # A seat whose order the agent took this long ago and did not finish (or any seat on its
    # way while no agent shows life) gets an apology, a CLEANUP and is freed.
    stuck_after_seconds: int = 600
    # A PREPARE (warm seat) unanswered this long is given up on; the seat stays cold.
    prepare_timeout_seconds: int = 900
    # Personal data is kept this long after a session's end (and a suppression this long after
    # it was made), then DynamoDB's TTL drops it: the template's RetentionDays.
    retention_days: int = Field(default=90, ge=1, le=3650)

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.retention_days)

    @property
    def token_key_bytes(self) -> bytes:
        return self.token_key.get_secret_value().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
