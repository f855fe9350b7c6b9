"""Settings of the advisors' web app, from command-line flags and CREDITSCORE_UI_* variables."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "ENV_PREFIX",
    "Language",
    "SettingsError",
    "UiSettings",
    "parse_settings",
    "parse_users",
]

ENV_PREFIX = "CREDITSCORE_UI_"
Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "fr")


class SettingsError(ValueError):
    """Settings that cannot start the app; the message is one line for the operator."""


@dataclass(frozen=True, kw_only=True, slots=True)
class UiSettings:
    """Everything the app needs to start, validated once."""

    # gRPC address of the scoring server, HOST:PORT.
    server_address: str
    # Where the web app listens.
    host: str = "127.0.0.1"
    port: int = 7860
    # (user, password) pairs; empty only when auth_disabled.
    users: tuple[tuple[str, str], ...] = ()
    auth_disabled: bool = False
    language: Language = "fr"
    # Half-width of the band around the threshold where a file goes to human review.
    grey_zone_points: float = 2.0
    # Deadline of each gRPC call.
    deadline_seconds: float = 10.0
    page_size: int = 20
    # Bars of the contribution waterfall before "other factors".
    waterfall_features: int = 10

    def __post_init__(self) -> None:
        if not self.server_address or ":" not in self.server_address:
            raise SettingsError(f"--server must be HOST:PORT, got {self.server_address!r}")
        if not 0 < self.port < 65536:
            raise SettingsError(f"--port must be in 1..65535, got {self.port}")
        if self.language not in LANGUAGES:
            raise SettingsError(f"--language must be one of {LANGUAGES}, got {self.language!r}")
        if not 0 <= self.grey_zone_points <= 50:
            raise SettingsError(
                f"--grey-zone-points must be in [0, 50], got {self.grey_zone_points}"
            )
        if self.deadline_seconds <= 0:
            raise SettingsError(f"--deadline-seconds must be > 0, got {self.deadline_seconds}")
        if not 1 <= self.page_size <= 500:
            raise SettingsError(f"--page-size must be in 1..500, got {self.page_size}")
        if not 1 <= self.waterfall_features <= 40:
            raise SettingsError(
                f"--waterfall-features must be in 1..40, got {self.waterfall_features}"
            )
        if not self.users and not self.auth_disabled:
            raise SettingsError(
                f"no login configured: set {ENV_PREFIX}USERS='user:password,...' or pass "
                "--auth-file FILE (or --no-auth for a local demo)"
            )


def parse_users(text: str, *, origin: str) -> tuple[tuple[str, str], ...]:
    """Parses "user:password" entries separated by commas or new lines; '#' starts a comment."""
    users: list[tuple[str, str]] = []
    for raw in text.replace(",", "\n").splitlines():
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        user, sep, password = entry.partition(":")
        if not sep or not user.strip() or not password:
            raise SettingsError(f"{origin}: expected 'user:password', got {user.strip()!r}:...")
        users.append((user.strip(), password))
    return tuple(users)


def _users(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    users: list[tuple[str, str]] = []
    env_users = environ.get(f"{ENV_PREFIX}USERS", "")
    if env_users.strip():
        users.extend(parse_users(env_users, origin=f"{ENV_PREFIX}USERS"))
    auth_file = args.auth_file or environ.get(f"{ENV_PREFIX}AUTH_FILE")
    if auth_file:
        path = Path(auth_file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsError(f"cannot read --auth-file {path}: {exc.strerror}") from exc
        users.extend(parse_users(text, origin=str(path)))
    return tuple(users)


def _parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    # String defaults go through argparse's `type`, so a bad variable fails like a bad flag.
    def env(name: str, default: str | None = None) -> str | None:
        return environ.get(f"{ENV_PREFIX}{name}", default)

    parser = argparse.ArgumentParser(
        prog="python -m gradio_ui",
        description="Advisors' web app: credit decisions explained, a client of the gRPC API.",
        epilog=f"Logins: {ENV_PREFIX}USERS='user:password,user2:pw2' or --auth-file.",
    )
    parser.add_argument("--server", default=env("SERVER"), help="scoring server HOST:PORT")
    parser.add_argument("--host", default=env("HOST", "127.0.0.1"), help="address to listen on")
    parser.add_argument("--port", type=int, default=env("PORT", "7860"))
    parser.add_argument("--auth-file", help="file of 'user:password' lines")
    parser.add_argument("--no-auth", action="store_true", help="no login (local demos only)")
    parser.add_argument("--language", default=env("LANGUAGE", "fr"), help="en or fr")
    parser.add_argument(
        "--grey-zone-points",
        type=float,
        default=env("GREY_ZONE_POINTS", "2"),
        help="files within this many points of the threshold go to human review",
    )
    parser.add_argument("--deadline-seconds", type=float, default=env("DEADLINE_SECONDS", "10"))
    return parser


def parse_settings(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> UiSettings:
    """Builds the settings from flags (first) and CREDITSCORE_UI_* variables; SettingsError."""
    environ = os.environ if environ is None else environ
    args = _parser(environ).parse_args(argv)
    if not args.server:
        raise SettingsError(f"no scoring server: pass --server HOST:PORT or set {ENV_PREFIX}SERVER")
    return UiSettings(
        server_address=args.server,
        host=args.host,
        port=args.port,
        users=() if args.no_auth else _users(args, environ),
        auth_disabled=args.no_auth,
        language=args.language,
        grey_zone_points=args.grey_zone_points,
        deadline_seconds=args.deadline_seconds,
    )
