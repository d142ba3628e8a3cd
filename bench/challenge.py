"""Benchmark of the registration's proof of work (ALTCHA v1): how long the site's widget takes to
solve a challenge in headless Chromium at a difficulty (the default unless told), and what the
API pays to check and spend a solution. Run: `.venv/bin/python bench/challenge.py`.

The widget is the one the site serves (site/docs/assets/vendor/altcha), on a page of its own
served over HTTP from 127.0.0.1 (a secure context: Web Crypto), fed challenges made by the API's
own service. Targets (issue #10): median solve <= 1 s, check <= 1 ms per request.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from wod.local.browser import CHROMIUM, CHROMIUM_ARGS
from wod.local.proof import solution_for
from wod.services.challenges import Challenges, challenge_key
from wod.settings import Settings

REPO = Path(__file__).resolve().parents[1]
WIDGET = REPO / "site" / "docs" / "assets" / "vendor" / "altcha" / "altcha.js"
PAGE = """<!DOCTYPE html><meta charset="utf-8"><title>ALTCHA bench</title>
<script type="module" src="altcha.js"></script>
<form><altcha-widget auto="off" hidefooter hidelogo></altcha-widget></form>"""
# Solves one challenge with the widget as the site uses it; resolves to milliseconds.
SOLVE = """async (challenge) => {
  await customElements.whenDefined("altcha-widget");
  const widget = document.querySelector("altcha-widget");
  widget.reset();
  widget.challengejson = JSON.stringify(challenge);
  const start = performance.now();
  const done = new Promise((resolve, reject) => {
    const on = (e) => {
      if (e.detail.state === "verified") { widget.removeEventListener("statechange", on);
        resolve(performance.now() - start); }
      if (e.detail.state === "error") reject(new Error("widget error"));
    };
    widget.addEventListener("statechange", on);
  });
  widget.verify();
  return done;
}"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Once:
    """The one-time guard, in memory (the bench measures the check, not DynamoDB)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def use_once(self, guard_id: str, expires_at: datetime) -> bool:
        fresh = guard_id not in self.seen
        self.seen.add(guard_id)
        return fresh


def service(max_number: int) -> Challenges:
    return Challenges(
        key=challenge_key(b"bench-token-key"),
        once=Once(),
        clock=lambda: datetime.now(UTC),
        max_number=max_number,
        lifetime_seconds=600,
    )


def browser_solves(max_number: int, runs: int) -> list[float]:
    challenges = service(max_number)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "altcha.js").write_bytes(WIDGET.read_bytes())
        (root / "index.html").write_text(PAGE, encoding="utf-8")
        handler = partial(QuietHandler, directory=str(root))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{server.server_port}/index.html")
                page.evaluate(SOLVE, challenge_json(challenges))  # warm-up: workers, JIT
                times = [page.evaluate(SOLVE, challenge_json(challenges)) for _ in range(runs)]
                cores = page.evaluate("navigator.hardwareConcurrency")
                browser.close()
        finally:
            server.shutdown()
    print(f"  browser cores (navigator.hardwareConcurrency): {cores}")
    return [t / 1000 for t in times]


def challenge_json(challenges: Challenges) -> dict[str, object]:
    issued = asdict(challenges.issue())
    issued.pop("expires_at")
    return issued


def check_costs(max_number: int, runs: int) -> tuple[float, float]:
    """Seconds per check (decode, expiry, SHA-256 + HMAC) and per solve in Python."""
    challenges = service(max_number)
    issued = [asdict(challenges.issue()) for _ in range(runs)]
    start = time.perf_counter()
    payloads = [solution_for(c) for c in issued]
    solve = (time.perf_counter() - start) / runs
    start = time.perf_counter()
    for payload in payloads:
        challenges.check(payload)
    return (time.perf_counter() - start) / runs, solve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--max-number", type=int, default=Settings.model_fields["altcha_max_number"].default
    )
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"ALTCHA v1, SHA-256, maxnumber {args.max_number} ({args.runs} challenges)")
    times = browser_solves(args.max_number, args.runs)
    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10, method="inclusive")[-1]
    print(
        f"  headless Chromium solve: median {median:.3f} s, p90 {p90:.3f} s, "
        f"max {max(times):.3f} s "
        f"(target median <= 1 s: {'ok' if median <= 1 else 'MISSED'})"
    )
    check, solve = check_costs(args.max_number, 200)
    print(
        f"  API check per request: {check * 1e6:.0f} us (target <= 1 ms: "
        f"{'ok' if check <= 0.001 else 'MISSED'}); a Python client solves in {solve:.3f} s"
    )
    print(json.dumps({"max_number": args.max_number, "median_s": median, "check_us": check * 1e6}))


if __name__ == "__main__":
    main()
