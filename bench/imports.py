"""Cold-start cost of the Lambda functions: how long importing each handler takes, and how big each
deployment artifact is. Run: `.venv/bin/python bench/imports.py [--runs 9] [--functions DIR]`.

Each import runs in a fresh interpreter with the template's environment (tracing off), a median of
`--runs`: the wall time `python -X importtime` gives the handler module, the CPU time (user + sys)
of the whole process, and whether the X-Ray SDK got loaded. Artifacts: `.aws-sam/build/<Function>`
after `make template-check`, else the Lambda wheels of functions/requirements.txt (built by
`functions/Makefile deps`) plus the packages, as `sam build` would copy them.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
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


def import_once(module: str, env: Mapping[str, str]) -> ImportRun:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}; {XRAY_CHECK}"],
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


def import_figures(module: str, env: Mapping[str, str], runs: int) -> ImportRun:
    samples = [import_once(module, env) for _ in range(runs)]
    return ImportRun(
        statistics.median(s.import_ms for s in samples),
        statistics.median(s.cpu_ms for s in samples),
        any(s.xray for s in samples),
    )


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


def artifact_sizes() -> list[tuple[str, int, int]]:
    """(label, raw, zipped) of each `sam build` artifact, or of the equivalent tree."""
    if SAM_BUILD.is_dir():
        return [
            (f".aws-sam/build/{name}", *tree_size(SAM_BUILD / name))
            for name in FUNCTIONS
            if (SAM_BUILD / name).is_dir()
        ]
    with tempfile.TemporaryDirectory() as scratch:
        # The same recipe as sam build: functions/Makefile's rule, into a scratch directory.
        subprocess.run(
            ["make", "-s", "-f", str(REPO / "functions" / "Makefile"), "build-ApiFunction"],
            env={**os.environ, "ARTIFACTS_DIR": scratch},
            check=True,
        )
        return [("functions/Makefile artifact (every function)", *tree_size(Path(scratch)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh interpreters per figure")
    parser.add_argument(
        "--functions",
        type=Path,
        default=REPO / "functions",
        help="the tree holding wod/ and wod_contracts/ (e.g. another checkout, to compare)",
    )
    parser.add_argument("--no-artifacts", action="store_true", help="import times only")
    args = parser.parse_args()

    base = {key: value for key, value in os.environ.items() if not key.startswith("POWERTOOLS_")}
    env = {**base, **LAMBDA_ENV, "PYTHONPATH": str(args.functions.resolve())}
    traced = {**env, "POWERTOOLS_TRACE_DISABLED": "false"}
    print(
        f"imports: median of {args.runs} fresh interpreters, {sys.implementation.cache_tag}, "
        f"{os.cpu_count()} CPUs, code from {args.functions}"
    )
    startup = import_figures("json", env, args.runs)
    print(f"  {'(bare interpreter + json)':<34} {'':>14} {startup.cpu_ms:8.0f} ms CPU")
    rows = [(f"wod.handlers.{name}", env) for name in HANDLERS]
    rows.append(("wod.handlers.api", traced))
    for module, module_env in rows:
        figures = import_figures(module, module_env, args.runs)
        label = module + (" (tracing on)" if module_env is traced else "")
        print(
            f"  {label:<34} {figures.import_ms:8.0f} ms    {figures.cpu_ms:8.0f} ms CPU"
            f"   X-Ray SDK {'loaded' if figures.xray else 'not loaded'}"
        )
    if not args.no_artifacts:
        print("artifacts (unzipped / zipped):")
        for label, raw, zipped in artifact_sizes():
            print(f"  {label:<46} {raw / 1e6:6.1f} MB / {zipped / 1e6:5.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
