"""The order message the API puts on a backend's queue and the agent carries out.

Versioned and strict (`extra="forbid"`): a message from a newer API is refused loudly,
never half-understood. An order never carries a password.

CREATE, CLEANUP, RESET and REISSUE are about a participant's registration (REISSUE: a fresh
password on the seat as it is, for credentials that could not be mailed). PREPARE is about a free
seat: the agent deploys the workshop into it ahead of time, with no usable password, so that a later
CREATE of that seat only has to set one (a warm seat).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from .workshop import BackendName, WorkshopId

ORDER_SCHEMA_VERSION: Literal[1] = 1

Token = Annotated[
    str, StringConstraints(min_length=32, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
]
Identifier = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


class OrderVerb(StrEnum):
    CREATE = "CREATE"
    CLEANUP = "CLEANUP"
    RESET = "RESET"
    PREPARE = "PREPARE"
    REISSUE = "REISSUE"


# The verbs whose success hands the API a fresh password to mail.
SETS_PASSWORD = frozenset({OrderVerb.CREATE, OrderVerb.REISSUE})


def username_for(student: int) -> str:
    """The backend account of a student number (the reference system's `studentN`)."""
    return f"student{student}"


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = ORDER_SCHEMA_VERSION
    order_id: Identifier
    verb: OrderVerb
    registration_id: Identifier | None = Field(
        default=None, description="The participant's registration; none for PREPARE."
    )
    workshop_id: WorkshopId
    backend: BackendName
    student: int = Field(ge=1)
    callback_token: Token = Field(
        description="One-time token: the callback for this order must carry it. "
        "The API keeps only its hash."
    )
    issued_at: AwareDatetime
    ends_at: AwareDatetime | None = Field(
        default=None, description="When the session ends; none for PREPARE."
    )

    @model_validator(mode="after")
    def _registration_unless_prepare(self) -> Order:
        prepare = self.verb is OrderVerb.PREPARE
        if prepare and (self.registration_id is not None or self.ends_at is not None):
            raise ValueError("a PREPARE order belongs to no registration and has no end")
        if not prepare and (self.registration_id is None or self.ends_at is None):
            raise ValueError(f"a {self.verb.value} order needs registration_id and ends_at")
        return self

    @property
    def username(self) -> str:
        return username_for(self.student)

    @property
    def seat(self) -> str:
        """Orders of one seat are never worked on at once (the FIFO group id)."""
        return f"{self.backend}.{self.student}"


def parse_order(body: str) -> Order:
    return Order.model_validate_json(body)


def order_expired(order: Order, now: datetime) -> bool:
    """A CREATE whose session is already over must not deploy anything."""
    return order.verb is OrderVerb.CREATE and order.ends_at is not None and now >= order.ends_at
