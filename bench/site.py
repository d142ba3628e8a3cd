"""Benchmark of the catalog site: build time of a generated 100-workshop catalog, and the size of
what its home page loads (HTML + CSS + JS, raw and gzip). Run: `.venv/bin/python bench/site.py`.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import yaml

from wod.local.browser import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parents[1]
MKDOCS_YML = REPO / "site" / "mkdocs.yml"
TAGS = ["python", "git", "data", "ml", "cloud", "api", "security", "tools", "bash", "devops"]
LEVELS = ["beginner", "intermediate", "advanced"]


def generate_catalog(root: Path, count: int, seed: int = 7) -> None:
    """Write `count` valid workshop.yml files under `root` (distinct ids and student ranges)."""
    rng = random.Random(seed)
    for i in range(count):
        workshop_id = f"bench-{i:03d}"
        data = {
            "id": workshop_id,
            "title": f"Benchmark workshop {i:03d}",
            "summary": "A generated workshop to measure the catalog: " + "lorem ipsum " * 8,
            "description": "Generated.\n\n" + "A paragraph of description. " * 20,
            "duration_minutes": rng.choice([60, 90, 120, 180]),
            "students": {"first": i * 20 + 1, "last": i * 20 + 20},
            "kernel": rng.choice(["python3", "bash"]),
            "tags": rng.sample(TAGS, 3),
            "level": LEVELS[i % 3],
            "presenter": {"name": f"Presenter {i}", "role": "Trainer"},
        }
        (root / workshop_id).mkdir(parents=True)
        (root / workshop_id / "workshop.yml").write_text(yaml.safe_dump(data), encoding="utf-8")


def build(workshops: Path, out: Path) -> tuple[float, float]:
    """One `mkdocs build --strict`: (wall seconds of the process, seconds mkdocs reports)."""
    env = {**os.environ, "WOD_WORKSHOPS_DIR": str(workshops), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("WOD_PRIVATE_WORKSHOPS", None)
    mkdocs = str(Path(sys.executable).with_name("mkdocs"))
    started = time.perf_counter()
    result = subprocess.run(
        [mkdocs, "build", "--strict", "-f", str(MKDOCS_YML), "-d", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if result.returncode:
        sys.exit(f"build failed:\n{result.stderr}")
    reported = re.search(r"Documentation built in ([\d.]+) seconds", result.stderr)
    return wall, float(reported.group(1)) if reported else float("nan")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def loaded_files(site: Path) -> list[Path]:
    """The files the home page requests in a real browser (API calls excluded)."""
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    seen: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.on("requestfinished", lambda request: seen.append(request.url))
            page.goto(base, wait_until="load")
            # The catalog module has run once the seats left "checking…" (the API is absent
            # here, so they turn "unavailable"); then let the remaining requests settle.
            page.wait_for_function(
                "document.querySelector('[data-wod-seats]')?.textContent !== 'checking…'"
            )
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.shutdown()
    files = []
    for url in seen:
        path = urlparse(url).path
        if path.startswith("/api/"):
            continue
        file = site / path.lstrip("/")
        if file.is_dir():
            file = file / "index.html"
        if file.is_file() and file not in files:
            files.append(file)
    return files


def size_report(site: Path, files: list[Path]) -> None:
    kinds = {".html": "HTML", ".css": "CSS", ".js": "JS"}
    totals: dict[str, list[int]] = {}
    print(f"{'file':58} {'raw':>9} {'gzip':>9}")
    for file in files:
        raw = file.read_bytes()
        packed = len(gzip.compress(raw, compresslevel=6))
        kind = kinds.get(file.suffix, "other")
        total = totals.setdefault(kind, [0, 0])
        total[0] += len(raw)
        total[1] += packed
        print(f"{file.relative_to(site)!s:58} {len(raw):9,d} {packed:9,d}")
    code = [sum(totals.get(k, [0, 0])[i] for k in ("HTML", "CSS", "JS")) for i in (0, 1)]
    for kind, (raw_total, gz_total) in sorted(totals.items()):
        print(f"  {kind:6} raw {raw_total / 1024:8.1f} KiB   gzip {gz_total / 1024:8.1f} KiB")
    print(f"  HTML+CSS+JS raw {code[0] / 1024:.1f} KiB, gzip {code[1] / 1024:.1f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workshops", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wod-site-bench-") as tmp:
        root = Path(tmp)
        generate_catalog(root / "workshops", args.workshops)
        runs = [build(root / "workshops", root / f"out-{i}") for i in range(args.runs)]
        walls = [wall for wall, _ in runs]
        reported = [seconds for _, seconds in runs]
        site = root / "out-0"
        pages = len(list(site.rglob("index.html")))
        print(f"catalog of {args.workshops} workshops, {pages} pages, {args.runs} builds")
        print(
            f"  mkdocs build --strict: wall median {statistics.median(walls):.2f} s "
            f"(min {min(walls):.2f}), mkdocs-reported median {statistics.median(reported):.2f} s"
        )
        home = (site / "index.html").read_bytes()
        print(f"  home page HTML: {len(home):,d} B raw, {len(gzip.compress(home)):,d} B gzip")
        if Path(CHROMIUM).exists():
            print("what the home page loads in chromium:")
            size_report(site, loaded_files(site))
        else:
            print("chromium missing: skipping the transferred-size figures")


if __name__ == "__main__":
    main()
