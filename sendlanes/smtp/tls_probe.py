"""Looking at the TLS a server offers without trusting it: diagnostic contexts and a peek.

When the verified handshake fails, smtp-check reconnects once with a context that verifies
nothing (to show the certificate that failed) or one that allows obsolete versions (to name
the TLS 1.0/1.1 a server insists on). Nothing but EHLO and STARTTLS is ever sent on such a
connection: no AUTH, no password.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from typing import NamedTuple

from cryptography import x509

from sendlanes.lanes.fields import TlsMode
from sendlanes.smtp.certificate import load_peer_certificate
from sendlanes.smtp.deadline import BoundedSMTP, Connect
from sendlanes.smtp.report import SmtpTarget

"""Opens a TCP connection to (host, port) with a timeout in seconds."""

MODERN_TLS = frozenset({"TLSv1.2", "TLSv1.3"})


class TlsPeek(NamedTuple):
    version: str
    cipher: str
    certificate: x509.Certificate | None


def unverified_context() -> ssl.SSLContext:
    """For reading a certificate that failed verification; never used to send anything."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def legacy_context() -> ssl.SSLContext:
    """For finding out which obsolete TLS version a server insists on; never sends AUTH."""
    context = unverified_context()
    # MINIMUM_SUPPORTED rather than TLSv1: same effect, without ssl's DeprecationWarning.
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS < 1.2 above level 0
    return context


def address_literal(sock: socket.socket) -> str:
    """Our side's address as an RFC 5321 §4.1.3 address literal, for EHLO."""
    try:
        address = str(sock.getsockname()[0])
    except OSError:
        return "[127.0.0.1]"
    return f"[IPv6:{address}]" if ":" in address else f"[{address}]"


def cipher_text(tls: ssl.SSLSocket) -> str:
    cipher = tls.cipher()
    if cipher is None:
        return tls.version() or "unknown"
    name, _, bits = cipher
    return f"{tls.version()}, {name} ({bits}-bit)"


def peek_tls(
    connect: Connect, target: SmtpTarget, timeout: float, context: ssl.SSLContext
) -> TlsPeek | None:
    """Reconnect with a diagnostic context, only to see the TLS the server offers.

    Nothing but EHLO and STARTTLS is sent on this connection: no AUTH, ever.
    """
    client = BoundedSMTP(local_hostname="[127.0.0.1]", timeout=timeout)
    try:
        sock = connect(target.host, target.port, timeout)
        sock.settimeout(timeout)
        client.sock = sock
        if target.tls is TlsMode.STARTTLS:
            client.local_hostname = address_literal(sock)
            if client.getreply()[0] != 220 or client.ehlo()[0] != 250:
                return None
            if client.docmd("STARTTLS")[0] != 220:
                return None
            if client.file is not None:
                client.file.close()
            client.file = None
        tls = context.wrap_socket(sock, server_hostname=target.host)
        client.sock = tls
        return TlsPeek(
            version=tls.version() or "unknown",
            cipher=cipher_text(tls),
            certificate=load_peer_certificate(tls.getpeercert(binary_form=True)),
        )
    except (OSError, smtplib.SMTPException):
        return None
    finally:
        client.close()
