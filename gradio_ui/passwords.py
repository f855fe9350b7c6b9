"""Advisors' passwords as argon2id hashes: the hashing command and the login check."""

from __future__ import annotations

import argparse
import getpass
import re
import secrets
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "USER_NAME",
    "PasswordChecker",
    "hash_password",
    "is_password_hash",
    "main",
]

# Names travel as gRPC metadata (x-advisor-name), which takes printable ASCII only.
USER_NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")
MIN_PASSWORD_LENGTH = 8
HASH_COMMAND = "python -m gradio_ui.passwords hash USER"


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """The argon2id hash of a password (argon2-cffi's default cost unless `hasher` is given)."""
    return (hasher or PasswordHasher()).hash(password)


def is_password_hash(text: str) -> bool:
    """True when `text` is a well-formed argon2id hash (not a password in plain text)."""
    try:
        return extract_parameters(text).type is Type.ID
    except InvalidHashError:
        return False


class PasswordChecker:
    """Checks a login against the users' hashes, taking the same time for unknown users."""

    def __init__(self, users: Mapping[str, str]) -> None:
        self._hashes = dict(users)
        self._hasher = PasswordHasher()
        # An unknown user is checked against a hash of the same cost as the real ones, so
        # that the answer's timing does not tell which users exist.
        model = next(iter(self._hashes.values()), None)
        dummy_hasher = (
            PasswordHasher.from_parameters(extract_parameters(model)) if model else self._hasher
        )
        self._dummy_hash = dummy_hasher.hash(secrets.token_urlsafe(16))

    def verify(self, user: str, password: str) -> bool:
        """True when `password` is `user`'s; False for a wrong password or an unknown user."""
        known = self._hashes.get(user)
        ok: bool
        try:
            ok = self._hasher.verify(known or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
        # The dummy hash never logs anyone in, whatever was typed.
        return ok and known is not None


def _read_password(stdin: TextIO) -> str:
    """From the terminal without echo (asked twice), or the first line of piped input."""
    if stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise ValueError("the two passwords differ")
        return password
    return stdin.readline().rstrip("\r\n")


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    """`hash USER`: reads the password from stdin, prints the users-file line; 2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m gradio_ui.passwords",
        description="Writes the line of the web app's users file for one advisor.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    hash_command = commands.add_parser(
        "hash", help="read a password from stdin (no echo on a terminal), print 'USER:HASH'"
    )
    hash_command.add_argument("user")
    args = parser.parse_args(argv)
    try:
        if not USER_NAME.fullmatch(args.user):
            raise ValueError(
                f"user name {args.user!r}: use 1 to 64 letters, digits, '.', '_', '@' or '-'"
            )
        password = _read_password(stdin or sys.stdin)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    except (ValueError, EOFError) as error:
        print(f"error: {error or 'no password given'}", file=sys.stderr)
        return 2
    print(f"{args.user}:{hash_password(password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
