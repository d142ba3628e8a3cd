"""Mails: branded, escaped, and nothing of the participant in a header."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email.policy import default

import pytest

from wod.mail.addresses import UndeliverableAddressError, sendable
from wod.mail.messages import build_message
from wod.mail.render import MailKind, render_mail
from wod.settings import REPO_ROOT
from wod_contracts.branding import load_branding
from wod_contracts.workshop import Workshop

BRANDING = load_branding(REPO_ROOT / "branding.yml")
WORKSHOP = Workshop.model_validate(
    {
        "id": "w-1",
        "title": "Python 101",
        "summary": "s",
        "description": "d",
        "duration_minutes": 120,
        "students": {"first": 1, "last": 9},
        "presenter": {"name": "P"},
    }
)
HOSTILE = '<script>alert("x")</script>\r\nBcc: victim@example.org'


def welcome(first_name: str) -> tuple[str, str, str]:
    mail = render_mail(
        MailKind.WELCOME,
        BRANDING,
        workshop=WORKSHOP,
        first_name=first_name,
        ends_at="Friday 27 November 2026, 11:00 UTC",
        status_url="http://site/status/?id=1&token=t",
        workshop_url="http://site/workshops/w-1/",
        site_url="http://site/",
    )
    return mail.subject, mail.text, mail.html


def test_the_welcome_mail_carries_the_end_and_the_status_link() -> None:
    subject, text, html = welcome("Ada")
    assert subject == "Welcome to Python 101: your workshop is being prepared"
    for body in (text, html):
        assert "Hello Ada" in body
        # The text body is wrapped at 76 characters: a line break counts as a space.
        assert "Friday 27 November 2026, 11:00 UTC" in re.sub(r"[ \n]+", " ", body)
    assert "http://site/status/?id=1&token=t" in text
    assert 'href="http://site/status/?id=1&amp;token=t"' in html
    assert BRANDING.colors.primary in html and BRANDING.name in html


def test_participant_input_is_escaped_in_html() -> None:
    _, _, html = welcome(HOSTILE)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_participant_input_never_reaches_a_header() -> None:
    subject, _, _ = welcome(HOSTILE)
    mail = render_mail(
        MailKind.WELCOME,
        BRANDING,
        workshop=WORKSHOP,
        first_name=HOSTILE,
        ends_at="x",
        status_url="u",
        workshop_url="u",
        site_url="u",
    )
    message = build_message(mail, BRANDING, "ada@example.org", datetime.now(UTC), "r" * 32)
    parsed = email.message_from_bytes(message.as_bytes(), policy=default)
    assert parsed["Bcc"] is None
    assert parsed["To"] == "ada@example.org"
    assert parsed["Subject"] == subject
    assert parsed.get_body(("plain",)) is not None and parsed.get_body(("html",)) is not None


# What any kind of mail may need (each template takes what it uses).
EVERY_FIELD: dict[str, object] = {
    "workshop": WORKSHOP,
    "first_name": "Ada",
    "ends_at": "x",
    "status_url": "s",
    "workshop_url": "w",
    "site_url": "u",
    "minutes": 60,
    "username": "student1",
    "password": "secret-password",
    "start_url": "h",
    "survey_url": "v",
    "badge_url": "b",
    "linkedin_url": "l",
}


def test_every_kind_renders_in_text_and_html() -> None:
    for kind in MailKind:
        mail = render_mail(kind, BRANDING, **EVERY_FIELD)
        assert mail.text.strip() and "<html" in mail.html
        if kind is MailKind.REMINDER:
            assert "secret-password" not in mail.text + mail.html


def test_a_mail_is_rendered_in_the_language_asked_for() -> None:
    context = {
        "workshop": WORKSHOP,
        "first_name": "Ada",
        "ends_at": "vendredi 27 novembre 2026, 12:00 (Europe/Paris)",
        "status_url": "http://site/status/?id=1&token=t",
        "workshop_url": "w",
        "site_url": "http://site/",
    }
    french = render_mail(MailKind.WELCOME, BRANDING, "fr", **context)
    english = render_mail(MailKind.WELCOME, BRANDING, "en", **context)
    assert french.subject == "Bienvenue à Python 101\u00a0: votre atelier est en préparation"
    assert english.subject == "Welcome to Python 101: your workshop is being prepared"
    assert "Bonjour Ada," in french.text and "Suivre votre inscription" in french.html
    assert '<html lang="fr">' in french.html and '<html lang="en">' in english.html
    assert "Hello Ada," in english.text and "Bonjour" not in english.text + english.html


LONGEST_END = "Wednesday, December 2, 2026, 11:00\u202fAM (America/Argentina/Cordoba)"


def test_no_line_of_a_text_body_is_longer_than_76_but_a_link() -> None:
    for language in ("en", "fr"):
        for kind in MailKind:
            mail = render_mail(
                kind,
                BRANDING,
                language,
                **{
                    **EVERY_FIELD,
                    "ends_at": LONGEST_END,
                    "status_url": "http://site/status/?id=" + "1" * 32 + "&token=" + "t" * 43,
                },
            )
            for line in mail.text.splitlines():
                assert len(line) <= 76 or "://" in line, (language, kind, line)


def built_for(to: str) -> bytes:
    mail = render_mail(
        MailKind.WELCOME,
        BRANDING,
        "en",
        workshop=WORKSHOP,
        first_name="Jörg",
        ends_at="x",
        status_url="u",
        workshop_url="u",
        site_url="u",
    )
    return build_message(mail, BRANDING, to, datetime.now(UTC), "r" * 32).as_bytes()


def test_a_unicode_domain_goes_out_as_punycode_never_as_an_encoded_word() -> None:
    raw = built_for("joerg@bücher.example")
    assert raw.isascii()  # 7-bit: SES has no SMTPUTF8
    to_lines = [line for line in raw.split(b"\r\n") if line.lower().startswith(b"to:")]
    assert to_lines == [b"To: joerg@xn--bcher-kva.example"]


def test_an_address_with_a_non_ascii_local_part_is_never_built() -> None:
    with pytest.raises(UndeliverableAddressError):
        built_for("jörg@example.org")


@pytest.mark.parametrize(
    ("address", "sent"),
    [
        ("ada@example.org", "ada@example.org"),
        ("ada@bücher.example", "ada@xn--bcher-kva.example"),
        ("ada@xn--bcher-kva.example", "ada@xn--bcher-kva.example"),
    ],
)
def test_sendable_addresses_are_seven_bit(address: str, sent: str) -> None:
    assert sendable(address) == sent
