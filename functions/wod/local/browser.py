"""How the tests and benchmarks start Debian's chromium with Playwright (which cannot download
a browser here). Without the background-networking flags chromium keeps dialing out of this
closed network."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("WOD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
