"""Where the site reads its data from: the branding file and the public and private workshop roots.

Called once per build by `wod_site_hooks.on_config`; pure (takes the environment as a mapping).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BRANDING_ENV = "WOD_BRANDING_FILE"
WORKSHOPS_ENV = "WOD_WORKSHOPS_DIR"
PRIVATE_ENV = "WOD_PRIVATE_WORKSHOPS"
SITE_URL_ENV = "WOD_SITE_URL"  # the same override the API's settings read


@dataclass(frozen=True)
class SiteSources:
    """The files one build reads."""

    branding_file: Path
    public_root: Path
    private_roots: tuple[Path, ...]
    site_url: str | None = None  # overrides branding.site_url (e.g. a local gateway)

    @property
    def roots(self) -> tuple[Path, ...]:
        """Public root first, then the private ones (the order `load_catalog` expects)."""
        return (self.public_root, *self.private_roots)

    @property
    def watched(self) -> tuple[Path, ...]:
        """What `mkdocs serve` should watch to rebuild."""
        return (self.branding_file, *self.roots)


def site_sources(environ: Mapping[str, str], repo_root: Path) -> SiteSources:
    """Read `WOD_BRANDING_FILE`, `WOD_WORKSHOPS_DIR`, `WOD_PRIVATE_WORKSHOPS` (os.pathsep list)
    and `WOD_SITE_URL`.

    Relative paths are taken from the repository root, so a build gives the same site from any
    working directory.
    """

    def resolve(value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else repo_root / path

    branding = environ.get(BRANDING_ENV) or "branding.yml"
    public = environ.get(WORKSHOPS_ENV) or "workshops"
    private = [part for part in environ.get(PRIVATE_ENV, "").split(os.pathsep) if part.strip()]
    return SiteSources(
        branding_file=resolve(branding),
        public_root=resolve(public),
        private_roots=tuple(resolve(part.strip()) for part in private),
        site_url=environ.get(SITE_URL_ENV) or None,
    )
