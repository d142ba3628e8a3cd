"""A registration's optional `time_zone` and `language`: validated, stored, defaulted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from wod.domain.locales import supported_language
from wod.domain.participants import RegistrationRequest
from wod.domain.registrations import plan_registration
from wod_contracts.workshop import Workshop

GOOD: dict[str, Any] = {
    "workshop_id": "python-101",
    "email": "ada@example.org",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "Analytical Engines",
    "accept_terms": True,
}
WORKSHOP = Workshop.model_validate(
    {
        "id": "python-101",
        "title": "Python 101",
        "summary": "s",
        "description": "d",
        "duration_minutes": 120,
        "students": {"first": 1, "last": 9},
        "presenter": {"name": "P"},
    }
)
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def bad_fields(**changes: Any) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        RegistrationRequest.model_validate({**GOOD, **changes})
    return {str(error["loc"][0]) for error in caught.value.errors()}


def test_an_old_client_without_the_fields_gets_utc_and_english() -> None:
    registration = plan_registration(RegistrationRequest.model_validate(GOOD), WORKSHOP, 3, NOW)
    assert (registration.time_zone, registration.language) == ("UTC", "en")


@pytest.mark.parametrize(
    "zone", ["Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "UTC", "Asia/Kolkata"]
)
def test_an_iana_zone_is_kept_as_sent(zone: str) -> None:
    request = RegistrationRequest.model_validate({**GOOD, "time_zone": zone})
    assert plan_registration(request, WORKSHOP, 3, NOW).time_zone == zone


@pytest.mark.parametrize(
    "zone",
    [
        "Mars/Olympus_Mons",
        "",
        "../../etc/passwd",
        "/usr/share/zoneinfo/UTC",
        "localtime",
        "Europe/Paris\n",
        "+02:00",
        "E" * 65,
        3,
    ],
)
def test_a_bad_time_zone_is_refused_naming_the_field(zone: Any) -> None:
    assert bad_fields(time_zone=zone) == {"time_zone"}


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("fr", "fr"),
        ("fr-FR", "fr"),
        ("FR_ca", "fr"),
        ("en-GB", "en"),
        ("de-DE", "en"),
        (None, "en"),
    ],
)
def test_the_language_is_one_we_speak_or_english(tag: str | None, language: str) -> None:
    request = RegistrationRequest.model_validate({**GOOD, "language": tag})
    assert plan_registration(request, WORKSHOP, 3, NOW).language == language
    assert supported_language(tag) == language


@pytest.mark.parametrize("tag", ["", "f", "français", "fr FR", "<script>", "x" * 36, 7])
def test_a_malformed_language_is_refused_naming_the_field(tag: Any) -> None:
    assert bad_fields(language=tag) == {"language"}
