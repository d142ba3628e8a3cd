"""The pure render functions of the catalog site (no MkDocs, no network)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from wod_site_render import (
    filters_data,
    format_duration,
    listed_workshops,
    page_workshops,
    render_card,
    render_catalog,
    render_filters,
    render_terms,
    render_workshop_page,
    workshop_path,
)

from wod_contracts.branding import load_branding
from wod_contracts.catalog import Catalog, CatalogEntry
from wod_contracts.workshop import Level, Workshop

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def make(new_workshop: Callable[..., dict[str, Any]]) -> Callable[..., Workshop]:
    def make(workshop_id: str = "demo-101", **overrides: Any) -> Workshop:
        return Workshop.model_validate(new_workshop(workshop_id, **overrides))

    return make


def split_front_matter(markdown: str) -> tuple[dict[str, Any], str]:
    _, meta, body = markdown.split("---\n", 2)
    return yaml.safe_load(meta), body


@pytest.mark.parametrize(
    ("minutes", "text"), [(45, "45 min"), (60, "1 h"), (90, "1 h 30 min"), (120, "2 h")]
)
def test_format_duration(minutes: int, text: str) -> None:
    assert format_duration(minutes) == text


def test_card_shows_title_link_summary_duration_level_kernel_and_seat_slot(make) -> None:
    card = render_card(make(kernel="bash", level="intermediate", duration_minutes=90))

    assert 'data-wod-workshop="demo-101"' in card
    assert 'data-level="intermediate"' in card
    assert 'data-tags="demo|python"' in card
    assert '<a href="workshops/demo-101/">Demo 101</a>' in card
    assert "A short demo workshop." in card
    assert "1 h 30 min" in card
    assert "Intermediate" in card
    assert "Bash" in card
    assert "data-wod-seats" in card
    assert "<li>demo</li><li>python</li>" in card


def test_card_escapes_html_from_the_data_files(make) -> None:
    card = render_card(make(title="<script>x</script> & co", summary='Say "hi" <b>'))

    assert "<script>" not in card
    assert "&lt;script&gt;x&lt;/script&gt; &amp; co" in card
    assert "Say &quot;hi&quot; &lt;b&gt;" in card


def test_filters_data_lists_used_levels_in_course_order_and_sorted_tags(make) -> None:
    workshops = [
        make("a-1", level="advanced", tags=["zeta", "git"]),
        make("b-1", level="beginner", tags=["git"], students={"first": 11, "last": 12}),
    ]

    data = filters_data(workshops)

    assert data.levels == (Level.BEGINNER, Level.ADVANCED)
    assert data.tags == ("git", "zeta")


def test_filters_are_labelled_selects_hidden_until_the_script_runs(make) -> None:
    html = render_filters(filters_data([make(tags=["git"])]))

    assert '<label for="wod-filter-level">' in html
    assert '<select id="wod-filter-level" name="level">' in html
    assert '<label for="wod-filter-tag">' in html
    assert '<option value="git">git</option>' in html
    assert "data-wod-filters hidden" in html
    assert 'aria-live="polite"' in html


def test_catalog_lists_public_active_workshops_only(make) -> None:
    public = make("public-1")
    private = make("private-1", visibility="private", students={"first": 11, "last": 12})
    inactive = make("old-1", active=False, students={"first": 13, "last": 14})
    catalog = Catalog(tuple(CatalogEntry(w, Path(w.id)) for w in (public, private, inactive)))
    branding = load_branding(REPO / "branding.yml")

    listed = listed_workshops(catalog)
    meta, body = split_front_matter(render_catalog(listed, branding))

    assert [w.id for w in listed] == ["public-1"]
    assert [w.id for w in page_workshops(catalog)] == ["public-1", "private-1"]
    assert meta["title"] == "Workshop catalog"
    assert 'data-wod-workshop="public-1"' in body
    assert "private-1" not in body
    assert "old-1" not in body
    assert branding.name in body


def test_empty_catalog_says_so() -> None:
    branding = load_branding(REPO / "branding.yml")

    _, body = split_front_matter(render_catalog([], branding))

    assert "No workshop is open" in body
    assert "data-wod-filters" not in body


def test_workshop_page_has_description_notebooks_presenter_and_form_metadata(make) -> None:
    workshop = make(
        title="Demo: the sequel",
        notebooks=[
            {"file": "1-Intro.ipynb", "title": "Intro", "covers": "Cells & kernels"},
            {"file": "2-More.ipynb", "title": "More"},
        ],
    )

    meta, body = split_front_matter(render_workshop_page(workshop))

    assert workshop_path(workshop.id) == "workshops/demo-101.md"
    assert meta["title"] == "Demo: the sequel"
    assert meta["template"] == "workshop.html"
    assert meta["wod_workshop"] == "demo-101"
    assert meta["wod_duration"] == "1 h 30 min"
    assert "wod_private" not in meta
    assert "A *longer* description." in body  # Markdown, rendered by MkDocs
    assert "## What the notebooks cover" in body
    assert "Cells &amp; kernels" in body
    assert "Grace Demo, Trainer" in body
    assert "data-wod-seats" in body


def test_private_workshop_page_is_marked_for_noindex_and_search_exclusion(make) -> None:
    meta, _ = split_front_matter(render_workshop_page(make(visibility="private")))

    assert meta["wod_private"] is True
    assert meta["search"] == {"exclude": True}


def test_workshop_page_without_notebooks_skips_the_section(make) -> None:
    _, body = split_front_matter(render_workshop_page(make()))

    assert "What the notebooks cover" not in body


def test_terms_state_that_time_starts_at_registration_then_branding_terms() -> None:
    branding = load_branding(REPO / "branding.yml")

    meta, body = split_front_matter(render_terms(branding))

    assert meta["title"] == "Terms of participation"
    assert "Your time starts when you register" in body
    assert branding.terms.strip() in body
    assert f"mailto:{branding.support_email}" in body
