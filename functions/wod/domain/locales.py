"""A participant's time zone and language: which we accept, and what we fall back to.

Pure (stdlib zoneinfo only). Called by the registration request's validation and by whoever
shows a time or a sentence to a participant (mails, the status page's answer).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "UTC"
# English is the source language (the message ids); every other one has a complete catalog in
# wod/locales (tests/unit/test_translations.py checks it). The language switch lists them so.
LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"

# The shape of an IANA zone name (`Europe/Paris`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5`,
# `UTC`): checked before zoneinfo sees it, since zoneinfo would also open a file path.
ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,3}$")
# Files of the zoneinfo directory that are not zones a browser names.
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
# A BCP 47 tag as browsers send it (`fr`, `fr-FR`, `zh-Hant-TW`, `es-419`).
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4}$")


def check_time_zone(name: str) -> str:
    """`name` if it is an IANA time zone that this machine knows; ValueError otherwise."""
    if not ZONE_NAME.match(name) or name in NOT_ZONES:
        raise ValueError("must be an IANA time zone name such as Europe/Paris")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError("unknown time zone: use an IANA name such as Europe/Paris") from exc
    return name


def check_language_tag(tag: str) -> str:
    """`tag` if it is shaped like a browser's language tag; ValueError otherwise."""
    if not LANGUAGE_TAG.match(tag):
        raise ValueError("must be a language tag such as fr or fr-FR")
    return tag


def supported_language(tag: str | None) -> str:
    """The supported language for a tag (`fr-CA` → `fr`); English when we do not speak it."""
    if not tag:
        return DEFAULT_LANGUAGE
    primary = re.split(r"[-_]", tag, maxsplit=1)[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE
