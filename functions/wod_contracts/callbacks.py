"""What the agent reports to `POST /api/agent/callbacks` once an order is carried out.

The body is signed (see `signing`); the password travels only here, over TLS, and only for a
successful CREATE or REISSUE, so that the API can mail it. The API never stores it.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, model_validator

from .orders import SETS_PASSWORD, Identifier, OrderVerb, Token
from .workshop import WorkshopId

CALLBACK_SCHEMA_VERSION: Literal[1] = 1


class Outcome(StrEnum):
    STARTED = "started"  # progress: the agent took the order (the stuck clock starts)
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AgentCallback(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = CALLBACK_SCHEMA_VERSION
    order_id: Identifier
    registration_id: Identifier | None = None
    workshop_id: WorkshopId | None = Field(default=None, description="PREPARE only.")
    student: int | None = Field(default=None, ge=1, description="PREPARE only.")
    verb: OrderVerb
    callback_token: Token
    outcome: Outcome
    password: SecretStr | None = Field(default=None, min_length=12, max_length=128)
    error: str | None = Field(default=None, max_length=2000)
    finished_at: AwareDatetime

    @model_validator(mode="after")
    def _the_seat_of_a_prepare(self) -> AgentCallback:
        if self.verb is OrderVerb.PREPARE:
            if self.registration_id is not None or self.workshop_id is None or not self.student:
                raise ValueError("a PREPARE callback names its workshop and student only")
        elif self.registration_id is None or self.workshop_id or self.student:
            raise ValueError(f"a {self.verb.value} callback names its registration only")
        return self

    @model_validator(mode="after")
    def _password_only_for_created_seats(self) -> AgentCallback:
        created = self.verb in SETS_PASSWORD and self.outcome is Outcome.SUCCEEDED
        if created and self.password is None:
            raise ValueError(f"a successful {self.verb.value} must report the password")
        if not created and self.password is not None:
            raise ValueError("only a successful CREATE or REISSUE carries a password")
        return self

    def to_wire(self) -> str:
        """JSON with the password revealed: for the signed request body only."""
        data = self.model_dump(mode="json", exclude_none=True)
        if self.password is not None:
            data["password"] = self.password.get_secret_value()
        return json.dumps(data, separators=(",", ":"), sort_keys=True)
