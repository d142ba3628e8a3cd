"""The Lambda runtime and architecture, read statically: template.yaml, the build
(functions/Makefile, functions/requirements.txt) and the guides say the same thing."""

from __future__ import annotations

import re
import subprocess

import pytest

from wod.domain.locales import LANGUAGES
from wod.settings import REPO_ROOT
from wod.templates import load_template, resources_of_type

RUNTIME = "python3.13"
ARCHITECTURE = "arm64"
WHEEL_PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
TEMPLATE = load_template()
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
# Where a reader learns what the functions run on.
GUIDES = ("docs/organizers.md", "infra/README.md", "functions/requirements.txt")


def test_every_function_runs_python313_on_arm64() -> None:
    globals_ = TEMPLATE["Globals"]["Function"]

    assert globals_["Runtime"] == RUNTIME
    assert globals_["Architectures"] == [ARCHITECTURE]
    for name, function in FUNCTIONS.items():
        overridden = {"Runtime", "Architectures"} & set(function["Properties"])
        assert not overridden, f"{name} overrides {overridden}"


def test_the_build_installs_wheels_for_that_runtime_and_architecture() -> None:
    """functions/Makefile reads the version from the template; its wheel platform must match."""
    database = subprocess.run(
        ["make", "-pn", "-f", str(REPO_ROOT / "functions" / "Makefile"), "deps"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    deps = re.search(r"^DEPS := (.+)$", database, re.MULTILINE)

    assert deps is not None
    version = RUNTIME.removeprefix("python")
    assert deps.group(1).endswith(f"/python{version}-{WHEEL_PLATFORMS[ARCHITECTURE]}")


@pytest.mark.parametrize("guide", GUIDES)
def test_the_guides_name_that_runtime_and_architecture(guide: str) -> None:
    text = (REPO_ROOT / guide).read_text(encoding="utf-8")

    named = re.findall(r"python3\.\d+", text)
    assert named, f"{guide} does not say which runtime the functions use"
    assert set(named) == {RUNTIME}, f"{guide} names {sorted(set(named))}"
    assert ARCHITECTURE in text


def test_the_build_keeps_babels_data_for_every_language_we_speak() -> None:
    """functions/Makefile prunes Babel's locale data to BABEL_LOCALES: a language added to
    LANGUAGES without it there would fail in Lambda only."""
    makefile = (REPO_ROOT / "functions" / "Makefile").read_text(encoding="utf-8")
    kept = re.search(r"^BABEL_LOCALES := (.+)$", makefile, re.MULTILINE)

    assert kept is not None
    assert set(kept.group(1).split()) == {"root", *LANGUAGES}
