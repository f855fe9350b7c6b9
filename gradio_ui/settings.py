"""Settings of the advisors' web app, from command-line flags and CREDITSCORE_UI_* variables."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from gradio_ui.passwords import HASH_COMMAND, USER_NAME, is_password_hash

__all__ = [
    "ENV_PREFIX",
    "Language",
    "LockoutPolicy",
    "ServerCredentials",
    "SessionPolicy",
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


def _plain_text_error(user: str) -> str:
    return (
        f"the password of {user!r} is not an argon2id hash; store hashes only, made with: "
        f"{HASH_COMMAND.replace('USER', user)}"
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class LockoutPolicy:
    """When failed logins lock a user name or a client address, and for how long."""

    max_failures_per_user: int = 5
    # Higher than per user: advisors of one branch may share an address (NAT, proxy).
    max_failures_per_address: int = 20
    window_seconds: float = 15 * 60
    lock_seconds: float = 15 * 60

    def __post_init__(self) -> None:
        if self.max_failures_per_user < 1 or self.max_failures_per_address < 1:
            raise SettingsError("--lockout-failures and --lockout-address-failures must be >= 1")
        if self.window_seconds <= 0 or self.lock_seconds <= 0:
            raise SettingsError("--lockout-window-minutes and --lockout-minutes must be > 0")


@dataclass(frozen=True, kw_only=True, slots=True)
class SessionPolicy:
    """How long a login lasts: at most `lifetime_seconds`, and `idle_seconds` without use."""

    lifetime_seconds: float = 8 * 3600
    idle_seconds: float = 30 * 60

    def __post_init__(self) -> None:
        if self.lifetime_seconds <= 0 or self.idle_seconds <= 0:
            raise SettingsError("--session-hours and --session-idle-minutes must be > 0")


def _one_word(text: str) -> bool:
    # Metadata values are printable ASCII; a token is one opaque word.
    return bool(text) and text.isascii() and text.isprintable() and " " not in text


@dataclass(frozen=True, kw_only=True, slots=True)
class ServerCredentials:
    """How the app proves who it is to the scoring server, and checks the server (TLS)."""

    # Sent as "authorization: Bearer <token>" on every call.
    token: str | None = field(default=None, repr=False)
    # PEM: the CA that signed the server's certificate; with it the channel uses TLS.
    root_certificates: bytes | None = None
    # PEM: the app's own certificate and key, for servers that require client certificates.
    certificate_chain: bytes | None = None
    private_key: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.token is not None and not _one_word(self.token):
            raise SettingsError("the server token must be one word of printable characters")
        if (self.certificate_chain is None) != (self.private_key is None):
            raise SettingsError("--server-cert and --server-key go together")
        if self.certificate_chain is not None and self.root_certificates is None:
            raise SettingsError("--server-cert needs --server-ca (client certificates need TLS)")

    @property
    def tls(self) -> bool:
        """True when the channel must be encrypted and the server's certificate checked."""
        return self.root_certificates is not None


@dataclass(frozen=True, kw_only=True, slots=True)
class UiSettings:
    """Everything the app needs to start, validated once."""

    # gRPC address of the scoring server, HOST:PORT.
    server_address: str
    # Where the web app listens.
    host: str = "127.0.0.1"
    port: int = 7860
    # (user, argon2id hash of the password) pairs; empty only when auth_disabled.
    users: tuple[tuple[str, str], ...] = ()
    auth_disabled: bool = False
    lockout: LockoutPolicy = LockoutPolicy()
    sessions: SessionPolicy = SessionPolicy()
    server_credentials: ServerCredentials = ServerCredentials()
    language: Language = "fr"
    # Half-width of the band around the threshold where a file goes to human review.
    grey_zone_points: float = 2.0
    # Deadline of each gRPC call.
    deadline_seconds: float = 10.0
    page_size: int = 20
    # Bars of the contribution waterfall before "other factors".
    waterfall_features: int = 10
    # The currency of the amounts, e.g. "EUR", as the advisors know it; "" when unknown (the
    # Kaggle data names none: the app then says so once instead of inventing one).
    currency: str = ""

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
        if self.currency and not (
            len(self.currency) <= 12 and self.currency.replace(" ", "").isalpha()
        ):
            raise SettingsError(
                f"--currency must be a short name such as EUR, got {self.currency!r}"
            )
        if not self.users and not self.auth_disabled:
            raise SettingsError(
                "no login configured: pass --auth-file FILE of 'user:$argon2id$...' lines "
                f"({HASH_COMMAND} writes one), or --no-auth for a local demo"
            )
        for user, password_hash in self.users:
            if not USER_NAME.fullmatch(user):
                raise SettingsError(f"user name {user!r}: use letters, digits, '.', '_', '@', '-'")
            if not is_password_hash(password_hash):
                raise SettingsError(_plain_text_error(user))


def parse_users(text: str, *, origin: str) -> tuple[tuple[str, str], ...]:
    """Parses the users file: "user:$argon2id$..." lines, '#' starts a comment; a password in
    plain text is refused."""
    users: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        where = f"{origin}, line {number}"
        user, sep, password_hash = (part.strip() for part in entry.partition(":"))
        if not sep or not user or not password_hash:
            raise SettingsError(f"{where}: expected 'user:$argon2id$...', got {user!r}:...")
        if not USER_NAME.fullmatch(user):
            raise SettingsError(
                f"{where}: user name {user!r}: use letters, digits, '.', '_', '@', '-'"
            )
        if user in users:
            raise SettingsError(f"{where}: user {user!r} appears twice")
        if not is_password_hash(password_hash):
            raise SettingsError(f"{where}: {_plain_text_error(user)}")
        users[user] = password_hash
    return tuple(users.items())


