"""Every mail of a session speaks the registration's language and shows its times in the
registration's time zone, with the zone's name; an old registration gets English and UTC."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest

from wod.domain.participants import RegistrationRequest

from .conftest import World, request_for


def register(world: World, **fields: str) -> str:
    request = RegistrationRequest.model_validate(
        {**request_for().model_dump(exclude_none=True), **fields}
    )
    return world.services.registrar.register(request).registration.registration_id


def live_a_whole_session(world: World, registration_id: str) -> list[EmailMessage]:
    world.report(world.order(registration_id))
    world.advance(minutes=60)
    world.fire_due()  # the reminder
    world.advance(minutes=60)
    world.fire_due()  # the expiry
    world.report(world.order(registration_id))  # the CLEANUP is done: the thanks
    return list(world.memory.mailer.sent)


def body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content())


# The session starts at 09:00 UTC on Wednesday 2 December 2026 and lasts two hours.
@pytest.mark.parametrize(
    ("fields", "subjects", "end", "words"),
    [
        (
            {"time_zone": "Europe/Paris", "language": "fr-FR"},
            ["Bienvenue à", "est prêt", "se termine dans 60 minutes", "Merci d\u2019avoir suivi"],
            "mercredi 2 décembre 2026, 12:00 (Europe/Paris)",
            "Bonjour Ada",
        ),
        (
            {"time_zone": "America/New_York", "language": "en-US"},
            ["Welcome to", "is ready", "ends in 60 minutes", "Thank you for taking"],
            "Wednesday, December 2, 2026, 6:00\u202fAM (America/New_York)",
            "Hello Ada",
        ),
        (
            {},  # a client older than the fields
            ["Welcome to", "is ready", "ends in 60 minutes", "Thank you for taking"],
            "Wednesday, December 2, 2026, 11:00\u202fAM (UTC)",
            "Hello Ada",
        ),
        (
            {"time_zone": "Asia/Tokyo", "language": "de-DE"},  # a language we do not speak
            ["Welcome to", "is ready", "ends in 60 minutes", "Thank you for taking"],
            "Wednesday, December 2, 2026, 8:00\u202fPM (Asia/Tokyo)",
            "Hello Ada",
        ),
    ],
)
def test_every_mail_is_in_the_registrations_language_and_time_zone(
    world: World, fields: dict[str, str], subjects: list[str], end: str, words: str
) -> None:
    mails = live_a_whole_session(world, register(world, **fields))

    assert [str(m["X-WOD-Mail-Kind"]) for m in mails] == [
        "welcome",
        "credentials",
        "reminder",
        "thanks",
    ]
    for message, subject in zip(mails, subjects, strict=True):
        assert subject in str(message["Subject"])
        for kind in ("plain", "html"):
            assert words in body(message, kind)
    for message in mails[:3]:  # the mails that say when the session ends
        for kind in ("plain", "html"):
            # Wrapped or not: line breaks count as spaces (Babel's no-break spaces stay).
            assert end in re.sub(r"[ \n]+", " ", body(message, kind))
    language = "fr" if fields.get("language") == "fr-FR" else "en"
    assert f'<html lang="{language}">' in body(mails[0], "html")
