"""Deployment settings, read once from the environment (`WOD_*`) behind a cached getter.

Nothing reads `os.environ` elsewhere, and nothing is computed from it at import time.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WOD_", frozen=True)

    workshops_table: str = "wod-workshops"
    registrations_table: str = "wod-registrations"
    guards_table: str = "wod-guards"
    limits_table: str = "wod-limits"
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
    # The registration's proof of work (ALTCHA): the challenge's max number is its difficulty
    # (the browser tries half of it on average; see docs/organizers.md for timings), and how
    # long a challenge may be solved and sent (time to fill in the form).
    altcha_max_number: int = Field(default=100_000, ge=1)
    altcha_lifetime_seconds: int = Field(default=1800, ge=10)
    # Abuse limits, counted in the limits table (0: no limit). Per source address: a booth
    # behind one NAT registers 50 people in a minute and hundreds a day. Per person (the
    # canonical address): a few attempts. Mails per person and day, every kind included.
    limit_source_per_minute: int = Field(default=60, ge=0)
    limit_source_per_day: int = Field(default=1000, ge=0)
    limit_person_per_hour: int = Field(default=5, ge=0)
    limit_person_per_day: int = Field(default=10, ge=0)
    limit_mails_per_person_per_day: int = Field(default=20, ge=0)
    # Seats of one workshop that addresses of one domain may hold (0: no cap), so a catch-all
    # domain cannot take a room; the exempt domains (JSON list, subdomains included) have none.
    domain_cap_per_workshop: int = 10
    domain_cap_exempt: Annotated[list[str], NoDecode] = Field(default_factory=list)
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

    @field_validator("domain_cap_exempt", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """`a.example,b.example` (a template parameter) or a JSON list."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @property
    def token_key_bytes(self) -> bytes:
        return self.token_key.get_secret_value().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
