"""Finds an interpreter of the Lambda runtime's Python (template.yaml: `Runtime: python3.X`) for
`sam build`, which wants `python3.X` on PATH even without Docker, and checks the code compiles
under it. Run by `make template-check` and `make deploy`:

    .venv/bin/python infra/lambda_python.py .local/lambda-python   # then PATH=that:$PATH sam build

Looks on PATH first (a pyenv shim of a version that is not active fails to run and is skipped),
then in pyenv's versions and the usual prefixes. Exit 1 with what it tried when none works.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNTIME = re.compile(r"^\s*Runtime:\s*python(\d+\.\d+)\s*$", re.MULTILINE)
PREFIXES = ("/usr/local/bin", "/usr/bin", "/opt/homebrew/bin")


def runtime_version(template: Path) -> str:
    """`3.13` for `Runtime: python3.13` (the Globals' runtime; every function uses it)."""
    versions = set(RUNTIME.findall(template.read_text(encoding="utf-8")))
    if len(versions) != 1:
        raise SystemExit(f"{template}: expected one python runtime, found {sorted(versions)}")
    return versions.pop()


def pyenv_roots(environ: Mapping[str, str]) -> list[Path]:
    home = Path(environ.get("HOME", "~")).expanduser()
    roots = [Path(environ["PYENV_ROOT"])] if environ.get("PYENV_ROOT") else []
    return [*roots, home / ".pyenv"]


def candidates(version: str, environ: Mapping[str, str]) -> Iterator[Path]:
    """Where a `python<version>` may be, in order of preference."""
    name = f"python{version}"
    for directory in environ.get("PATH", "").split(os.pathsep):
        if directory:
            yield Path(directory) / name
    for root in pyenv_roots(environ):
        # Any patch release of the runtime's version will do.
        yield from sorted(root.glob(f"versions/{version}*/bin/{name}"), reverse=True)
    for prefix in PREFIXES:
        yield Path(prefix) / name


def works(interpreter: Path, version: str) -> bool:
    """It runs, and it is that version (a pyenv shim of an inactive version exits 127)."""
    if not (interpreter.is_file() and os.access(interpreter, os.X_OK)):
        return False
    major, minor = version.split(".")
    check = f"import sys; sys.exit(sys.version_info[:2] != ({major}, {minor}))"
    try:
        result = subprocess.run(
            [str(interpreter), "-c", check], capture_output=True, timeout=30, check=False
        )
    except OSError:
        return False
    return result.returncode == 0


def find(version: str, environ: Mapping[str, str]) -> tuple[Path | None, list[Path]]:
    """(the first working interpreter or None, every place looked at)."""
    tried: list[Path] = []
    for interpreter in candidates(version, environ):
        if interpreter in tried:
            continue
        tried.append(interpreter)
        if works(interpreter, version):
            return interpreter, tried
    return None, tried


def compiles(interpreter: Path, roots: list[Path]) -> str:
    """Compiles every module under `roots` with `interpreter`, warnings as errors; '' if clean."""
    check = (
        "import pathlib, sys\n"
        "for root in sys.argv[1:]:\n"
        "    for path in sorted(pathlib.Path(root).rglob('*.py')):\n"
        "        compile(path.read_bytes(), str(path), 'exec')\n"
    )
    result = subprocess.run(
        [str(interpreter), "-W", "error", "-c", check, *map(str, roots)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return "" if result.returncode == 0 else result.stderr.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("link_dir", type=Path, help="directory to hold the python3.X link")
    parser.add_argument("--template", type=Path, default=REPO / "template.yaml")
    args = parser.parse_args(argv)

    version = runtime_version(args.template)
    interpreter, tried = find(version, os.environ)
    if interpreter is None:
        pyenv = [f"{root}/versions/{version}*/bin/" for root in pyenv_roots(os.environ)]
        looked = "\n  ".join([*map(str, tried), *pyenv])
        print(
            f"No working python{version} found; `sam build` needs one on PATH for the Lambda "
            f"runtime python{version} of {args.template.name}.\nLooked at:\n  {looked}\n"
            f"Install it (`pyenv install {version}`, `uv python install {version}`, or your "
            f"distribution's python{version}) and run this again.",
            file=sys.stderr,
        )
        return 1
    problem = compiles(
        interpreter, [REPO / "functions" / "wod", REPO / "functions" / "wod_contracts"]
    )
    if problem:
        print(f"The functions do not compile under {interpreter}:\n{problem}", file=sys.stderr)
        return 1
    args.link_dir.mkdir(parents=True, exist_ok=True)
    link = args.link_dir / f"python{version}"
    link.unlink(missing_ok=True)
    link.symlink_to(interpreter.resolve())
    print(f"python{version} for sam build: {interpreter}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
