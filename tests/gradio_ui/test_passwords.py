"""`python -m gradio_ui.passwords hash USER` writes the users-file line; logins are checked
against argon2id hashes, unknown users at the same cost."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type

from gradio_ui.passwords import PasswordChecker, hash_password, is_password_hash
from gradio_ui.settings import parse_users

REPO_ROOT = Path(__file__).resolve().parents[2]


def _hash_command(user: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gradio_ui.passwords", "hash", user],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_hash_command_prints_a_users_file_line_from_stdin() -> None:
    result = _hash_command("anna", "correct horse battery\n")
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("anna:$argon2id$")
    assert "correct horse" not in line
    ((user, password_hash),) = parse_users(line, origin="stdout")
    assert user == "anna"
    assert PasswordChecker({user: password_hash}).verify("anna", "correct horse battery")


def test_two_hashes_of_one_password_differ_by_their_salt() -> None:
    assert hash_password("same-password") != hash_password("same-password")


@pytest.mark.parametrize(
    ("user", "stdin", "error"),
    [
        ("anna", "short\n", "error: the password needs at least 8 characters"),
        ("anna", "", "error: the password needs at least 8 characters"),
        ("anna smith", "long enough\n", "error: user name 'anna smith': use 1 to 64 letters"),
    ],
)
def test_the_hash_command_refuses_bad_input_with_one_line(
    user: str, stdin: str, error: str
) -> None:
    result = _hash_command(user, stdin)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(error)


def test_only_argon2id_hashes_count_as_hashes() -> None:
    argon2i = PasswordHasher(type=Type.I).hash("x")
    assert is_password_hash(hash_password("x"))
    assert not is_password_hash(argon2i)
    assert not is_password_hash("s3cret-pass")
    assert not is_password_hash("$argon2id$not-a-hash")


def test_a_login_is_right_only_for_the_users_own_password() -> None:
    checker = PasswordChecker(
        {"anna": hash_password("password-1"), "bob": hash_password("password-2")}
    )
    assert checker.verify("anna", "password-1")
    assert not checker.verify("anna", "password-2")
    assert not checker.verify("carl", "password-1")
    assert not checker.verify("anna", "")


def test_an_unknown_user_costs_as_much_time_as_a_known_one() -> None:
    # A cost high enough to dwarf the rest of the call, low enough for a test.
    hasher = PasswordHasher(time_cost=2, memory_cost=16 * 1024, parallelism=1)
    checker = PasswordChecker({"anna": hash_password("password-1", hasher)})

    def seconds(user: str) -> float:
        start = time.perf_counter()
        assert not checker.verify(user, "wrong-password")
        return time.perf_counter() - start

    # Interleaved, so that a busy machine slows both alike; a leak would be 100x, not 2x.
    samples = [(seconds("anna"), seconds("nobody")) for _ in range(7)]
    known = statistics.median(k for k, _ in samples)
    unknown = statistics.median(u for _, u in samples)
    assert 1 / 3 < unknown / known < 3
