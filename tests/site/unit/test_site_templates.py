"""The page templates (site/templates): data escaped where HTML is produced, Markdown meant as
Markdown left alone, and renderers that do not need MkDocs (only the hook module does)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wod_site_render import TEMPLATES, render_catalog, render_terms, render_workshop_page
from wod_site_theme import render_branding_css

from wod_contracts.branding import Colors, load_branding
from wod_contracts.workshop import Workshop

REPO = Path(__file__).resolve().parents[3]


def test_workshop_page_escapes_data_and_keeps_the_description_as_markdown(
    new_workshop: Callable[..., dict[str, Any]],
) -> None:
    workshop = Workshop.model_validate(
        new_workshop(
            summary="Fish & <chips>",
            description="Some *Markdown* with <kbd>Ctrl</kbd>",
            presenter={"name": "Ada <Lovelace>", "role": "O'Brien & co"},
            notebooks=[{"file": "1-A.ipynb", "title": "<A>", "covers": 'The "B"'}],
        )
    )

    page = render_workshop_page(workshop)

    assert '<p class="wod-lead">Fish &amp; &lt;chips&gt;</p>' in page
    assert "Some *Markdown* with <kbd>Ctrl</kbd>" in page
    assert "Ada &lt;Lovelace&gt;, O&#x27;Brien &amp; co" in page
    assert '<span class="wod-notebook__title">&lt;A&gt;</span>' in page
    assert "The &quot;B&quot;" in page


def test_catalog_escapes_the_organization_name_and_terms_stay_markdown() -> None:
    branding = load_branding(REPO / "branding.yml").model_copy(
        update={"name": "R&D <Labs>", "terms": "1. *Be kind* <br>\n"}
    )

    catalog = render_catalog([], branding)
    terms = render_terms(branding)

    assert "workshops from R&amp;D &lt;Labs&gt;, run in" in catalog
    assert "1. *Be kind* <br>\n" in terms


def test_stylesheet_is_not_html_escaped() -> None:
    css = render_branding_css(
        Colors(primary="#7b2cbf", accent="#ff9f1c", background="#fffdf7", text="#222222")
    )

    assert '[data-md-color-scheme="default"]' in css
    assert "&" not in css


def test_the_renderers_import_no_mkdocs() -> None:
    """Only wod_site_hooks knows MkDocs: another generator would replace that one adapter."""
    probe = (
        "import sys; import wod_site_render, wod_site_theme; "
        "sys.exit(any(name.split('.')[0] == 'mkdocs' for name in sys.modules))"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=TEMPLATES.parent / "hooks",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr or "the renderers imported mkdocs"
