"""Who a call comes from: a bearer token or a verified client certificate, and the advisor
named in the call's metadata."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc

from server.errors import FieldViolation, InvalidArgument, Unauthenticated
from server.security.caller import ANONYMOUS
from server.security.credentials import Credentials
from server.security.roles import Role

__all__ = [
    "ADVISOR_NAME_HEADER",
    "AUTHORIZATION_HEADER",
    "Authenticator",
    "advisor_name_of",
]

AUTHORIZATION_HEADER = "authorization"
# The advisor on whose behalf the web app calls (logged, and kept in decision records).
ADVISOR_NAME_HEADER = "x-advisor-name"
MAX_ADVISOR_NAME_CHARS = 64
# A minted token is 43 characters; anything much longer is not one of ours.
_MAX_AUTHORIZATION_CHARS = 256
# The verified client certificate's subject common name, in gRPC's auth context.
_COMMON_NAME_PROPERTY = "x509_common_name"

_Metadata = Sequence[tuple[str, Any]]


class Authenticator:
    """Identifies callers from the credentials file, or everyone as ``anonymous`` (--no-auth).

    ``verified_client_certificates``: the server requires client certificates and verifies
    them against its client CA (mTLS); only then is a certificate's common name trusted.
    """

    def __init__(
        self, credentials: Credentials | None, *, verified_client_certificates: bool
    ) -> None:
        self._credentials = credentials
        self._certificates = verified_client_certificates

    def identify(self, context: grpc.ServicerContext) -> tuple[str, Role]:
        """The caller's name and role; Unauthenticated when it proves none. A bearer token,
        when sent, decides (a bad one is refused even with a good certificate)."""
        if self._credentials is None:
            return ANONYMOUS.name, ANONYMOUS.role
        tokens = _values(context.invocation_metadata() or (), AUTHORIZATION_HEADER)
        if tokens:
            entry = self._credentials.by_token(_bearer_token(tokens))
            if entry is None:
                raise Unauthenticated("unknown bearer token")
            return entry.name, entry.role
        common_name = self._common_name(context)
        if common_name is None:
            raise Unauthenticated(
                "no credentials: send 'authorization: Bearer <token>' metadata"
                + (" or a client certificate" if self._certificates else "")
            )
        entry = self._credentials.by_certificate(common_name)
        if entry is None:
            raise Unauthenticated(f"client certificate {common_name!r} is not a known caller")
        return entry.name, entry.role

    def _common_name(self, context: grpc.ServicerContext) -> str | None:
        if not self._certificates:
            return None
        names: list[bytes] = list(context.auth_context().get(_COMMON_NAME_PROPERTY, ()))
        return names[0].decode("utf-8", errors="replace") if len(names) == 1 else None


def advisor_name_of(context: grpc.ServicerContext) -> str | None:
    """The call's ``x-advisor-name``: None when absent or empty; InvalidArgument naming the
    key when sent twice, longer than 64 characters or not printable text."""
    values = _values(context.invocation_metadata() or (), ADVISOR_NAME_HEADER)
    if not values:
        return None
    value = values[0]
    problem = None
    if len(values) > 1:
        problem = "must be sent once"
    elif not isinstance(value, str) or not value.isprintable():
        problem = "must be printable text"
    elif len(value) > MAX_ADVISOR_NAME_CHARS:
        problem = f"must be at most {MAX_ADVISOR_NAME_CHARS} characters, got {len(value)}"
    if problem is not None:
        raise InvalidArgument([FieldViolation(ADVISOR_NAME_HEADER, problem)])
    return value or None


def _values(metadata: _Metadata, key: str) -> list[Any]:
    return [value for k, value in metadata if k == key]


def _bearer_token(values: list[Any]) -> str:
    """The token of the one ``authorization: Bearer <token>`` value (scheme case-insensitive,
    RFC 6750); Unauthenticated, without quoting it, for anything else."""
    scheme, _, token = str(values[0]).partition(" ")
    if (
        len(values) != 1
        or len(values[0]) > _MAX_AUTHORIZATION_CHARS
        or scheme.lower() != "bearer"
        or not token.strip()
    ):
        raise Unauthenticated("malformed authorization metadata; expected 'Bearer <token>'")
    return token.strip()
