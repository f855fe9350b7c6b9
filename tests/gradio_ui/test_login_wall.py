"""The login wall over HTTP: failed logins lock the user name and the client address, even
against the right password; sessions expire; every page carries the login script."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gradio_ui.guard import LOGIN_PAGE_SCRIPT
from gradio_ui.settings import LockoutPolicy, SessionPolicy, UiSettings
from tests.gradio_ui.logins import PASSWORD, USER, FakeClock, running_app, users

LOCKED_FR = (
    "Trop d'échecs de connexion : la connexion est bloquée pendant 15 min, même avec le bon mot "
    "de passe. Réessayez plus tard ou contactez votre administrateur."
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(down_address: str, clock: FakeClock) -> Iterator[httpx.Client]:
    # The scoring server plays no part in logging in.
    settings = UiSettings(
        server_address=down_address,
        users=users((USER, PASSWORD), ("bob", "bob-password")),
        lockout=LockoutPolicy(max_failures_per_user=3, max_failures_per_address=5),
        sessions=SessionPolicy(lifetime_seconds=8 * 3600, idle_seconds=30 * 60),
    )
    with running_app(settings, clock) as url, httpx.Client(base_url=url, timeout=20) as client:
        yield client


def _is_login_page(page: httpx.Response) -> bool:
    return '"auth_required":true' in page.text.replace(" ", "")


def _login(app: httpx.Client, password: str, user: str = USER) -> httpx.Response:
    return app.post("/login", data={"username": user, "password": password})


def test_the_failure_that_reaches_the_limit_locks_the_login_in_the_apps_language(
    app: httpx.Client,
) -> None:
    assert [_login(app, "wrong").status_code for _ in range(2)] == [400, 400]
    locked = _login(app, "wrong")
    assert locked.status_code == 429
    assert locked.json() == {"detail": LOCKED_FR}
    assert locked.headers["retry-after"] == "900"


def test_a_locked_login_is_refused_even_with_the_right_password(app: httpx.Client) -> None:
    for _ in range(3):
        _login(app, "wrong")
    refused = _login(app, PASSWORD)
    assert refused.status_code == 429
    assert not any(name.startswith("access-token") for name in app.cookies)
    assert app.get("/config").status_code == 401


def test_the_lock_ends_after_the_lock_time(app: httpx.Client, clock: FakeClock) -> None:
    for _ in range(3):
        _login(app, "wrong")
    clock.advance(14 * 60)
    assert _login(app, PASSWORD).status_code == 429
    clock.advance(60)
    assert _login(app, PASSWORD).status_code == 200
    assert app.get("/config").status_code == 200


def test_failures_on_several_names_lock_the_client_address(app: httpx.Client) -> None:
    for user in ("carl", "dora", "eve", "fred"):
        assert _login(app, "wrong", user).status_code == 400
    assert _login(app, "wrong", "gus").status_code == 429
    assert _login(app, "bob-password", "bob").status_code == 429


def test_an_idle_session_expires_and_the_page_becomes_the_login_page(
    app: httpx.Client, clock: FakeClock
) -> None:
    assert _login(app, PASSWORD).status_code == 200
    clock.advance(29 * 60)
    assert app.get("/config").status_code == 200
    clock.advance(60)
    assert app.get("/config").status_code == 401
    assert _is_login_page(app.get("/"))
    # Logging in again opens a new session.
    assert _login(app, PASSWORD).status_code == 200
    assert app.get("/config").status_code == 200


def test_a_session_expires_after_its_lifetime_however_active(
    app: httpx.Client, clock: FakeClock
) -> None:
    assert _login(app, PASSWORD).status_code == 200
    navigate = {"sec-fetch-mode": "navigate"}
    for _ in range(8 * 3 - 1):
        clock.advance(20 * 60)
        assert not _is_login_page(app.get("/", headers=navigate))
    clock.advance(20 * 60)
    assert _is_login_page(app.get("/", headers=navigate))


def test_a_forged_session_cookie_is_ignored(app: httpx.Client) -> None:
    assert _login(app, PASSWORD).status_code == 200
    forged = {name: "forged-token" for name in app.cookies}
    assert httpx.get(app.base_url.join("/config"), cookies=forged).status_code == 401


def test_pages_carry_the_login_script_before_gradios_own(app: httpx.Client) -> None:
    page = app.get("/").text
    assert LOGIN_PAGE_SCRIPT in page
    assert page.index(LOGIN_PAGE_SCRIPT) < page.index("<script>window.gradio_config")
