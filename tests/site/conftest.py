"""Helpers of the site tests: hook modules on sys.path, workshop builders, mkdocs builds."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "site"
HOOKS = SITE / "hooks"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MKDOCS = Path(sys.executable).with_name("mkdocs")

if str(HOOKS) not in sys.path:
    sys.path.insert(0, str(HOOKS))


def workshop_data(workshop_id: str = "demo-101", **overrides: Any) -> dict[str, Any]:
    """A valid workshop.yml mapping; override any field."""
    data: dict[str, Any] = {
        "id": workshop_id,
        "title": "Demo 101",
        "summary": "A short demo workshop.",
        "description": "A *longer* description.\n\nWith two paragraphs.",
        "duration_minutes": 90,
        "students": {"first": 1, "last": 10},
        "kernel": "python3",
        "tags": ["demo", "python"],
        "level": "beginner",
        "presenter": {"name": "Grace Demo", "role": "Trainer"},
        "backend": "tests",
    }
    data.update(overrides)
    return data


def write_workshop(root: Path, data: Mapping[str, Any]) -> Path:
    """Write `<root>/<id>/workshop.yml` (plus empty notebooks it lists); returns its directory."""
    directory = root / str(data["id"])
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "workshop.yml").write_text(yaml.safe_dump(dict(data)), encoding="utf-8")
    for notebook in data.get("notebooks", []):
        (directory / notebook["file"]).write_text("{}", encoding="utf-8")
    return directory


def mkdocs_build(
    site_dir: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of site/ into `site_dir`, with extra environment variables."""
    full_env = {key: value for key, value in os.environ.items() if not key.startswith("WOD_")}
    full_env["NO_MKDOCS_2_WARNING"] = "1"
    full_env.update(env or {})
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "-f", str(SITE / "mkdocs.yml"), "-d", str(site_dir)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="session")
def build() -> Callable[..., subprocess.CompletedProcess[str]]:
    return mkdocs_build


@pytest.fixture
def new_workshop() -> Callable[..., dict[str, Any]]:
    """A valid workshop.yml mapping builder: `new_workshop("id", title=...)`."""
    return workshop_data


@pytest.fixture
def save_workshop() -> Callable[[Path, Mapping[str, Any]], Path]:
    return write_workshop


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def sample_workshops(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A public catalog of two workshops (tests do not depend on the repository's catalog)."""
    root = tmp_path_factory.mktemp("sample-workshops")
    write_workshop(
        root,
        workshop_data(
            "python-101",
            title="Python 101",
            notebooks=[
                {"file": "1-Values.ipynb", "title": "Values and variables", "covers": "Numbers"}
            ],
        ),
    )
    write_workshop(
        root,
        workshop_data(
            "git-101",
            title="Git 101",
            kernel="bash",
            tags=["git"],
            level="intermediate",
            students={"first": 11, "last": 20},
        ),
    )
    return root
