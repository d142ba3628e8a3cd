"""The participants' languages: the message catalogs of this directory and their translations.

`<language>/LC_MESSAGES/messages.po` is what translators edit; `make translations` extracts the
message ids (messages.pot), updates each catalog and compiles it to the `messages.mo` beside it,
which is committed and shipped in the Lambda artifacts (wod/ is copied whole). Loaded with the
standard library's gettext: no Babel on the way to a sentence. Called by the mail renderer.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from wod.domain.locales import DEFAULT_LANGUAGE, LANGUAGES

DIRECTORY = Path(__file__).parent
DOMAIN = "messages"


def N_(message: str) -> str:  # the name gettext's extractors look for
    """Marks a message id for extraction where it is defined; it is translated where used."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The translations of a supported language; the message ids themselves for English.

    Raises FileNotFoundError for a supported language whose catalog was not compiled.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, DIRECTORY, languages=[language])
