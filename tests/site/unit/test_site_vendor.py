"""The ALTCHA widget is served from the site itself (no CDN): the committed copy under
`site/docs/assets/vendor/altcha/` is the npm package pinned in `infra/local/package.json`,
byte for byte, with its licence."""

from __future__ import annotations

import json

import pytest

from wod.settings import REPO_ROOT

VENDORED = REPO_ROOT / "site" / "docs" / "assets" / "vendor" / "altcha"
PACKAGE = REPO_ROOT / "infra" / "local" / "node_modules" / "altcha"


def test_the_widget_and_its_licence_are_committed() -> None:
    assert (VENDORED / "altcha.js").stat().st_size > 50_000
    assert "MIT" in (VENDORED / "LICENSE.txt").read_text(encoding="utf-8")
    pinned = json.loads((REPO_ROOT / "infra" / "local" / "package.json").read_text())
    assert pinned["dependencies"]["altcha"] == "2.3.0"  # protocol v1 (maxnumber) widgets


def test_the_committed_widget_is_the_pinned_package() -> None:
    if not PACKAGE.is_dir():
        pytest.skip("npm packages not installed (make node)")
    installed = json.loads((PACKAGE / "package.json").read_text())
    pinned = json.loads((REPO_ROOT / "infra" / "local" / "package.json").read_text())
    assert installed["version"] == pinned["dependencies"]["altcha"]
    assert (VENDORED / "altcha.js").read_bytes() == (PACKAGE / "dist" / "altcha.js").read_bytes()
    assert (VENDORED / "LICENSE.txt").read_bytes() == (PACKAGE / "LICENSE.txt").read_bytes()


def test_the_widget_is_imported_from_the_site() -> None:
    proof = (REPO_ROOT / "site" / "docs" / "assets" / "js" / "proof.js").read_text()
    assert 'const WIDGET = "../vendor/altcha/altcha.js";' in proof
