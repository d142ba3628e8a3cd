"""Branding colors to CSS variables, with readable contrasts."""

from __future__ import annotations

import pytest
from wod_site_theme import contrast, readable, render_branding_css, text_on

from wod_contracts.branding import Colors


def test_contrast_of_black_on_white_is_21() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)


@pytest.mark.parametrize(("background", "text"), [("#01a982", "#000000"), ("#1a237e", "#ffffff")])
def test_text_on_picks_the_more_readable_of_black_and_white(background: str, text: str) -> None:
    assert text_on(background) == text


def test_readable_keeps_good_colors_and_darkens_pale_ones() -> None:
    assert readable("#1a237e", "#ffffff") == "#1a237e"
    darker = readable("#01a982", "#ffffff")
    assert darker != "#01a982"
    assert contrast(darker, "#ffffff") >= 4.5


def test_css_maps_branding_onto_material_custom_palette() -> None:
    css = render_branding_css(
        Colors(primary="#7b2cbf", accent="#ff9f1c", background="#fffdf7", text="#222222")
    )

    assert "--md-primary-fg-color: #7b2cbf;" in css
    assert "--md-primary-bg-color: #ffffff;" in css
    assert "--md-accent-fg-color: #ff9f1c;" in css
    assert "--md-default-bg-color: #fffdf7;" in css
    assert "--md-default-fg-color: #222222;" in css
    assert '[data-md-color-primary="custom"]' in css
