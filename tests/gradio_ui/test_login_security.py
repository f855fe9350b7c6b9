"""Login security in Debian's Chromium: wrong passwords lock the login (the page says so in
the app's language, and the right password is refused too) until the lock time has passed;
an expired session goes back to the login page; the app calls the server as the advisor;
a users file with plain-text passwords stops the app at start. Time is an injected clock."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from gradio_ui.settings import LockoutPolicy, ServerCredentials, SessionPolicy, UiSettings
from gradio_ui.texts import t
from tests.gradio_ui.browser import TIMEOUT_MS, needs_chromium, shot
from tests.gradio_ui.fake_server import FakeModelServer, serve_fake
from tests.gradio_ui.logins import PASSWORD, USER, FakeClock, running_app, users

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCKED_FR = "Trop d'échecs de connexion : la connexion est bloquée pendant 15 min"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(ui_settings: UiSettings) -> UiSettings:
    """French by default, as deployed: 3 failures lock for 15 min, 30 min idle sessions."""
    return dataclasses.replace(
        ui_settings,
        language="fr",
        users=users(),
        lockout=LockoutPolicy(max_failures_per_user=3, max_failures_per_address=10),
        sessions=SessionPolicy(lifetime_seconds=8 * 3600, idle_seconds=30 * 60),
    )


@pytest.fixture
def app_url(settings: UiSettings, clock: FakeClock) -> Iterator[str]:
    with running_app(settings, clock) as url:
        yield url


def _login_page(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    return page


def _try(page: Page, password: str) -> int:
    """Submits the (French) login form; the status of Gradio's /login answer."""
    page.get_by_label("nom d'utilisateur").fill(USER)
    page.get_by_label("mot de passe").fill(password)
    with page.expect_response(lambda r: r.url.rstrip("/").endswith("/login")) as answer:
        page.get_by_role("button", name="Connexion").click()
    return answer.value.status


def _expect_app(page: Page) -> None:
    expect(page.locator("#client-id")).to_be_visible()


def _expect_login_page(page: Page) -> None:
    expect(page.get_by_role("button", name="Connexion")).to_be_visible()
    expect(page.locator("#client-id")).to_have_count(0)


def _lock(page: Page) -> None:
    assert [_try(page, "wrong-password") for _ in range(3)] == [400, 400, 429]


@pytest.mark.slow
@needs_chromium
def test_wrong_passwords_lock_the_login_and_the_page_says_so_in_french(
    browser: Browser, app_url: str
) -> None:
    page = _login_page(browser, app_url)
    _lock(page)
    message = page.locator("#cs-login-message")
    expect(message).to_contain_text(LOCKED_FR)
    shot(page, "20_login_locked")

    # The right password is refused too while the lock lasts.
    assert _try(page, PASSWORD) == 429
    _expect_login_page(page)
    expect(message).to_contain_text(LOCKED_FR)
    shot(page, "21_login_locked_right_password")
    page.close()


@pytest.mark.slow
@needs_chromium
def test_the_login_page_of_a_french_app_is_in_french(browser: Browser, app_url: str) -> None:
    page = _login_page(browser, app_url)
    expect(page.get_by_role("button", name="Connexion")).to_be_visible()
    expect(page.get_by_label("nom d'utilisateur")).to_be_visible()
    expect(page.get_by_label("mot de passe")).to_be_visible()
    expect(page.locator("body")).to_contain_text(t("fr", "app.title"))
    assert page.evaluate("document.documentElement.lang") == "fr"
    text = page.locator("body").inner_text()
    assert "Login" not in text and "username" not in text.lower()
    shot(page, "25_login_fr")
    page.close()


