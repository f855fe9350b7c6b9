"""Secure by default: no plaintext beyond loopback, TLS files in pairs, no server without
callers unless --no-auth, and a credentials file that is checked at start, in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.settings import Settings, SettingsError, is_loopback, parse_settings
from tests.server.conftest import REPO_ROOT, SecurityMaterial

SERVER = (sys.executable, "-m", "server")


def _error(**fields: object) -> str:
    with pytest.raises(SettingsError) as caught:
        Settings(artifacts_dir=Path("/a"), **fields)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"])
def test_loopback_hosts_are_loopback(host: str):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "192.168.1.10", "example.com"])
def test_plaintext_beyond_loopback_is_refused_unless_insecure(host: str):
    assert "refusing plaintext" in _error(host=host, no_auth=True)
    assert Settings(artifacts_dir=Path("/a"), host=host, no_auth=True, insecure=True).insecure


def test_beyond_loopback_tls_needs_no_insecure_flag(security: SecurityMaterial):
    settings = Settings(
        artifacts_dir=Path("/a"),
        host="0.0.0.0",
        no_auth=True,
        tls_cert=security.directory / "server.pem",
        tls_key=security.directory / "server.key",
    )
    assert settings.tls_cert is not None


def test_tls_files_go_in_pairs_and_mtls_needs_tls(security: SecurityMaterial):
    cert, key = security.directory / "server.pem", security.directory / "server.key"
    assert "--tls-key" in _error(no_auth=True, tls_cert=cert)
    assert "--tls-cert" in _error(no_auth=True, tls_key=key)
    assert "--tls-client-ca" in _error(no_auth=True, tls_client_ca=security.directory / "ca.pem")
    assert "no such file" in _error(no_auth=True, tls_cert=cert, tls_key=Path("/nowhere.key"))


def test_without_callers_the_server_refuses_unless_no_auth(security: SecurityMaterial):
    assert "--no-auth" in _error()
    assert "contradict" in _error(no_auth=True, credentials_file=security.credentials_file)
    assert Settings(artifacts_dir=Path("/a"), credentials_file=security.credentials_file)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("not json", "not JSON"),
        ('{"callers": {}}', "must be a list"),
        ('{"users": []}', '"callers"'),
        ('{"callers": [{"name": "a", "role": "root", "certificate_cn": "a"}]}', "'root'"),
        ('{"callers": [{"name": "a", "role": "scoring", "token": "secret"}]}', "'token'"),
        ('{"callers": [{"name": "a", "role": "scoring"}]}', "token_sha256 or certificate_cn"),
        ('{"callers": [{"name": "a", "role": "scoring", "token_sha256": "abc"}]}', "64"),
        ('{"callers": [{"name": "../x", "role": "scoring", "certificate_cn": "x"}]}', "name"),
        (
            '{"callers": [{"name": "a", "role": "scoring", "certificate_cn": "x"},'
            ' {"name": "a", "role": "advisor", "certificate_cn": "y"}]}',
            "unique",
        ),
    ],
)
def test_a_bad_credentials_file_is_a_one_line_error(tmp_path: Path, content: str, named: str):
    path = tmp_path / "credentials.json"
    path.write_text(content)
    message = _error(credentials_file=path)
    assert named in message and str(path) in message


def test_the_server_process_refuses_plaintext_beyond_loopback_in_one_line(tmp_path: Path):
    done = subprocess.run(
        [*SERVER, "--artifacts", str(tmp_path), "--no-auth", "--host", "0.0.0.0"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: refusing plaintext on 0.0.0.0")
    assert len(done.stderr.strip().splitlines()) == 1


def test_security_flags_and_variables_reach_the_settings(security: SecurityMaterial):
    settings = parse_settings(
        ["--artifacts", "/a", "--credentials", str(security.credentials_file), "--reflection"],
        {"CREDITSCORE_CALLER_MAX_IN_FLIGHT": "3", "CREDITSCORE_CALLER_MAX_RATE": "2.5"},
    )
    assert settings.credentials_file == security.credentials_file
    assert (settings.reflection, settings.no_auth) == (True, False)
    assert (settings.caller_max_in_flight, settings.caller_max_rate) == (3, 2.5)
