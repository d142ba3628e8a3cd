"""The page scripts' translations: each language's catalog of site/locales (gettext .po files,
maintained by `make translations`) as the JSON the scripts read (assets/js/i18n.js).

Pure (Babel and files only): called by the MkDocs hook at build time, unit-tested without MkDocs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.pofile import read_po

DOMAIN = "site"
# CLDR's plural categories in the order Babel numbers a catalog's plural forms (msgstr[i]).
PLURAL_ORDER = ("zero", "one", "two", "few", "many", "other")


class TranslationsError(ValueError):
    """A language has no catalog, or a catalog cannot be read."""


def plural_categories(language: str) -> list[str]:
    """The CLDR categories of a language in the order of its forms: what `Intl.PluralRules`
    answers, mapped to the index of the form to use."""
    tags = Locale.parse(language).plural_form.tags | {"other"}
    return [tag for tag in PLURAL_ORDER if tag in tags]


def page_translations(locales: Path, languages: list[str]) -> dict[str, dict[str, Any]]:
    """{language: {"plural": [...], "messages": {id: text or [forms]}}} of the translated,
    non-fuzzy messages of each language's `<language>/LC_MESSAGES/site.po`."""
    result: dict[str, dict[str, Any]] = {}
    for language in languages:
        path = locales / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.is_file():
            raise TranslationsError(f"{path}: no catalog for {language} (make translations)")
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        messages: dict[str, Any] = {}
        for message in catalog:
            if not message.id or message.fuzzy or not message.string:
                continue
            if isinstance(message.id, str | bytes):
                messages[str(message.id)] = message.string
            else:
                messages[str(message.id[0])] = list(message.string)
        result[language] = {"plural": plural_categories(language), "messages": messages}
    return result
