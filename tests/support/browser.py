"""Debian's chromium driven by Playwright (which cannot download a browser here)."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("WOD_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags chromium keeps dialing out of this closed network.
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
