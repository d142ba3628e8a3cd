"""What a participant submits to register, validated field by field.

Strict on purpose: names end up in mails and notebooks, so control characters and line breaks
are refused here rather than escaped later, and unknown fields are an error.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from wod_contracts.workshop import WorkshopId


def _printable(value: str) -> str:
    if any(unicodedata.category(char).startswith("C") for char in value):
        raise ValueError("must not contain control characters or line breaks")
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be blank")
    return stripped


Name = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_printable)]
Company = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_printable)]


class RegistrationRequest(BaseModel):
    """The body of `POST /api/registrations`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    workshop_id: WorkshopId
    email: Annotated[EmailStr, Field(max_length=254)]
    first_name: Name
    last_name: Name
    company: Company
    accept_terms: Literal[True] = Field(
        description="Must be true: the participant accepts the terms (the time starts now)."
    )

    @property
    def normalized_email(self) -> str:
        return str(self.email).lower()