def _users(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    if environ.get(f"{ENV_PREFIX}USERS", "").strip():
        # Passwords in an environment variable were plain text; hashes live in a file only.
        raise SettingsError(
            f"{ENV_PREFIX}USERS is no longer read: put 'user:$argon2id$...' lines in a file "
            f"given by --auth-file or {ENV_PREFIX}AUTH_FILE ({HASH_COMMAND} writes one)"
        )
    if not args.auth_file:
        return ()
    path = Path(args.auth_file)
    return parse_users(_read_text(path, "--auth-file"), origin=str(path))


def _read_text(path: Path, flag: str) -> str:
    try:
        return _read_bytes(path, flag).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{flag} {path} is not UTF-8 text") from exc


def _read_bytes(path: Path, flag: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"cannot read {flag} {path}: {exc.strerror}") from exc


def _server_credentials(args: argparse.Namespace, environ: Mapping[str, str]) -> ServerCredentials:
    token = environ.get(f"{ENV_PREFIX}SERVER_TOKEN") or None
    if args.server_token_file:
        token = _read_text(Path(args.server_token_file), "--server-token-file").strip()
    files = {
        flag: _read_bytes(Path(value), flag) if value else None
        for flag, value in (
            ("--server-ca", args.server_ca),
            ("--server-cert", args.server_cert),
            ("--server-key", args.server_key),
        )
    }
    return ServerCredentials(
        token=token,
        root_certificates=files["--server-ca"],
        certificate_chain=files["--server-cert"],
        private_key=files["--server-key"],
    )


def _parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    # String defaults go through argparse's `type`, so a bad variable fails like a bad flag.
    def env(name: str, default: str | None = None) -> str | None:
        return environ.get(f"{ENV_PREFIX}{name}", default)

    parser = argparse.ArgumentParser(
        prog="python -m gradio_ui",
        description="Advisors' web app: credit decisions explained, a client of the gRPC API.",
        epilog=f"Logins: --auth-file of 'user:$argon2id$...' lines; {HASH_COMMAND} writes one.",
    )
    parser.add_argument("--server", default=env("SERVER"), help="scoring server HOST:PORT")
    parser.add_argument("--host", default=env("HOST", "127.0.0.1"), help="address to listen on")
    parser.add_argument("--port", type=int, default=env("PORT", "7860"))
    parser.add_argument(
        "--auth-file", default=env("AUTH_FILE"), help="file of 'user:$argon2id$...' lines"
    )
    parser.add_argument("--no-auth", action="store_true", help="no login (local demos only)")
    parser.add_argument(
        "--lockout-failures",
        type=int,
        default=env("LOCKOUT_FAILURES", "5"),
        help="failed logins of one user name, within the window, that lock it",
    )
    parser.add_argument(
        "--lockout-address-failures",
        type=int,
        default=env("LOCKOUT_ADDRESS_FAILURES", "20"),
        help="failed logins from one client address, within the window, that lock it",
    )
    parser.add_argument(
        "--lockout-window-minutes", type=float, default=env("LOCKOUT_WINDOW_MINUTES", "15")
    )
    parser.add_argument(
        "--lockout-minutes",
        type=float,
        default=env("LOCKOUT_MINUTES", "15"),
        help="how long a lock lasts",
    )
    parser.add_argument(
        "--session-hours",
        type=float,
        default=env("SESSION_HOURS", "8"),
        help="a login expires this long after it was made",
    )
    parser.add_argument(
        "--session-idle-minutes",
        type=float,
        default=env("SESSION_IDLE_MINUTES", "30"),
        help="a login expires after this long without a page load or an action",
    )
    parser.add_argument(
        "--server-token-file",
        default=env("SERVER_TOKEN_FILE"),
        help=f"the app's bearer token for the scoring server (or {ENV_PREFIX}SERVER_TOKEN)",
    )
    parser.add_argument(
        "--server-ca", default=env("SERVER_CA"), help="CA of the server's certificate: use TLS"
    )
    parser.add_argument(
        "--server-cert", default=env("SERVER_CERT"), help="the app's client certificate (mTLS)"
    )
    parser.add_argument(
        "--server-key", default=env("SERVER_KEY"), help="the key of --server-cert (mTLS)"
    )
    parser.add_argument("--language", default=env("LANGUAGE", "fr"), help="en or fr")
    parser.add_argument(
        "--grey-zone-points",
        type=float,
        default=env("GREY_ZONE_POINTS", "2"),
        help="files within this many points of the threshold go to human review",
    )
    parser.add_argument("--deadline-seconds", type=float, default=env("DEADLINE_SECONDS", "10"))
    parser.add_argument(
        "--currency",
        default=env("CURRENCY", ""),
        help="currency of the amounts shown, e.g. EUR (the data names none)",
    )
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
        lockout=LockoutPolicy(
            max_failures_per_user=args.lockout_failures,
            max_failures_per_address=args.lockout_address_failures,
            window_seconds=args.lockout_window_minutes * 60,
            lock_seconds=args.lockout_minutes * 60,
        ),
        sessions=SessionPolicy(
            lifetime_seconds=args.session_hours * 3600,
            idle_seconds=args.session_idle_minutes * 60,
        ),
        server_credentials=_server_credentials(args, environ),
        language=args.language,
        grey_zone_points=args.grey_zone_points,
        deadline_seconds=args.deadline_seconds,
        currency=args.currency.strip(),
    )
