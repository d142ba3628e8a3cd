"""MkDocs hooks of the catalog site: read branding.yml and the workshop trees, generate the pages.

Listed under `hooks:` in site/mkdocs.yml. The rendering lives in the pure modules `wod_site_render`
and `wod_site_theme` (Jinja2 templates of site/templates); this module is the only one that knows
MkDocs, so another site generator needs a new adapter, not new renderers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from wod_site_config import SiteSources, site_sources
from wod_site_i18n import TranslationsError, page_translations
from wod_site_render import (
    TEMPLATES,
    listed_workshops,
    page_workshops,
    render_catalog,
    render_terms,
    render_workshop_page,
    workshop_path,
)
from wod_site_theme import render_branding_css

from wod.domain.locales import DEFAULT_LANGUAGE, LANGUAGES
from wod_contracts.branding import Branding, load_branding
from wod_contracts.catalog import Catalog, CatalogError, load_catalog

BRAND_DIR = "assets/brand"
BRANDING_CSS = f"{BRAND_DIR}/branding.css"
SOCIAL_ICONS = {
    "website": "material/web",
    "linkedin": "fontawesome/brands/linkedin",
    "github": "fontawesome/brands/github",
    "x": "fontawesome/brands/x-twitter",
    "youtube": "fontawesome/brands/youtube",
}


@dataclass(frozen=True)
class SiteData:
    """What one build read: kept between `on_config` and `on_files`."""

    sources: SiteSources
    branding: Branding
    catalog: Catalog
    logo: Path | None


_data: SiteData | None = None


def _load(config: MkDocsConfig) -> SiteData:
    repo_root = Path(config.config_file_path).resolve().parent.parent
    sources = site_sources(os.environ, repo_root)
    try:
        branding = load_branding(sources.branding_file)
        catalog = load_catalog(sources.roots)
    except CatalogError as exc:
        raise PluginError(str(exc)) from exc
    logo = None
    if branding.logo:
        logo = (sources.branding_file.parent / branding.logo).resolve()
        if not logo.is_file():
            raise PluginError(f"{sources.branding_file}: logo: {branding.logo} is missing")
    return SiteData(sources, branding, catalog, logo)


def social_links(branding: Branding) -> list[dict[str, str]]:
    """The footer links of mkdocs-material (`extra.social`) from branding.yml's `social`."""
    links = branding.social.model_dump(exclude_none=True)
    return [
        {
            "icon": SOCIAL_ICONS.get(name, "material/link"),
            "link": str(url),
            "name": name.capitalize(),
        }
        for name, url in links.items()
    ]


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Apply branding: site name and URL, copyright, logo, social links, colors stylesheet."""
    global _data
    _data = data = _load(config)
    branding = data.branding
    config.site_name = branding.product_name
    config.site_url = data.sources.site_url or str(branding.site_url)
    config.copyright = f"© {branding.name}"
    config.extra["social"] = social_links(branding)
    if data.logo is not None:
        logo_uri = f"{BRAND_DIR}/logo{data.logo.suffix}"
        config.theme["logo"] = logo_uri
        config.theme["favicon"] = logo_uri
    if BRANDING_CSS not in config.extra_css:
        config.extra_css.insert(0, BRANDING_CSS)
    # The page scripts' translations, into every page (overrides/main.html): English is the
    # scripts' own text, so only the other languages ship.
    locales = Path(config.config_file_path).resolve().parent / "locales"
    try:
        config.extra["wod_i18n"] = page_translations(
            locales, [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
        )
    except TranslationsError as exc:
        raise PluginError(str(exc)) from exc
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Generate the catalog, terms and workshop pages, and the branding assets."""
    if _data is None:  # pragma: no cover - MkDocs always calls on_config first
        raise PluginError("wod_site_hooks: on_config did not run")
    branding, catalog = _data.branding, _data.catalog
    pages: dict[str, str] = {
        "index.md": render_catalog(listed_workshops(catalog), branding),
        "terms.md": render_terms(branding),
        BRANDING_CSS: render_branding_css(branding.colors),
    }
    for workshop in page_workshops(catalog):
        pages[workshop_path(workshop.id)] = render_workshop_page(workshop)
    for src_uri, content in pages.items():
        if files.get_file_from_path(src_uri) is not None:
            raise PluginError(f"{src_uri} is generated from the catalog: remove it from docs/")
        files.append(File.generated(config, src_uri, content=content))
    if _data.logo is not None:
        files.append(
            File.generated(
                config, f"{BRAND_DIR}/logo{_data.logo.suffix}", abs_src_path=str(_data.logo)
            )
        )
    return files


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    """Rebuild on `mkdocs serve` when branding.yml, a workshop or a page template changes."""
    if _data is not None:
        for path in (*_data.sources.watched, TEMPLATES):
            if path.exists():
                server.watch(str(path))
    return server
