"""The credentials file and ``python -m server.security``: tokens are shown once and stored
only as their SHA-256, in a file only its owner can read; local certificates for TLS."""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
import sys
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from server.security.credentials import load_credentials
from server.security.roles import Role
from tests.server.conftest import REPO_ROOT


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.security", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _mint(path: Path, name: str, role: str) -> subprocess.CompletedProcess[str]:
    return _cli("mint-token", "--credentials", str(path), "--name", name, "--role", role)


def test_mint_token_stores_only_the_hash_in_an_owner_only_file(tmp_path: Path):
    path = tmp_path / "credentials.json"
    done = _mint(path, "loan-service", "scoring")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert len(token) >= 43 and token not in done.stderr
    text = path.read_text()
    assert token not in text
    assert json.loads(text) == {
        "callers": [
            {
                "name": "loan-service",
                "role": "scoring",
                "token_sha256": hashlib.sha256(token.encode()).hexdigest(),
            }
        ]
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    caller = load_credentials(path).by_token(token)
    assert caller is not None and (caller.name, caller.role) == ("loan-service", Role.SCORING)


def test_minting_again_replaces_the_token_and_keeps_the_others(tmp_path: Path):
    path = tmp_path / "credentials.json"
    first = _mint(path, "loan-service", "scoring").stdout.strip()
    other = _mint(path, "web-app", "advisor").stdout.strip()
    path.chmod(0o644)
    second = _mint(path, "loan-service", "advisor").stdout.strip()
    credentials = load_credentials(path)
    assert credentials.by_token(first) is None
    assert credentials.by_token(second) is not None
    assert credentials.by_token(second).role == Role.ADVISOR  # type: ignore[union-attr]
    assert credentials.by_token(other) is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["credentials.json"]  # no temporary left


def test_mint_token_refuses_an_unknown_role_and_a_bad_name(tmp_path: Path):
    path = tmp_path / "credentials.json"
    assert _mint(path, "loan-service", "root").returncode == 2
    done = _mint(path, "../../etc/passwd", "scoring")
    assert done.returncode == 2 and done.stderr.startswith("error: ")
    assert not path.exists()


def test_mint_token_refuses_to_rewrite_a_malformed_file(tmp_path: Path):
    path = tmp_path / "credentials.json"
    path.write_text('{"callers": [{"name": "a", "role": "king", "certificate_cn": "a"}]}')
    done = _mint(path, "loan-service", "scoring")
    assert done.returncode == 2 and "'king'" in done.stderr
    assert "king" in path.read_text()


def test_certificates_cli_writes_a_ca_a_server_and_client_certificates(tmp_path: Path):
    done = _cli("certificates", "--out", str(tmp_path), "--client", "audit-team")
    assert done.returncode == 0, done.stderr
    names = {"ca.pem", "server.pem", "server.key", "audit-team.pem", "audit-team.key"}
    assert {p.name for p in tmp_path.iterdir()} == names
    for key in ("server.key", "audit-team.key"):
        assert stat.S_IMODE((tmp_path / key).stat().st_mode) == 0o600
    server = x509.load_pem_x509_certificate((tmp_path / "server.pem").read_bytes())
    alternative = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert alternative.get_values_for_type(x509.DNSName) == ["localhost"]
    assert {str(ip) for ip in alternative.get_values_for_type(x509.IPAddress)} == {
        "127.0.0.1",
        "::1",
    }
    client = x509.load_pem_x509_certificate((tmp_path / "audit-team.pem").read_bytes())
    (common_name,) = client.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert common_name.value == "audit-team"
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    client.verify_directly_issued_by(ca)
