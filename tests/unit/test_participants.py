"""Validation of what a participant submits."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from wod.domain.participants import RegistrationRequest

GOOD: dict[str, Any] = {
    "workshop_id": "python-101",
    "email": "Ada.Lovelace@Example.org",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "Analytical Engines",
    "accept_terms": True,
}


def bad_fields(**changes: Any) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        RegistrationRequest.model_validate({**GOOD, **changes})
    return {str(error["loc"][0]) for error in caught.value.errors()}


def test_a_good_request_is_accepted_and_the_email_normalized() -> None:
    request = RegistrationRequest.model_validate(GOOD)
    assert request.normalized_email == "ada.lovelace@example.org"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("email", "x" * 250 + "@example.org"),
        ("first_name", ""),
        ("first_name", "   "),
        ("first_name", "A" * 81),
        ("first_name", "Eve\r\nBcc: victim@example.org"),
        ("last_name", "Tab\there"),
        ("last_name", "Null\x00byte"),
        ("company", "C" * 121),
        ("accept_terms", False),
        ("accept_terms", "yes"),
        ("workshop_id", "../etc/passwd"),
    ],
)
def test_each_bad_field_is_named(field: str, value: Any) -> None:
    assert bad_fields(**{field: value}) == {field}


@pytest.mark.parametrize("extra", ["student_id", "status", "password"])
def test_unknown_fields_are_refused(extra: str) -> None:
    assert bad_fields(**{extra: 3}) == {extra}


def test_missing_fields_are_each_named() -> None:
    with pytest.raises(ValidationError) as caught:
        RegistrationRequest.model_validate({"workshop_id": "python-101"})
    missing = {str(e["loc"][0]) for e in caught.value.errors()}
    assert missing == {"email", "first_name", "last_name", "company", "accept_terms"}


def test_names_keep_accents_and_are_trimmed() -> None:
    request = RegistrationRequest.model_validate({**GOOD, "first_name": "  Zoë  "})
    assert request.first_name == "Zoë"
