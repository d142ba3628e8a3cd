"""Pure functions that turn workshops and branding into the Markdown of the catalog's pages.

Called by `wod_site_hooks.on_files`; unit-tested without MkDocs (tests/site/unit). Text that comes
from data files is HTML-escaped, except the Markdown fields meant as Markdown (description, terms).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import yaml

from wod_contracts.branding import Branding
from wod_contracts.catalog import Catalog
from wod_contracts.workshop import Level, Visibility, Workshop

LEVEL_LABELS = {
    Level.BEGINNER: "Beginner",
    Level.INTERMEDIATE: "Intermediate",
    Level.ADVANCED: "Advanced",
}
KERNEL_LABELS = {"python3": "Python 3", "bash": "Bash"}
SEATS_PLACEHOLDER = "checking…"  # replaced by assets/js/seats.js, or by "unavailable"


@dataclass(frozen=True)
class FiltersData:
    """The choices of the catalog's filters, in display order."""

    levels: tuple[Level, ...]
    tags: tuple[str, ...]


def workshop_path(workshop_id: str) -> str:
    """The Markdown source path of a workshop's page (served at `/workshops/<id>/`)."""
    return f"workshops/{workshop_id}.md"


def listed_workshops(catalog: Catalog) -> list[Workshop]:
    """The workshops on the home page: active and public, in title order."""
    return sorted(
        (w for w in catalog.workshops if w.active and w.visibility is Visibility.PUBLIC),
        key=lambda w: (w.title.casefold(), w.id),
    )


def page_workshops(catalog: Catalog) -> list[Workshop]:
    """The workshops that get a page: every active one, private ones included (reached by link)."""
    return [w for w in catalog.workshops if w.active]


