"""Debian's Chromium driven by Playwright for the UI's browser tests; screenshots go to
test-artifacts/gradio_ui/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "gradio_ui"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"
)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium; calls go through Gradio's queue and gRPC, so allow for a busy
    2-core machine."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def shot(page: Page, name: str) -> None:
    """A full-page screenshot in the test artifacts."""
    page.wait_for_timeout(600)  # let Plotly finish drawing after a tab switch
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
