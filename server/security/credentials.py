"""The credentials file: the callers, their roles and how each proves who it is.

A JSON object with one list, ``callers``; each entry has a ``name`` (1-64 characters: letters,
digits, ``.``, ``_``, ``-``), a ``role`` (``scoring``, ``advisor`` or ``auditor``, see
``server.security.roles``) and one or both of:

- ``token_sha256``: the SHA-256 (64 lowercase hex digits) of the caller's bearer token, sent
  as ``authorization: Bearer <token>`` metadata. The token itself is never stored;
- ``certificate_cn``: the common name of the caller's client certificate, verified by the
  server's ``--tls-client-ca`` (mTLS).

Example::

    {"callers": [
      {"name": "loan-service", "role": "scoring", "token_sha256": "9f86d0...0f00a08"},
      {"name": "audit-team", "role": "auditor", "certificate_cn": "audit-team"}
    ]}

``python -m server.security mint-token`` writes and updates it. Names, token hashes and
certificate names are unique; any other key, an unknown role or a malformed file is a
one-line ``CredentialsError``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from server.security.roles import Role

__all__ = [
    "CallerEntry",
    "Credentials",
    "CredentialsError",
    "load_credentials",
    "mint_token",
    "new_token",
    "token_sha256",
    "write_credentials",
]

# Random bytes of a minted token (256 bits), sent urlsafe-base64 encoded (43 characters).
TOKEN_BYTES = 32
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_CERTIFICATE_CN_CHARS = 64  # X.509's upper bound for a common name
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEYS = frozenset({"name", "role", "token_sha256", "certificate_cn"})


class CredentialsError(ValueError):
    """A credentials file that cannot be used; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class CallerEntry:
    """One caller of the credentials file."""

    name: str
    role: Role
    token_sha256: str | None = None
    certificate_cn: str | None = None

    def to_json(self) -> dict[str, str]:
        entry = {"name": self.name, "role": str(self.role)}
        if self.token_sha256 is not None:
            entry["token_sha256"] = self.token_sha256
        if self.certificate_cn is not None:
            entry["certificate_cn"] = self.certificate_cn
        return entry


@dataclass(frozen=True)
class Credentials:
    """The callers of a credentials file, looked up by token or by certificate name."""

    callers: tuple[CallerEntry, ...]

    def by_token(self, token: str) -> CallerEntry | None:
        """The caller whose token this is, or None."""
        digest = token_sha256(token)
        found = None
        # Every entry is compared in constant time, so the time taken says nothing about
        # how close a guess came to a stored hash.
        for entry in self.callers:
            if entry.token_sha256 is not None and hmac.compare_digest(entry.token_sha256, digest):
                found = entry
        return found

    def by_certificate(self, common_name: str) -> CallerEntry | None:
        """The caller of a verified client certificate's common name, or None."""
        return next((e for e in self.callers if e.certificate_cn == common_name), None)


def new_token() -> str:
    """A fresh bearer token: 32 random bytes from ``secrets``, urlsafe base64."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_sha256(token: str) -> str:
    """What the file stores of a token.

    A fast hash, not a password hash (bcrypt, scrypt): tokens are 256 random bits, so there is
    no dictionary to try and brute force is hopeless whatever the hash costs; the standard for
    high-entropy API tokens, and cheap enough to run on every call.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_credentials(path: Path) -> Credentials:
    """The credentials in ``path``; CredentialsError (one line) when it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CredentialsError(f"cannot read credentials {path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        message = str(error).splitlines()[0]
        raise CredentialsError(f"credentials {path} is not JSON: {message}") from None
    try:
        return parse_credentials(data)
    except CredentialsError as error:
        raise CredentialsError(f"credentials {path}: {error}") from None


def parse_credentials(data: object) -> Credentials:
    """Credentials from the decoded JSON of a credentials file (see the module docstring)."""
    if not isinstance(data, Mapping) or set(data) != {"callers"}:
        raise CredentialsError('expected an object with one key, "callers"')
    entries = data["callers"]
    if not isinstance(entries, list):
        raise CredentialsError('"callers" must be a list')
    callers = tuple(_entry(k, entry) for k, entry in enumerate(entries))
    for label, values in (
        ("name", [c.name for c in callers]),
        ("token_sha256", [c.token_sha256 for c in callers if c.token_sha256]),
        ("certificate_cn", [c.certificate_cn for c in callers if c.certificate_cn]),
    ):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            shown = "a token hash" if label == "token_sha256" else repr(repeated[0])
            raise CredentialsError(f"{label} must be unique; {shown} is repeated")
    return Credentials(callers)


def _entry(k: int, entry: object) -> CallerEntry:
    where = f"callers[{k}]"
    if not isinstance(entry, Mapping):
        raise CredentialsError(f"{where} must be an object")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise CredentialsError(f"{where} has unknown key {unknown[0]!r}; known: {sorted(_KEYS)}")
    name, role = entry.get("name"), entry.get("role")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise CredentialsError(
            f"{where}.name must be 1-64 letters, digits, '.', '_' or '-', got {name!r}"
        )
    if role not in {r.value for r in Role}:
        raise CredentialsError(
            f"{where}.role {role!r} is not a role; roles: {', '.join(r.value for r in Role)}"
        )
    digest, common_name = entry.get("token_sha256"), entry.get("certificate_cn")
    if digest is None and common_name is None:
        raise CredentialsError(f"{where} needs token_sha256 or certificate_cn")
    if digest is not None and (not isinstance(digest, str) or not _HEX_SHA256.fullmatch(digest)):
        raise CredentialsError(f"{where}.token_sha256 must be 64 lowercase hex digits")
    if common_name is not None and not (
        isinstance(common_name, str)
        and 0 < len(common_name) <= MAX_CERTIFICATE_CN_CHARS
        and common_name.isprintable()
    ):
        raise CredentialsError(f"{where}.certificate_cn must be 1-64 printable characters")
    return CallerEntry(name, Role(role), digest, common_name)


def write_credentials(path: Path, credentials: Credentials) -> None:
    """Write ``path`` atomically (a temporary file renamed over it), readable by its owner
    only (0600): readers never see half a file, and a crash leaves the old one."""
    text = json.dumps({"callers": [c.to_json() for c in credentials.callers]}, indent=2) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def mint_token(path: Path, name: str, role: Role) -> str:
    """A new token for caller ``name`` with ``role``, its hash written to ``path`` (created
    if absent; an existing caller of that name gets the new token and role, and its old token
    stops working). The token is returned once and stored nowhere."""
    if not NAME_PATTERN.fullmatch(name):
        raise CredentialsError(
            f"the name must be 1-64 letters, digits, '.', '_' or '-', got {name!r}"
        )
    existing = load_credentials(path).callers if path.exists() else ()
    token = new_token()
    minted = CallerEntry(name, role, token_sha256(token))
    callers = [c for c in existing if c.name != name]
    old = next((c for c in existing if c.name == name), None)
    if old is not None:
        minted = replace(old, role=role, token_sha256=minted.token_sha256)
        callers.insert(existing.index(old), minted)
    else:
        callers.append(minted)
    write_credentials(path, parse_credentials({"callers": [c.to_json() for c in callers]}))
    return token
