"""Certificates for TLS tests, made with ``cryptography``: a private CA and leaves it signs.

Usage::

    ca = CertificateAuthority.create(tmp_path)
    leaf = ca.issue(tmp_path, "valid", hosts=["127.0.0.1", "localhost"])
    expired = ca.issue(tmp_path, "expired", hosts=["127.0.0.1"], not_after=now - 2 days)
    context = leaf.server_context()          # ssl.SSLContext for a test server
    # clients trust ca.cert_path (pass it as --cafile)

Keys are ECDSA P-256: generating one takes well under a millisecond, so every test can make
its own chain instead of sharing files between tests.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DAY = datetime.timedelta(days=1)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _subject_alternative_names(hosts: Sequence[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@dataclass(frozen=True)
class Leaf:
    """A server certificate and its key, as PEM files."""

    cert_path: Path
    key_path: Path
    certificate: x509.Certificate

    def server_context(
        self,
        *,
        maximum_version: ssl.TLSVersion | None = None,
    ) -> ssl.SSLContext:
        """An ``ssl.SSLContext`` that serves this certificate.

        ``maximum_version`` below TLS 1.2 also lowers the minimum version and OpenSSL's
        security level, which otherwise refuse TLS 1.0/1.1 outright.
        """
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if maximum_version is not None and maximum_version < ssl.TLSVersion.TLSv1_2:
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
            context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            with warnings.catch_warnings():
                # Serving TLS 1.1 on purpose: the point is to see a client refuse it.
                warnings.simplefilter("ignore", DeprecationWarning)
                context.maximum_version = maximum_version
        elif maximum_version is not None:
            context.maximum_version = maximum_version
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


@dataclass(frozen=True)
class CertificateAuthority:
    """A self-signed CA; its certificate file is what a client passes as ``--cafile``."""

    cert_path: Path
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @classmethod
    def create(
        cls, directory: Path, common_name: str = "sendlanes test CA"
    ) -> CertificateAuthority:
        """Make a CA valid from yesterday for ten years and write ``<directory>/ca.pem``."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = _utcnow()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - DAY)
            .not_valid_after(now + 3650 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        directory.mkdir(parents=True, exist_ok=True)
        cert_path = directory / "ca.pem"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        return cls(cert_path=cert_path, key=key, certificate=certificate)

    def issue(
        self,
        directory: Path,
        stem: str,
        *,
        hosts: Sequence[str],
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
        days: int | None = None,
    ) -> Leaf:
        """Sign a server certificate for ``hosts`` (IP addresses become IP SANs).

        Validity: ``not_before`` defaults to yesterday; ``not_after`` to ``days`` from now
        (default 90). Files: ``<directory>/<stem>.pem`` and ``<stem>.key``.
        """
        now = _utcnow()
        start = not_before if not_before is not None else now - DAY
        end = not_after if not_after is not None else now + (90 if days is None else days) * DAY
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(hosts[0]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(_subject_alternative_names(hosts), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        directory.mkdir(parents=True, exist_ok=True)
        cert_path = directory / f"{stem}.pem"
        key_path = directory / f"{stem}.key"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        _write_key(key_path, key)
        return Leaf(cert_path=cert_path, key_path=key_path, certificate=certificate)
