"""Where a build reads branding and workshops from (environment variables)."""

from __future__ import annotations

import os
from pathlib import Path

from wod_site_config import site_sources


def test_defaults_are_the_repository_files() -> None:
    sources = site_sources({}, Path("/repo"))

    assert sources.branding_file == Path("/repo/branding.yml")
    assert sources.public_root == Path("/repo/workshops")
    assert sources.private_roots == ()
    assert sources.site_url is None


def test_environment_selects_branding_public_and_private_roots() -> None:
    env = {
        "WOD_BRANDING_FILE": "/etc/acme/branding.yml",
        "WOD_WORKSHOPS_DIR": "other/workshops",
        "WOD_PRIVATE_WORKSHOPS": os.pathsep.join(["/srv/private-a", "", " /srv/private-b "]),
        "WOD_SITE_URL": "http://127.0.0.1:9999/",
    }

    sources = site_sources(env, Path("/repo"))

    assert sources.branding_file == Path("/etc/acme/branding.yml")
    assert sources.public_root == Path("/repo/other/workshops")
    assert sources.private_roots == (Path("/srv/private-a"), Path("/srv/private-b"))
    assert sources.roots[0] == Path("/repo/other/workshops")
    assert sources.site_url == "http://127.0.0.1:9999/"
