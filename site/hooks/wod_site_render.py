"""Pure functions that turn workshops and branding into the Markdown of the catalog's pages, with
the Jinja2 templates of site/templates.

No MkDocs here: `wod_site_hooks` (the MkDocs adapter) calls them, and so could another site
generator. Unit-tested in tests/site/unit. Text that comes from data files is HTML-escaped by the
templates, except the Markdown fields meant as Markdown (description, terms).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from wod_contracts.branding import Branding
from wod_contracts.catalog import Catalog
from wod_contracts.workshop import Level, Visibility, Workshop

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

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


@pass_eval_context
def _escape(context: EvalContext, value: Any) -> Any:
    """Every `{{ }}` of the HTML and Markdown templates goes through here: data is escaped as
    html.escape does (quotes as `&quot;` and `&#x27;`, as the pages always had them), markup is
    left as is. Templates without autoescaping (CSS) get the value unchanged."""
    if not context.autoescape or hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))  # noqa: S704 (escaped on this line)


def _spaceless(block: str) -> Markup:
    """Drops the whitespace between tags, so templates can be indented and pages stay compact."""
    compact = re.sub(r">\s+<", "><", escape(block).strip())  # markup already: left as is
    return Markup(compact)  # noqa: S704 (built from escaped markup)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The templates' environment: escaping on for HTML and the Markdown pages, off for CSS."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "md.j2"), default=False),
        finalize=_escape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["duration"] = format_duration
    env.filters["spaceless"] = _spaceless
    env.globals.update(
        level_labels=LEVEL_LABELS,
        kernel_labels=KERNEL_LABELS,
        seats_placeholder=SEATS_PLACEHOLDER,
    )
    return env


def render_card(workshop: Workshop) -> str:
    """One catalog card: title (link), summary, duration, level, kernel, live seats and tags."""
    return str(environment().get_template("card.html.j2").module.card(workshop))


def render_filters(data: FiltersData) -> str:
    """The level and tag filters: native selects, hidden until the catalog script runs."""
    module = environment().get_template("filters.html.j2").module
    return str(module.filters_form(data))


def render_catalog(workshops: Sequence[Workshop], branding: Branding) -> str:
    """The home page: an introduction, the filters and one card per listed workshop."""
    meta = {"title": "Workshop catalog", "hide": ["navigation", "toc"], "wod_page": "catalog"}
    body = (
        environment()
        .get_template("catalog.md.j2")
        .render(workshops=workshops, filters=filters_data(workshops), branding=branding)
    )
    return front_matter(meta) + body


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
    return front_matter(meta) + environment().get_template("workshop.md.j2").render(
        workshop=workshop
    )


def render_terms(branding: Branding) -> str:
    """The terms page: a statement that the time starts at registration, then the terms."""
    meta = {"title": "Terms of participation", "hide": ["navigation", "toc"], "wod_page": "terms"}
    return front_matter(meta) + environment().get_template("terms.md.j2").render(branding=branding)
