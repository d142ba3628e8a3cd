"""infra/lambda_python.py: finds a working interpreter of the Lambda runtime for `sam build`,
skipping shims that do not run, and says what it tried when there is none."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from wod.settings import REPO_ROOT

SCRIPT = REPO_ROOT / "infra" / "lambda_python.py"
TEMPLATE = "Globals:\n  Function:\n    Runtime: python3.13\n"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lambda_python", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_python(directory: Path, exit_code: int) -> Path:
    """A `python3.13` that exits with `exit_code` (0: 'I am 3.13'; 127: an inactive pyenv shim)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "python3.13"
    path.write_text(f"#!/bin/sh\nexit {exit_code}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def run(
    tmp_path: Path, path: list[Path], pyenv_root: Path | None = None
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    env = {"PATH": ":".join(map(str, path)), "HOME": str(tmp_path / "home")}
    if pyenv_root is not None:
        env["PYENV_ROOT"] = str(pyenv_root)
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            str(tmp_path / "link"),
            "--template",
            str(tmp_path / "template.yaml"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def no_system_prefixes(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = load_script()
    monkeypatch.setattr(module, "PREFIXES", ())
    return module


def test_skips_a_shim_that_does_not_run_and_takes_the_next_on_path(tmp_path: Path) -> None:
    shim = fake_python(tmp_path / "shims", 127)
    real = fake_python(tmp_path / "bin", 0)

    result = run(tmp_path, [shim.parent, real.parent])

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "link" / "python3.13").resolve() == real.resolve()


def test_falls_back_to_pyenv_versions(tmp_path: Path) -> None:
    shim = fake_python(tmp_path / "shims", 127)
    installed = fake_python(tmp_path / "pyenv" / "versions" / "3.13.0" / "bin", 0)

    result = run(tmp_path, [shim.parent], pyenv_root=tmp_path / "pyenv")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "link" / "python3.13").resolve() == installed.resolve()


def test_without_a_working_interpreter_it_says_what_it_tried(
    tmp_path: Path, no_system_prefixes: ModuleType
) -> None:
    shim = fake_python(tmp_path / "shims", 127)
    environ = {"PATH": str(shim.parent), "HOME": str(tmp_path)}

    found, tried = no_system_prefixes.find("3.13", environ)

    assert found is None
    assert tried == [shim]


def test_reads_the_version_from_the_template(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE + "  Other:\n    Runtime: cloudfront-js-2.0\n", encoding="utf-8")

    assert load_script().runtime_version(template) == "3.13"
