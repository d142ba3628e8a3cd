"""Loads the catalog (public workshops plus any private directories) into the workshops table.

Run at deploy time (`make deploy`) and by the local stack. Private workshop directories come
from `WOD_PRIVATE_WORKSHOPS` (os.pathsep-separated), so their content never enters this repo.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from wod.adapters.models import bind_tables
from wod.adapters.workshops import WorkshopStore
from wod.settings import REPO_ROOT, Settings, get_settings
from wod_contracts.catalog import Catalog, CatalogError, load_catalog

PRIVATE_ENV = "WOD_PRIVATE_WORKSHOPS"
# Demo-only workshops (a six-minute session): `make demo` merges them like a private directory.
DEMO_WORKSHOPS = REPO_ROOT / "infra" / "local" / "demo-workshops"


def catalog_roots(public: Path | None = None, private: str | None = None) -> list[Path]:
    roots = [public or REPO_ROOT / "workshops"]
    extra = private if private is not None else os.environ.get(PRIVATE_ENV, "")
    roots += [Path(p) for p in extra.split(os.pathsep) if p]
    return roots


def seed(catalog: Catalog, settings: Settings) -> None:
    bind_tables(settings)
    WorkshopStore().seed(catalog.workshops, datetime.now(UTC), catalog.badges())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workshops", type=Path, default=None, help="public workshops directory")
    parser.add_argument(
        "--private", default=None, help=f"private directories (default ${PRIVATE_ENV})"
    )
    args = parser.parse_args(argv)
    try:
        catalog = load_catalog(catalog_roots(args.workshops, args.private))
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 2
    seed(catalog, get_settings())
    print(f"seeded {len(catalog)} workshops")
    return 0


if __name__ == "__main__":
    sys.exit(main())
