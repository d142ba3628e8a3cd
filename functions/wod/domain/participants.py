"""What a participant submits to register, validated field by field.

Strict on purpose: names end up in mails and notebooks, so control characters and line breaks
are refused here rather than escaped later, and unknown fields are an error. A name or company
carrying a web address or markup is refused too: the first name opens every mail we send
("Hello …"), from the organizer's own domain, and mail clients turn addresses into links.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from wod_contracts.workshop import WorkshopId

from .locales import DEFAULT_TIME_ZONE, check_language_tag, check_time_zone, supported_language

# What no one's name holds but a spammer's "name" does. Checked on the NFKC case-fold, so
# full-width look-alikes (U+FF37 W, U+FF0E dot, U+FF1C <) count as what they look like.
MARKUP = re.compile(r"[<>]|&#?\w+;")
WEB_ADDRESS = re.compile(r"://|\bwww\.|\b(?:https?|ftp|mailto|javascript)\s*:")
MAIL_ADDRESS = re.compile(r"\S@\S")
# A bare domain (`cheap-pills.example`): a label of two or more characters, a dot, then letters.
# Initials (`J.R.R.`) and `St. John` pass; a company may be called `Booking.com`.
DOMAIN = re.compile(r"(?<![\w.])[\w-]{2,}\.[^\W\d_]{2,}\b")


def _printable(value: str) -> str:
    if any(unicodedata.category(char).startswith("C") for char in value):
        raise ValueError("must not contain control characters or line breaks")
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be blank")
    return stripped


def _no_links(value: str, *, domains: bool) -> str:
    folded = unicodedata.normalize("NFKC", value).casefold()
    if MARKUP.search(folded):
        raise ValueError("must not contain markup such as < > or &…;")
    if WEB_ADDRESS.search(folded) or (domains and DOMAIN.search(folded)):
        raise ValueError("must not contain a web address")
    if MAIL_ADDRESS.search(folded):
        raise ValueError("must not contain an email address")
    return value


def _person_name(value: str) -> str:
    return _no_links(_printable(value), domains=True)


def _company_name(value: str) -> str:
    return _no_links(_printable(value), domains=False)


def _ascii_address(value: str) -> str:
    """The address as SES can send to it: it has no SMTPUTF8, so the part before the @ must be
    ASCII and a Unicode domain goes as Punycode (`xn--…`)."""
    try:
        address = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(
            "cannot receive our mail: the part before the @ must use plain ASCII letters"
        ) from exc
    if address.ascii_email is None:  # only with allow_smtputf8; kept for the type checker
        raise ValueError("cannot receive our mail: the address needs SMTPUTF8")
    return address.ascii_email


def _deliverable(value: str) -> str:
    _ascii_address(value)
    return value


Name = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_person_name)]
Company = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_company_name)]
TimeZoneName = Annotated[
    str,
    Field(
        max_length=64,
        description="The browser's IANA time zone (`Intl.DateTimeFormat().resolvedOptions()"
        ".timeZone`, e.g. `Europe/Paris`): every time in the mails is shown in it. UTC if absent.",
    ),
    AfterValidator(check_time_zone),
]
LanguageTag = Annotated[
    str,
    Field(
        max_length=35,
        description="The browser's language (`navigator.language`, e.g. `fr-FR`): the mails "
        "use it if we speak it (`en`, `fr`), English otherwise. English if absent.",
    ),
    AfterValidator(check_language_tag),
]


class RegistrationRequest(BaseModel):
    """The body of `POST /api/registrations`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    workshop_id: WorkshopId
    email: Annotated[EmailStr, Field(max_length=254), AfterValidator(_deliverable)]
    first_name: Name
    last_name: Name
    company: Company
    accept_terms: Literal[True] = Field(
        description="Must be true: the participant accepts the terms (the time starts now)."
    )
    # Optional, so that clients older than them keep working.
    time_zone: TimeZoneName | None = None
    language: LanguageTag | None = None

    @property
    def normalized_email(self) -> str:
        return _ascii_address(str(self.email)).lower()

    @property
    def zone(self) -> str:
        return self.time_zone or DEFAULT_TIME_ZONE

    @property
    def supported_language(self) -> str:
        return supported_language(self.language)
