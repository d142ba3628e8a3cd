"""The page scripts' translations: read from site/locales into the JSON every page carries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from wod_site_i18n import TranslationsError, page_translations, plural_categories

REPO = Path(__file__).resolve().parents[3]
LOCALES = REPO / "site" / "locales"


def test_french_is_read_with_its_plural_forms() -> None:
    french = page_translations(LOCALES, ["fr"])["fr"]
    assert french["plural"] == ["one", "many", "other"]
    assert french["messages"]["Start the workshop"] == "Commencer l’atelier"  # noqa: RUF001
    forms = french["messages"]["Please correct {n} field."]
    assert isinstance(forms, list) and len(forms) == 3 and "{n} champs" in forms[2]


def test_plural_categories_follow_babels_numbering() -> None:
    assert plural_categories("en") == ["one", "other"]
    assert plural_categories("fr") == ["one", "many", "other"]


def test_a_fuzzy_or_empty_translation_is_left_out(tmp_path: Path) -> None:
    catalog = tmp_path / "fr" / "LC_MESSAGES"
    catalog.mkdir(parents=True)
    (catalog / "site.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#, fuzzy\nmsgid "Keep working"\nmsgstr "Continuer"\n\n'
        'msgid "Language"\nmsgstr ""\n\n'
        'msgid "Email"\nmsgstr "E-mail"\n',
        encoding="utf-8",
    )
    assert page_translations(tmp_path, ["fr"])["fr"]["messages"] == {"Email": "E-mail"}


def test_a_missing_catalog_names_its_path(tmp_path: Path) -> None:
    with pytest.raises(TranslationsError, match=r"fr/LC_MESSAGES/site\.po"):
        page_translations(tmp_path, ["fr"])


def test_every_page_carries_the_translations(tmp_path: Path, build, sample_workshops: Path) -> None:
    result = build(tmp_path, {"WOD_WORKSHOPS_DIR": str(sample_workshops)})
    assert result.returncode == 0, result.stderr
    for page in ("index.html", "status/index.html", "badge/index.html"):
        html = (tmp_path / page).read_text(encoding="utf-8")
        found = re.search(r'<script type="application/json" id="wod-i18n">(.*?)</script>', html)
        assert found, page
        assert json.loads(found.group(1))["fr"]["messages"]["Language"] == "Langue"
