"""Settings from flags and CREDITSCORE_UI_* variables; the app refuses to start without logins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gradio_ui.settings import SettingsError, UiSettings, parse_settings, parse_users

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_users_come_from_the_environment() -> None:
    settings = parse_settings(
        ["--server", "localhost:50051"], {"CREDITSCORE_UI_USERS": "anna:pw1, bob:p:w2"}
    )
    assert settings.users == (("anna", "pw1"), ("bob", "p:w2"))
    assert settings.server_address == "localhost:50051"
    assert settings.port == 7860


def test_users_come_from_an_auth_file(tmp_path: Path) -> None:
    auth = tmp_path / "users.txt"
    auth.write_text("# advisors\nanna:pw1\n\ncarl:pw3  # branch 2\n", encoding="utf-8")
    settings = parse_settings(["--server", "h:1", "--auth-file", str(auth)], {})
    assert settings.users == (("anna", "pw1"), ("carl", "pw3"))


def test_flags_win_over_the_environment() -> None:
    environ = {"CREDITSCORE_UI_SERVER": "a:1", "CREDITSCORE_UI_PORT": "9000"}
    settings = parse_settings(["--server", "b:2", "--port", "9100", "--no-auth"], environ)
    assert (settings.server_address, settings.port, settings.auth_disabled) == ("b:2", 9100, True)
    assert parse_settings(["--no-auth"], environ).port == 9000


def test_grey_zone_and_language_are_configurable() -> None:
    environ = {"CREDITSCORE_UI_GREY_ZONE_POINTS": "3.5", "CREDITSCORE_UI_LANGUAGE": "en"}
    settings = parse_settings(["--server", "h:1", "--no-auth"], environ)
    assert settings.grey_zone_points == 3.5
    assert settings.language == "en"


def test_no_credentials_is_refused_unless_no_auth() -> None:
    with pytest.raises(SettingsError, match="no login configured"):
        parse_settings(["--server", "h:1"], {})
    assert parse_settings(["--server", "h:1", "--no-auth"], {}).users == ()


@pytest.mark.parametrize("entry", ["anna", ":pw", "anna:"])
def test_a_malformed_user_entry_is_refused(entry: str) -> None:
    with pytest.raises(SettingsError, match="expected 'user:password'"):
        parse_users(entry, origin="CREDITSCORE_UI_USERS")


def test_invalid_values_are_refused() -> None:
    with pytest.raises(SettingsError, match="HOST:PORT"):
        UiSettings(server_address="nohostport", auth_disabled=True)
    with pytest.raises(SettingsError, match="grey-zone"):
        UiSettings(server_address="h:1", auth_disabled=True, grey_zone_points=-1)
    with pytest.raises(SettingsError, match="language"):
        UiSettings(server_address="h:1", auth_disabled=True, language="de")  # type: ignore[arg-type]


def test_cli_without_credentials_exits_non_zero_with_one_line() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CREDITSCORE_UI_")}
    result = subprocess.run(
        [sys.executable, "-m", "gradio_ui", "--server", "127.0.0.1:1"],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: no login configured")
    assert "Traceback" not in result.stderr
