"""A local certificate authority with a server certificate and client certificates, for
demos and tests of TLS and mTLS (production certificates come from the organisation's CA)."""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server.security.credentials import NAME_PATTERN

__all__ = ["Issued", "LocalAuthority", "write_certificates"]

# Where the server certificate is valid: the loopback names a local client dials.
SERVER_DNS_NAMES = ("localhost",)
SERVER_IPS = ("127.0.0.1", "::1")
VALID_DAYS = 365


@dataclass(frozen=True, slots=True)
class Issued:
    """A certificate and its private key, both PEM."""

    certificate_pem: bytes
    key_pem: bytes


class LocalAuthority:
    """A fresh self-signed CA (P-256 keys: quick to make, supported by gRPC's BoringSSL)."""

    def __init__(self, name: str = "creditscore local CA", valid_days: int = VALID_DAYS) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self._valid_days = valid_days
        self.certificate = (
            self._builder(self._name, self._key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(certificate_signer=True), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def server(self, common_name: str = "localhost") -> Issued:
        """A server certificate for localhost, 127.0.0.1 and ::1."""
        names: list[x509.GeneralName] = [x509.DNSName(n) for n in SERVER_DNS_NAMES]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in SERVER_IPS]
        return self._issue(
            common_name, ExtendedKeyUsageOID.SERVER_AUTH, x509.SubjectAlternativeName(names)
        )

    def client(self, common_name: str) -> Issued:
        """A client certificate whose common name is the caller's ``certificate_cn``."""
        return self._issue(common_name, ExtendedKeyUsageOID.CLIENT_AUTH, None)

    def _issue(
        self,
        common_name: str,
        usage: x509.ObjectIdentifier,
        alternative_names: x509.SubjectAlternativeName | None,
    ) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        builder = (
            self._builder(subject, key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(certificate_signer=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
        )
        if alternative_names is not None:
            builder = builder.add_extension(alternative_names, critical=False)
        certificate = builder.sign(self._key, hashes.SHA256())
        return Issued(
            certificate.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )

    def _builder(
        self, subject: x509.Name, public_key: ec.EllipticCurvePublicKey
    ) -> x509.CertificateBuilder:
        now = datetime.datetime.now(datetime.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            # A minute back: a client whose clock is slightly behind still accepts it.
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=self._valid_days))
        )


def _key_usage(*, certificate_signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not certificate_signer,
        key_cert_sign=certificate_signer,
        crl_sign=certificate_signer,
        encipher_only=False,
        decipher_only=False,
    )


def write_certificates(out: Path, clients: Sequence[str]) -> list[Path]:
    """A new CA in ``out``: ca.pem, server.pem + server.key, and NAME.pem + NAME.key per
    client (keys readable by their owner only). The CA's key is not kept: rerun to issue more.
    The files written, in that order."""
    for name in clients:
        if not NAME_PATTERN.fullmatch(name) or name in {"ca", "server"}:
            raise ValueError(
                f"client name {name!r}: 1-64 letters, digits, '.', '_' or '-', not ca or server"
            )
    out.mkdir(parents=True, exist_ok=True)
    authority = LocalAuthority()
    written = [_write(out / "ca.pem", authority.certificate_pem, 0o644)]
    for name, issued in [
        ("server", authority.server()),
        *((n, authority.client(n)) for n in clients),
    ]:
        written.append(_write(out / f"{name}.pem", issued.certificate_pem, 0o644))
        written.append(_write(out / f"{name}.key", issued.key_pem, 0o600))
    return written


def _write(path: Path, data: bytes, mode: int) -> Path:
    # Created with its final mode: a key is never readable by others, even for a moment.
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return path