@pytest.mark.slow
@needs_chromium
def test_the_login_page_follows_the_language_of_the_address(
    browser: Browser, settings: UiSettings, clock: FakeClock
) -> None:
    english = dataclasses.replace(settings, language="en")
    with running_app(english, clock) as url:
        page = _login_page(browser, url)
        expect(page.get_by_role("button", name="Login")).to_be_visible()
        expect(page.locator("body")).to_contain_text(t("en", "app.title"))
        assert page.evaluate("document.documentElement.lang") == "en"
        page.goto(f"{url}/?lang=fr")
        expect(page.get_by_role("button", name="Connexion")).to_be_visible()
        expect(page.locator("body")).to_contain_text(t("fr", "app.title"))
        expect(page.locator("body")).not_to_contain_text(t("en", "app.title"))
        assert page.evaluate("document.documentElement.lang") == "fr"
        shot(page, "26_login_fr_from_address")
        # A lock met on that page is said in French too.
        _lock(page)
        expect(page.locator("#cs-login-message")).to_contain_text(LOCKED_FR)
        page.close()


@pytest.mark.slow
@needs_chromium
def test_the_login_is_unlocked_once_the_lock_time_has_passed(
    browser: Browser, app_url: str, clock: FakeClock
) -> None:
    page = _login_page(browser, app_url)
    _lock(page)
    expect(page.locator("#cs-login-message")).to_be_visible()
    clock.advance(15 * 60)
    assert _try(page, PASSWORD) == 200
    _expect_app(page)
    shot(page, "22_login_unlocked")
    page.close()


@pytest.mark.slow
@needs_chromium
def test_an_expired_session_shows_the_login_page_at_the_next_load(
    browser: Browser, app_url: str, clock: FakeClock
) -> None:
    page = _login_page(browser, app_url)
    _try(page, PASSWORD)
    _expect_app(page)
    clock.advance(31 * 60)
    page.reload()
    _expect_login_page(page)
    shot(page, "23_session_expired_reload")
    page.close()


@pytest.mark.slow
@needs_chromium
def test_an_expired_session_shows_the_login_page_at_the_next_action(
    browser: Browser, app_url: str, clock: FakeClock
) -> None:
    page = _login_page(browser, app_url)
    _try(page, PASSWORD)
    _expect_app(page)
    # An advisor at work, then away past the session's end.
    page.locator("#search-button").click()
    expect(page.locator("#results [role=gridcell]").first).to_be_visible()
    clock.advance(8 * 3600)
    page.locator("#search-button").click()
    _expect_login_page(page)
    shot(page, "24_session_expired_action")
    # Logging in again opens a new session.
    _try(page, PASSWORD)
    _expect_app(page)
    page.close()


@pytest.mark.slow
@needs_chromium
def test_the_app_calls_the_server_with_its_token_in_the_name_of_the_advisor(
    browser: Browser, settings: UiSettings, clock: FakeClock
) -> None:
    servicer = FakeModelServer()
    server, port = serve_fake(servicer)
    recording = dataclasses.replace(
        settings,
        server_address=f"127.0.0.1:{port}",
        server_credentials=ServerCredentials(token="web-app-token"),
    )
    try:
        with running_app(recording, clock) as url:
            page = _login_page(browser, url)
            _try(page, PASSWORD)
            _expect_app(page)
            # The page load asks for the model card, for the advisor.
            for _ in range(TIMEOUT_MS // 100):
                if servicer.metadata:
                    break
                page.wait_for_timeout(100)
            page.close()
    finally:
        server.stop(None)
    assert servicer.metadata
    for sent in servicer.metadata:
        assert sent["authorization"] == "Bearer web-app-token"
        assert sent["x-advisor-name"] == USER


def test_a_users_file_with_a_plain_text_password_stops_the_app_at_start(tmp_path: Path) -> None:
    users_file = tmp_path / "users.txt"
    users_file.write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CREDITSCORE_UI_")}
    result = subprocess.run(
        [sys.executable, "-m", "gradio_ui", "--server", "127.0.0.1:1", "--auth-file", users_file],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {users_file}, line 1: the password of 'advisor' is not an argon2id hash; store "
        "hashes only, made with: python -m gradio_ui.passwords hash advisor"
    ]
    assert PASSWORD not in result.stderr + result.stdout
