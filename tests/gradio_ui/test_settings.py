"""Settings from flags and CREDITSCORE_UI_* variables; the app refuses to start without logins,
or with passwords in plain text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gradio_ui.settings import (
    LockoutPolicy,
    ServerCredentials,
    SessionPolicy,
    SettingsError,
    UiSettings,
    parse_settings,
    parse_users,
)
from tests.gradio_ui.logins import USER, users

REPO_ROOT = Path(__file__).resolve().parents[2]


def _users_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "users.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_users_come_from_a_file_of_argon2id_hashes(tmp_path: Path) -> None:
    (anna, anna_hash), (carl, carl_hash) = users(("anna", "password-1"), ("carl", "password-3"))
    text = f"# advisors\n{anna}:{anna_hash}\n\n{carl}:{carl_hash}  # branch 2\n"
    settings = parse_settings(
        ["--server", "h:1", "--auth-file", str(_users_file(tmp_path, text))], {}
    )
    assert settings.users == ((anna, anna_hash), (carl, carl_hash))
    assert settings.server_address == "h:1"
    assert settings.port == 7860


def test_the_users_file_can_be_named_by_a_variable(tmp_path: Path) -> None:
    path = _users_file(tmp_path, "\n".join(f"{u}:{h}" for u, h in users()))
    settings = parse_settings(["--server", "h:1"], {"CREDITSCORE_UI_AUTH_FILE": str(path)})
    assert [user for user, _ in settings.users] == [USER]


def test_a_password_in_plain_text_is_refused_with_the_command_that_hashes_it(
    tmp_path: Path,
) -> None:
    path = _users_file(tmp_path, "anna:password-1\n")
    with pytest.raises(SettingsError) as refused:
        parse_settings(["--server", "h:1", "--auth-file", str(path)], {})
    message = str(refused.value)
    assert message == (
        f"{path}, line 1: the password of 'anna' is not an argon2id hash; store hashes only, "
        "made with: python -m gradio_ui.passwords hash anna"
    )
    assert "password-1" not in message


def test_settings_built_in_code_refuse_plain_text_passwords_too() -> None:
    with pytest.raises(SettingsError, match="not an argon2id hash"):
        UiSettings(server_address="h:1", users=(("anna", "password-1"),))


def test_users_in_the_environment_are_refused() -> None:
    with pytest.raises(SettingsError, match="CREDITSCORE_UI_USERS is no longer read"):
        parse_settings(["--server", "h:1"], {"CREDITSCORE_UI_USERS": "anna:pw1"})


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


@pytest.mark.parametrize("entry", ["anna", ":$argon2id$", "anna:"])
def test_a_malformed_user_entry_is_refused(entry: str) -> None:
    with pytest.raises(SettingsError, match=r"users.txt, line 2: expected 'user:\$argon2id\$...'"):
        parse_users(f"# advisors\n{entry}\n", origin="users.txt")


def test_a_user_listed_twice_is_refused() -> None:
    ((user, password_hash),) = users()
    with pytest.raises(SettingsError, match="line 2: user 'advisor' appears twice"):
        parse_users(f"{user}:{password_hash}\n{user}:{password_hash}\n", origin="users.txt")


@pytest.mark.parametrize("name", ["anna smith", "élodie", "a,b"])
def test_a_user_name_that_cannot_travel_in_grpc_metadata_is_refused(name: str) -> None:
    ((_, password_hash),) = users()
    with pytest.raises(SettingsError, match="use letters, digits"):
        parse_users(f"{name}:{password_hash}", origin="users.txt")


def test_lockout_and_session_times_are_configurable() -> None:
    environ = {"CREDITSCORE_UI_LOCKOUT_FAILURES": "3", "CREDITSCORE_UI_SESSION_HOURS": "2"}
    argv = [
        "--server",
        "h:1",
        "--no-auth",
        "--lockout-minutes",
        "5",
        "--session-idle-minutes",
        "10",
    ]
    settings = parse_settings(argv, environ)
    assert settings.lockout == LockoutPolicy(
        max_failures_per_user=3, max_failures_per_address=20, window_seconds=900, lock_seconds=300
    )
    assert settings.sessions == SessionPolicy(lifetime_seconds=7200, idle_seconds=600)


def test_lockout_and_sessions_default_to_five_failures_fifteen_minutes_and_eight_hours() -> None:
    settings = parse_settings(["--server", "h:1", "--no-auth"], {})
    assert settings.lockout.max_failures_per_user == 5
    assert settings.lockout.window_seconds == settings.lockout.lock_seconds == 15 * 60
    assert settings.sessions == SessionPolicy(lifetime_seconds=8 * 3600, idle_seconds=30 * 60)


def test_the_server_token_comes_from_a_file_or_a_variable(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("tok-from-file\n", encoding="utf-8")
    argv = ["--server", "h:1", "--no-auth"]
    from_file = parse_settings([*argv, "--server-token-file", str(token_file)], {})
    assert from_file.server_credentials.token == "tok-from-file"
    from_env = parse_settings(argv, {"CREDITSCORE_UI_SERVER_TOKEN": "tok-from-env"})
    assert from_env.server_credentials.token == "tok-from-env"
    assert "tok-from-env" not in repr(from_env)
    assert parse_settings(argv, {}).server_credentials == ServerCredentials()


def test_tls_files_are_read_at_start(tmp_path: Path) -> None:
    for name in ("ca.pem", "app.pem", "app.key"):
        (tmp_path / name).write_bytes(f"PEM of {name}".encode())
    argv = ["--server", "h:1", "--no-auth", "--server-ca", str(tmp_path / "ca.pem")]
    mtls = [
        *argv,
        "--server-cert",
        str(tmp_path / "app.pem"),
        "--server-key",
        str(tmp_path / "app.key"),
    ]
    credentials = parse_settings(mtls, {}).server_credentials
    assert credentials.tls
    assert credentials.root_certificates == b"PEM of ca.pem"
    assert credentials.certificate_chain == b"PEM of app.pem"
    assert credentials.private_key == b"PEM of app.key"
    with pytest.raises(SettingsError, match=r"cannot read --server-ca .*missing\.pem"):
        parse_settings(
            ["--server", "h:1", "--no-auth", "--server-ca", str(tmp_path / "missing.pem")], {}
        )


def test_a_client_certificate_needs_its_key_and_tls() -> None:
    with pytest.raises(SettingsError, match="--server-cert and --server-key go together"):
        ServerCredentials(root_certificates=b"ca", certificate_chain=b"cert")
    with pytest.raises(SettingsError, match="--server-cert needs --server-ca"):
        ServerCredentials(certificate_chain=b"cert", private_key=b"key")
    with pytest.raises(SettingsError, match="one word"):
        ServerCredentials(token="two words")


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
