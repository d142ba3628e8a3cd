"""The message catalogs: every message id of the code has a translation in every language, with
the same placeholders, and the compiled catalogs the Lambda functions load are not stale.

A new sentence in a mail template or a page script therefore cannot ship untranslated: run
`make translations`, translate what it added to each `.po`, and commit the result.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from wod.domain.locales import DEFAULT_LANGUAGE, LANGUAGES
from wod.settings import REPO_ROOT

TRANSLATED = [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Catalogs:
    """One set of catalogs: where its sources and its `<lang>/LC_MESSAGES/<domain>.po` live."""

    name: str
    sources: Path  # what `pybabel extract` runs in (the Makefile's `cd`)
    directory: Path
    domain: str
    keywords: dict[str, tuple[int, ...] | None]
    compiled: bool  # whether a committed .mo is loaded at run time

    def po(self, language: str) -> Path:
        return self.directory / language / "LC_MESSAGES" / f"{self.domain}.po"

    def read(self, language: str) -> Catalog:
        with self.po(language).open("rb") as handle:
            return read_po(handle, locale=language)

    def extracted(self) -> set[str | tuple[str, ...]]:
        """The message ids in the sources now, as `make translations` extracts them."""
        with (self.directory / "babel.cfg").open(encoding="utf-8") as handle:
            method_map, options_map = parse_mapping_cfg(handle)
        found: set[str | tuple[str, ...]] = set()
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(self.sources), method_map, options_map, keywords=self.keywords
        ):
            found.add(message if isinstance(message, str) else tuple(message))
        return found


GETTEXT_KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
}
CATALOGS = [
    Catalogs(
        "mails",
        REPO_ROOT / "functions",
        REPO_ROOT / "functions" / "wod" / "locales",
        "messages",
        GETTEXT_KEYWORDS,
        compiled=True,
    ),
    Catalogs(
        "site",
        REPO_ROOT / "site",
        REPO_ROOT / "site" / "locales",
        "site",
        {"t": None, "nt": (1, 2)},  # assets/js/i18n.js
        compiled=False,  # read from the .po at build time (site/hooks/wod_site_i18n.py)
    ),
]


def language_catalogs() -> Iterator[tuple[Catalogs, str]]:
    for catalogs in CATALOGS:
        for language in TRANSLATED:
            yield catalogs, language


PAIRS = list(language_catalogs())
IDS = [f"{c.name}-{language}" for c, language in PAIRS]
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def key(message: Message) -> str | tuple[str, ...]:
    return message.id if isinstance(message.id, str) else tuple(message.id)


def test_every_supported_language_but_english_has_catalogs() -> None:
    assert TRANSLATED, "a second language is part of the product"
    for catalogs, language in PAIRS:
        assert catalogs.po(language).is_file(), f"{catalogs.name}: no catalog for {language}"


@pytest.mark.parametrize(("catalogs", "language"), PAIRS, ids=IDS)
def test_every_message_of_the_code_is_translated(catalogs: Catalogs, language: str) -> None:
    catalog = catalogs.read(language)
    translated = {
        key(message)
        for message in catalog
        if message.id
        and not message.fuzzy
        and all(message.string if isinstance(message.string, tuple) else (message.string,))
    }
    missing = sorted(map(str, catalogs.extracted() - translated))
    assert missing == [], (
        f"untranslated in {catalogs.po(language)} (run `make translations`, then translate): "
        f"{missing}"
    )


@pytest.mark.parametrize(("catalogs", "language"), PAIRS, ids=IDS)
def test_translations_keep_the_placeholders(catalogs: Catalogs, language: str) -> None:
    for message in catalogs.read(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(placeholders(i) for i in ids))
        for string in strings:
            assert placeholders(string) == expected, (message.id, string)


@pytest.mark.parametrize(
    ("catalogs", "language"), [(c, lang) for c, lang in PAIRS if c.compiled], ids=str
)
def test_the_compiled_catalog_is_the_one_of_its_po(catalogs: Catalogs, language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalogs.read(language))
    committed = catalogs.po(language).with_suffix(".mo")
    assert committed.is_file() and committed.read_bytes() == compiled.getvalue(), (
        f"{committed} is stale: run `make translations`"
    )
