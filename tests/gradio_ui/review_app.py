"""The app of the issue-13 browser tests: the real test server behind a server that can hold
answers back, the app without login in English, and helpers to drive it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from playwright.sync_api import Browser, Locator, Page, expect

from gradio_ui.app import launch
from gradio_ui.settings import UiSettings
from tests.gradio_ui.browser import TIMEOUT_MS
from tests.gradio_ui.logins import free_port
from tests.gradio_ui.slow_server import SlowDown, slow_server

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class ReviewApp:
    """A running app, its address and the delays of its server."""

    url: str
    slow_down: SlowDown


@contextmanager
def review_app(settings: UiSettings, **changes: object) -> Iterator[ReviewApp]:
    """The app of `settings` (no login, English unless `changes` say otherwise) talking to
    the test server through a server whose answers the test can delay."""
    slow_down = SlowDown()
    with slow_server(settings.server_address, slow_down) as address:
        changes = {"language": "en", **changes}
        app_settings = dataclasses.replace(
            settings,
            server_address=address,
            host="127.0.0.1",
            port=free_port(),
            users=(),
            auth_disabled=True,
            **changes,  # type: ignore[arg-type]
        )
        demo, client = launch(app_settings, prevent_thread_lock=True)
        try:
            yield ReviewApp(f"http://127.0.0.1:{app_settings.port}", slow_down)
        finally:
            demo.close()
            client.close()


def new_page(browser: Browser, url: str, viewport: dict[str, int] = DESKTOP) -> Page:
    """A page on the app, once Gradio has loaded it."""
    page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    expect(page.locator("#client-id")).to_be_visible()
    return page


def search(page: Page, text: str = "") -> None:
    """Searches by id prefix (everything when empty) and waits for the results."""
    page.locator("#client-id textarea, #client-id input").first.fill(text)
    page.locator("#search-button").click()
    expect(page.locator("#results [role=gridcell]").first).to_be_visible()


def result_row(page: Page, client_id: int) -> Locator:
    """A cell of the client's row in the results (not the id's own cell: once selected, it
    holds Gradio's cell-menu button, which changes its accessible name)."""
    row = page.locator("#results [role=row]", has_text=re.compile(rf"^\s*{client_id}\b"))
    return row.first.locator("[role=gridcell]").nth(1)


def open_client(page: Page, client_id: int) -> None:
    """Finds the client by id and opens the file."""
    search(page, str(client_id))
    result_row(page, client_id).click()
    expect(page.locator("#decision-badge")).to_contain_text(f"Client {client_id}")


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
