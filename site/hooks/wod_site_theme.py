"""Branding colors turned into the CSS variables of mkdocs-material, with readable contrasts.

Called by `wod_site_hooks.on_files` to generate `assets/brand/branding.css` from
site/templates/branding.css.j2; pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from wod_site_render import environment

from wod_contracts.branding import Colors

BLACK = "#000000"
WHITE = "#ffffff"
AA_TEXT = 4.5  # WCAG 2.x AA contrast for body text


def _channels(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: Iterable[float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(color: str) -> float:
    """Relative luminance (WCAG 2.x) of a `#rrggbb` color."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two colors (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever reads better on `background`."""
    return BLACK if contrast(BLACK, background) >= contrast(WHITE, background) else WHITE


def readable(color: str, background: str, ratio: float = AA_TEXT) -> str:
    """`color`, moved towards black or white until it reaches `ratio` on `background`."""
    if contrast(color, background) >= ratio:
        return color
    target = _channels(text_on(background))
    base = _channels(color)
    for step in range(1, 21):
        t = step / 20
        candidate = _hex(c + (d - c) * t for c, d in zip(base, target, strict=True))
        if contrast(candidate, background) >= ratio:
            return candidate
    return text_on(background)


def render_branding_css(colors: Colors) -> str:
    """The stylesheet that maps branding colors onto mkdocs-material's `custom` palette."""
    link = readable(colors.primary, colors.background)
    return (
        environment()
        .get_template("branding.css.j2")
        .render(
            primary=colors.primary,
            on_primary=text_on(colors.primary),
            accent=colors.accent,
            on_accent=text_on(colors.accent),
            accent_readable=readable(colors.accent, colors.background),
            link=link,
            background=colors.background,
            text=colors.text,
        )
    )
