"""Cold-start cost of the Lambda functions: how long importing each handler takes, and how big each
deployment artifact is. Run: `.venv/bin/python bench/imports.py [--runs 9] [--functions DIR]`.

Each import runs in a fresh interpreter with the template's environment (tracing off), a median of
`--runs`: the wall time `python -X importtime` gives the handler module, the CPU time (user + sys)
of the whole process, and whether the X-Ray SDK got loaded.

1. The handlers in this virtualenv (bytecode cached, as after a first run).
2. The API function's artifact as Lambda loads it, if `make lambda-python` found the runtime's
   interpreter: an x86_64 twin of the arm64 artifact (same recipe, functions/Makefile), on
   `sys.path` alone, nothing written (/var/task is read-only): with the bytecode the artifact
   ships, and without it (how artifacts were built before they shipped bytecode).
   With `--instructions`, also the instructions each import executes (valgrind's callgrind, one
   run each, PYTHONHASHSEED=0): slow (~30 s a run) but independent of what else the machine does.
3. Sizes: `.aws-sam/build/<Function>` after `make template-check`, else the artifact that
   functions/Makefile builds (Lambda wheels of functions/requirements.txt plus the packages).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAMBDA_PYTHON_DIR = REPO / ".local" / "lambda-python"
TWIN = REPO / ".local" / "bench" / "ApiFunction-x86_64"
HANDLERS = ("api", "lifecycle", "sweep", "mail_events")
FUNCTIONS = ("ApiFunction", "LifecycleFunction", "SweepFunction", "MailEventsFunction")
SAM_BUILD = REPO / ".aws-sam" / "build"
# What template.yaml's Globals give every function, as far as importing is concerned.
LAMBDA_ENV = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "WorkshopsOnDemand",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
XRAY_CHECK = "import sys; sys.exit(3 if 'aws_xray_sdk' in sys.modules else 0)"


@dataclass(frozen=True)
class ImportRun:
    import_ms: float  # `-X importtime`: cumulative time of the module itself
    cpu_ms: float  # user + sys of the whole interpreter, start-up included
    xray: bool
    fastest_ms: float = 0.0  # the lowest `import_ms`: what a machine shared with others hides


def cells(figures: ImportRun) -> str:
    return (
        f"{figures.import_ms:6.0f} ms ({figures.fastest_ms:4.0f} fastest)"
        f"   {figures.cpu_ms:5.0f} ms CPU"
    )


def import_once(
    module: str, env: Mapping[str, str], python: Path | None = None, path: Path | None = None
) -> ImportRun:
    """One fresh interpreter importing `module`; with `path`, that directory alone (no site)."""
    command = [str(python or sys.executable), "-X", "importtime"]
    if path is None:
        command += ["-c", f"import {module}; {XRAY_CHECK}"]
    else:
        command += ["-S", "-c", f"import sys; sys.path.insert(0, {str(path)!r}); import {module}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        command,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 3):
        raise SystemExit(f"import {module} failed:\n{result.stderr[-2000:]}")
    cumulative = None
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() == module:
            cumulative = int(parts[1])
    if cumulative is None:
        raise SystemExit(f"no importtime line for {module}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return ImportRun(cumulative / 1000, cpu * 1000, result.returncode == 3)


def import_figures(
    module: str,
    env: Mapping[str, str],
    runs: int,
    python: Path | None = None,
    path: Path | None = None,
) -> ImportRun:
    samples = [import_once(module, env, python, path) for _ in range(runs)]
    return ImportRun(
        statistics.median(s.import_ms for s in samples),
        statistics.median(s.cpu_ms for s in samples),
        any(s.xray for s in samples),
        min(s.import_ms for s in samples),
    )


def instructions(
    module: str, env: Mapping[str, str], python: Path | None = None, path: Path | None = None
) -> int:
    """Instructions executed by a fresh interpreter importing `module` (callgrind's `Ir`)."""
    callgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    code = f"import {module}"
    if path is not None:
        code = f"import sys; sys.path.insert(0, {str(path)!r}); {code}"
    result = subprocess.run(
        [*callgrind, str(python or sys.executable), *(["-S"] if path else []), "-c", code],
        env={**env, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    collected = re.search(r"Collected : (\d+)", result.stderr)
    if collected is None:
        raise SystemExit(f"callgrind printed no count:\n{result.stderr[-2000:]}")
    return int(collected.group(1))


def tree_size(root: Path) -> tuple[int, int]:
    """(bytes on disk of the files, bytes of a deflate zip of them) under `root`."""
    files = [p for p in sorted(root.rglob("*")) if p.is_file()]
    raw = sum(p.stat().st_size for p in files)
    with tempfile.TemporaryFile() as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(root))
        zipped = handle.tell()
    return raw, zipped


def build_artifact(target: Path, platform: str | None = None) -> Path:
    """functions/Makefile's artifact of the API function (all four hold the same files)."""
    if target.exists():
        shutil.rmtree(target)
    command = ["make", "-s", "-f", str(REPO / "functions" / "Makefile"), "build-ApiFunction"]
    if platform:
        command.append(f"PLATFORM={platform}")
    subprocess.run(command, env={**os.environ, "ARTIFACTS_DIR": str(target)}, check=True)
    return target


def print_artifact_imports(env: Mapping[str, str], runs: int, count: bool) -> None:
    pythons = sorted(LAMBDA_PYTHON_DIR.glob("python3.*"))
    if not pythons:
        print("artifact: no runtime interpreter; run `make lambda-python` first")
        return
    python = pythons[0]
    twin = build_artifact(TWIN, "manylinux2014_x86_64")
    read_only = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    print(f"ApiFunction artifact as Lambda loads it ({python.name}, x86_64 twin, read-only):")
    with tempfile.TemporaryDirectory() as empty:
        modes = [
            ("with the bytecode it ships", read_only),
            ("compiled at import (no bytecode)", {**read_only, "PYTHONPYCACHEPREFIX": empty}),
        ]
        for label, mode_env in modes:
            figures = import_figures("wod.handlers.api", mode_env, runs, python, twin)
            executed = ""
            if count:
                executed_g = instructions("wod.handlers.api", mode_env, python, twin) / 1e9
                executed = f"   {executed_g:.2f} G instructions"
            print(f"  {label:<34} {cells(figures)}{executed}")


def artifact_sizes() -> list[tuple[str, int, int]]:
    """(label, raw, zipped) of each `sam build` artifact, or of the equivalent tree."""
    if SAM_BUILD.is_dir():
        return [
            (f".aws-sam/build/{name}", *tree_size(SAM_BUILD / name))
            for name in FUNCTIONS
            if (SAM_BUILD / name).is_dir()
        ]
    with tempfile.TemporaryDirectory() as scratch:
        artifact = build_artifact(Path(scratch) / "artifact")
        return [("functions/Makefile artifact (every function)", *tree_size(artifact))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh interpreters per figure")
    parser.add_argument(
        "--functions",
        type=Path,
        default=REPO / "functions",
        help="the tree holding wod/ and wod_contracts/ (e.g. another checkout, to compare)",
    )
    parser.add_argument("--no-artifacts", action="store_true", help="this virtualenv only")
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions (valgrind)"
    )
    args = parser.parse_args()

    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("POWERTOOLS_", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"))
    }
    lambda_env = {**base, **LAMBDA_ENV}
    env = {**lambda_env, "PYTHONPATH": str(args.functions.resolve())}
    traced = {**env, "POWERTOOLS_TRACE_DISABLED": "false"}
    print(
        f"import time of each handler (-X importtime, median of {args.runs} fresh interpreters), "
        f"{sys.implementation.cache_tag}, {os.cpu_count()} CPUs, code from {args.functions}"
    )
    for name in HANDLERS:  # writes the bytecode of the code under test, as a first run would
        import_once(f"wod.handlers.{name}", env)
    startup = import_figures("json", env, args.runs)
    print(f"  {'(interpreter start-up + json)':<34} {'':>24}   {startup.cpu_ms:5.0f} ms CPU")
    rows = [(f"wod.handlers.{name}", env) for name in HANDLERS]
    rows.append(("wod.handlers.api", traced))
    for module, module_env in rows:
        figures = import_figures(module, module_env, args.runs)
        label = module + (" (tracing on)" if module_env is traced else "")
        xray = "loaded" if figures.xray else "not loaded"
        print(f"  {label:<34} {cells(figures)}   X-Ray SDK {xray}")
    if args.instructions:
        print("instructions executed (callgrind, one run each):")
        for module, module_env in [("json", env), *rows]:
            label = module + (" (tracing on)" if module_env is traced else "")
            count = instructions(module, module_env)
            print(f"  {label:<34} {count / 1e9:6.2f} G")
    if not args.no_artifacts:
        print_artifact_imports(lambda_env, args.runs, args.instructions)
        print("artifacts (unzipped / zipped):")
        for label, raw, zipped in artifact_sizes():
            print(f"  {label:<46} {raw / 1e6:6.1f} MB / {zipped / 1e6:5.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
