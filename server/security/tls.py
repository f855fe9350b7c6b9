"""The server's TLS credentials (and mTLS: client certificates required and verified)."""

from __future__ import annotations

import grpc

from server.settings import Settings

__all__ = ["server_credentials"]


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """grpc's SSL credentials from ``--tls-cert``/``--tls-key`` (with ``--tls-client-ca``,
    every client must present a certificate signed by that CA); None for plaintext."""
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    client_ca = settings.tls_client_ca.read_bytes() if settings.tls_client_ca else None
    return grpc.ssl_server_credentials(
        [(settings.tls_key.read_bytes(), settings.tls_cert.read_bytes())],
        root_certificates=client_ca,
        require_client_auth=client_ca is not None,
    )
