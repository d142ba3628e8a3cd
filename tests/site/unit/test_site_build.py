"""Real `mkdocs build --strict` runs: configuration, private workshops, rebranding, errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError

REPO = Path(__file__).resolve().parents[3]
SITE = REPO / "site"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def default_site(tmp_path_factory: pytest.TempPathFactory, build, sample_workshops: Path) -> Path:
    out = tmp_path_factory.mktemp("default-site")
    result = build(out, {"WOD_WORKSHOPS_DIR": str(sample_workshops)})
    assert result.returncode == 0, result.stderr
    return out


def test_default_build_has_catalog_terms_status_and_a_page_per_workshop(default_site: Path) -> None:
    home = read(default_site / "index.html")

    for workshop_id in ("python-101", "git-101"):
        assert f'data-wod-workshop="{workshop_id}"' in home
        assert (default_site / "workshops" / workshop_id / "index.html").is_file()
    assert "Python 101" in home
    assert (default_site / "terms" / "index.html").is_file()
    assert (default_site / "status" / "index.html").is_file()
    assert '<meta name="wod-api-url" content="/api/">' in home
    assert "fonts.googleapis.com" not in home  # offline build


def test_workshop_page_has_the_registration_form_linking_the_terms(default_site: Path) -> None:
    page = read(default_site / "workshops" / "python-101" / "index.html")

    assert 'data-wod-register="python-101"' in page
    for name in ("email", "first_name", "last_name", "company", "accept_terms"):
        assert f'<label for="wod-{name}">' in page
        assert f'aria-describedby="wod-{name}-error"' in page
    assert 'href="../../terms/"' in page
    assert 'role="alert"' in page
    assert "Values and variables" in page  # what a notebook covers
    assert "Numbers" in page


def test_the_repository_catalog_builds(tmp_path: Path, build) -> None:
    result = build(tmp_path)

    assert result.returncode == 0, result.stderr
    assert 'data-wod-workshop="python-101"' in read(tmp_path / "index.html")


def test_api_url_comes_from_the_environment(tmp_path: Path, build, sample_workshops: Path) -> None:
    env = {
        "WOD_API_URL": "https://api.example.test/v1/",
        "WOD_WORKSHOPS_DIR": str(sample_workshops),
    }
    result = build(tmp_path, env)

    assert result.returncode == 0, result.stderr
    assert '<meta name="wod-api-url" content="https://api.example.test/v1/">' in read(
        tmp_path / "index.html"
    )


def test_private_workshops_get_a_page_but_no_card(
    tmp_path: Path, build, new_workshop, save_workshop, sample_workshops: Path
) -> None:
    private_root = tmp_path / "private"
    save_workshop(
        private_root,
        new_workshop(
            "secret-201",
            title="Secret",
            visibility="private",
            students={"first": 101, "last": 110},
        ),
    )
    with_private, without = tmp_path / "with", tmp_path / "without"

    public = {"WOD_WORKSHOPS_DIR": str(sample_workshops)}
    result = build(with_private, {**public, "WOD_PRIVATE_WORKSHOPS": str(private_root)})
    assert result.returncode == 0, result.stderr
    assert build(without, public).returncode == 0

    page = with_private / "workshops" / "secret-201" / "index.html"
    assert page.is_file()
    assert 'data-wod-register="secret-201"' in read(page)
    assert '<meta name="robots" content="noindex, nofollow">' in read(page)
    assert "secret-201" not in read(with_private / "index.html")
    assert "secret-201" not in read(with_private / "sitemap.xml")
    assert not (without / "workshops" / "secret-201").exists()


def test_several_private_directories_are_joined_with_pathsep(
    tmp_path: Path, build, new_workshop, save_workshop, sample_workshops: Path
) -> None:
    save_workshop(
        tmp_path / "a",
        new_workshop("alpha-1", visibility="private", students={"first": 101, "last": 110}),
    )
    save_workshop(
        tmp_path / "b",
        new_workshop("beta-1", visibility="private", students={"first": 150, "last": 160}),
    )

    result = build(
        tmp_path / "out",
        {
            "WOD_WORKSHOPS_DIR": str(sample_workshops),
            "WOD_PRIVATE_WORKSHOPS": os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]),
        },
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "workshops" / "alpha-1" / "index.html").is_file()
    assert (tmp_path / "out" / "workshops" / "beta-1" / "index.html").is_file()


def test_a_second_branding_file_rebrands_the_site_without_code_change(
    tmp_path: Path, build, fixtures_dir: Path, default_site: Path, sample_workshops: Path
) -> None:
    env = {
        "WOD_BRANDING_FILE": str(fixtures_dir / "branding-acme.yml"),
        "WOD_WORKSHOPS_DIR": str(sample_workshops),
    }
    result = build(tmp_path, env)

    assert result.returncode == 0, result.stderr
    home = read(tmp_path / "index.html")
    assert "ACME Labs on Demand" in home
    assert "ACME Learning Guild" in home
    assert "Workshops-on-Demand" not in home
    assert "--md-primary-fg-color: #7b2cbf;" in read(tmp_path / "assets/brand/branding.css")
    assert read(tmp_path / "assets/brand/logo.svg") == read(fixtures_dir / "acme-logo.svg")
    assert "ACME-TERMS-MARKER" in read(tmp_path / "terms" / "index.html")
    assert "https://labs.acme.example.net/" in read(tmp_path / "sitemap.xml")
    # and the default build carries none of it
    assert "ACME" not in read(default_site / "index.html")
    assert "#7b2cbf" not in read(default_site / "assets/brand/branding.css")


def test_bad_workshop_fails_the_build_naming_file_and_field(
    tmp_path: Path, build, new_workshop, save_workshop
) -> None:
    directory = save_workshop(tmp_path / "public", new_workshop("bad-1", duration_minutes=1))

    result = build(tmp_path / "out", {"WOD_WORKSHOPS_DIR": str(tmp_path / "public")})

    assert result.returncode != 0
    assert str(directory / "workshop.yml") in result.stderr
    assert "duration_minutes" in result.stderr


def test_bad_workshop_raises_plugin_error_in_the_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new_workshop, save_workshop
) -> None:
    import wod_site_hooks

    save_workshop(tmp_path, new_workshop("bad-1", level="expert"))
    monkeypatch.setenv("WOD_WORKSHOPS_DIR", str(tmp_path))
    config = load_config(config_file=str(SITE / "mkdocs.yml"))

    with pytest.raises(PluginError, match=r"bad-1/workshop\.yml:\d+: level"):
        wod_site_hooks.on_config(config)


def test_missing_logo_is_a_plugin_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixtures_dir: Path, sample_workshops: Path
) -> None:
    import wod_site_hooks

    branding = tmp_path / "branding.yml"
    branding.write_text(
        read(fixtures_dir / "branding-acme.yml").replace("acme-logo.svg", "nope.svg"),
        encoding="utf-8",
    )
    monkeypatch.setenv("WOD_BRANDING_FILE", str(branding))
    monkeypatch.setenv("WOD_WORKSHOPS_DIR", str(sample_workshops))
    config = load_config(config_file=str(SITE / "mkdocs.yml"))

    with pytest.raises(PluginError, match=r"logo: nope\.svg is missing"):
        wod_site_hooks.on_config(config)
