"""The launched app: the login wall, and the gRPC client it is built with."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import httpx
import pytest

from gradio_ui.app import check_credentials, launch
from gradio_ui.settings import UiSettings
from tests.gradio_ui.logins import PASSWORD, USER, users


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(ui_settings: UiSettings) -> Iterator[str]:
    settings = UiSettings(
        server_address=ui_settings.server_address,
        port=free_port(),
        users=users(),
    )
    demo, client = launch(settings, prevent_thread_lock=True)
    yield f"http://127.0.0.1:{settings.port}"
    demo.close()
    client.close()


def test_credentials_are_checked_against_the_hashes() -> None:
    check = check_credentials(users(("anna", "password-1"), ("bob", "password-2")))

    def ok(user: str, password: str) -> bool:
        async def checked() -> bool:
            return await check(user, password)

        return asyncio.run(checked())

    assert ok("anna", "password-1")
    assert not ok("anna", "password-2")
    assert not ok("carl", "password-1")
    assert not ok("anna", "")


def test_anonymous_calls_are_refused(app_url: str) -> None:
    response = httpx.get(f"{app_url}/config", timeout=10)
    assert response.status_code == 401


def test_a_logged_in_advisor_gets_the_app(app_url: str) -> None:
    with httpx.Client(base_url=app_url, timeout=10) as session:
        refused = session.post("/login", data={"username": USER, "password": "wrong"})
        assert refused.status_code == 400
        login = session.post("/login", data={"username": USER, "password": PASSWORD})
        assert login.status_code == 200
        config = session.get("/config")
        assert config.status_code == 200
        assert config.json()["title"] == "Assistant de décision de crédit"