def format_duration(minutes: int) -> str:
    """`90` → `1 h 30 min`; `120` → `2 h`; `45` → `45 min`."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest} min"


def front_matter(meta: dict[str, Any]) -> str:
    """A YAML front-matter block (safe for titles with colons or quotes)."""
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n"


def filters_data(workshops: Iterable[Workshop]) -> FiltersData:
    """The levels (in course order) and the tags (alphabetical) that the listed workshops use."""
    workshops = list(workshops)
    used = {w.level for w in workshops}
    tags = sorted({tag for w in workshops for tag in w.tags})
    return FiltersData(levels=tuple(level for level in Level if level in used), tags=tuple(tags))


def _facts(workshop: Workshop, id_prefix: str) -> str:
    rows = [
        (
            "Duration",
            f'<time datetime="PT{workshop.duration_minutes}M">'
            f"{format_duration(workshop.duration_minutes)}</time>",
        ),
        ("Level", LEVEL_LABELS[workshop.level]),
        ("Kernel", KERNEL_LABELS.get(workshop.kernel, workshop.kernel)),
        ("Seats", f'<span data-wod-seats id="{id_prefix}-seats">{SEATS_PLACEHOLDER}</span>'),
    ]
    items = "".join(
        f'<div class="wod-fact wod-fact--{label.lower()}"><dt>{label}</dt><dd>{value}</dd></div>'
        for label, value in rows
    )
    return f'<dl class="wod-facts">{items}</dl>'


def render_card(workshop: Workshop) -> str:
    """One catalog card: title (link), summary, duration, level, kernel, live seats and tags.

    The `data-*` attributes carry what the filters and the seat refresh need.
    """
    wid = escape(workshop.id)
    tags = "".join(f"<li>{escape(tag)}</li>" for tag in workshop.tags)
    tag_list = f'<ul class="wod-tags" aria-label="Tags">{tags}</ul>' if tags else ""
    return (
        f'<li class="wod-card" data-wod-workshop="{wid}" data-level="{workshop.level.value}" '
        f'data-tags="{escape("|".join(workshop.tags))}">'
        f'<article aria-labelledby="wod-card-{wid}">'
        f'<h2 class="wod-card__title" id="wod-card-{wid}">'
        f'<a href="workshops/{wid}/">{escape(workshop.title)}</a></h2>'
        f'<p class="wod-card__summary">{escape(workshop.summary)}</p>'
        f"{_facts(workshop, f'wod-card-{wid}')}{tag_list}"
        "</article></li>"
    )


def render_filters(data: FiltersData) -> str:
    """The level and tag filters: native selects (keyboard and screen-reader friendly).

    Hidden until the catalog script runs, so a page without JavaScript shows no dead controls.
    """
    levels = "".join(
        f'<option value="{level.value}">{LEVEL_LABELS[level]}</option>' for level in data.levels
    )
    tags = "".join(f'<option value="{escape(tag)}">{escape(tag)}</option>' for tag in data.tags)
    return (
        '<form class="wod-filters" data-wod-filters hidden aria-label="Filter the workshops">'
        '<div class="wod-filter"><label for="wod-filter-level">Level</label>'
        f'<select id="wod-filter-level" name="level"><option value="">All levels</option>{levels}'
        "</select></div>"
        '<div class="wod-filter"><label for="wod-filter-tag">Topic</label>'
        f'<select id="wod-filter-tag" name="tag"><option value="">All topics</option>{tags}'
        "</select></div>"
        '<button type="reset" class="md-button wod-filters__reset">Show all</button>'
        "</form>"
        '<p class="wod-filters__count" data-wod-count role="status" aria-live="polite"></p>'
    )


def render_catalog(workshops: Sequence[Workshop], branding: Branding) -> str:
    """The home page: an introduction, the filters and one card per listed workshop."""
    meta = {"title": "Workshop catalog", "hide": ["navigation", "toc"], "wod_page": "catalog"}
    intro = (
        f'<p class="wod-lead">Free, hands-on workshops from {escape(branding.name)}, run in '
        "Jupyter notebooks in your browser. Pick one, register, and you get your own notebook "
        "environment for the workshop's duration.</p>"
    )
    if not workshops:
        body = '<p class="wod-empty">No workshop is open for registration right now.</p>'
        return front_matter(meta) + intro + "\n\n" + body + "\n"
    cards = "\n".join(render_card(w) for w in workshops)
    return (
        front_matter(meta)
        + intro
        + "\n\n"
        + render_filters(filters_data(workshops))
        + "\n\n"
        + f'<ul class="wod-catalog" data-wod-catalog aria-label="Workshops">\n{cards}\n</ul>\n\n'
        + '<p class="wod-empty" data-wod-none hidden>No workshop matches these filters. '
        "Choose another level or topic, or show all workshops.</p>\n"
    )


def render_workshop_page(workshop: Workshop) -> str:
    """A workshop's page: facts, description, notebooks, presenter.

    The registration form is appended by the `workshop.html` template (a Jinja partial), which
    reads `wod_workshop` and `wod_duration` from the front matter.
    """
    meta: dict[str, Any] = {
        "title": workshop.title,
        "description": workshop.summary,
        "template": "workshop.html",
        "hide": ["navigation", "toc"],
        "wod_page": "workshop",
        "wod_workshop": workshop.id,
        "wod_duration": format_duration(workshop.duration_minutes),
    }
    if workshop.visibility is Visibility.PRIVATE:
        meta["wod_private"] = True
        meta["search"] = {"exclude": True}
    parts = [
        f'<p class="wod-lead">{escape(workshop.summary)}</p>',
        _facts(workshop, "wod-workshop"),
        # A shortcut to the form (at the end of the page, far down on a phone).
        '<p><a class="md-button md-button--primary" href="#wod-register">'
        "Register for this workshop</a></p>",
        "## About this workshop",
        workshop.description.strip(),
    ]
    if workshop.notebooks:
        items = "".join(
            f'<li><span class="wod-notebook__title">{escape(nb.title)}</span>'
            + (
                f'<span class="wod-notebook__covers">{escape(nb.covers)}</span>'
                if nb.covers
                else ""
            )
            + "</li>"
            for nb in workshop.notebooks
        )
        parts += ["## What the notebooks cover", f'<ol class="wod-notebooks">{items}</ol>']
    presenter = escape(workshop.presenter.name)
    if workshop.presenter.role:
        presenter += f", {escape(workshop.presenter.role)}"
    parts += ["## Presenter", f'<p class="wod-presenter">{presenter}</p>']
    return front_matter(meta) + "\n\n".join(parts) + "\n"


def render_terms(branding: Branding) -> str:
    """The terms page: a statement that the time starts at registration, then the terms."""
    meta = {"title": "Terms of participation", "hide": ["navigation", "toc"], "wod_page": "terms"}
    statement = (
        '!!! info "Your time starts when you register"\n'
        "    Each workshop lasts the duration shown on its page, counted from the moment you\n"
        "    submit the registration form, not from your first login.\n"
    )
    contact = ""
    if branding.support_email:
        email = escape(str(branding.support_email))
        contact = f'\n\nQuestions? Write to <a href="mailto:{email}">{email}</a>.\n'
    return front_matter(meta) + statement + "\n" + branding.terms.strip() + "\n" + contact
