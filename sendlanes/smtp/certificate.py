"""Reading an SMTP server's certificate: what is wrong with it, and what it says.

Chain and host-name verification is OpenSSL's (through :mod:`ssl`); this module only turns
its verdicts and the peer certificate into sentences a person can act on.
"""

from __future__ import annotations

import datetime
import math
import ssl

from cryptography import x509
from cryptography.x509.oid import NameOID

EXPIRY_WARNING_DAYS = 14
"""Warn when a certificate has fewer days than this left: renewal has probably stalled."""

# OpenSSL X509_V_ERR_* codes (include/openssl/x509_vfy.h) grouped by what the user must fix.
_VALIDITY_ERRORS = {9: "not yet valid", 10: "expired"}
_NAME_ERRORS = {62, 63, 64}  # host name, e-mail address, IP address mismatch


def verification_problem(error: ssl.SSLCertVerificationError) -> str:
    """Say which part of certificate verification failed: host name, validity, or chain.

    ``error.verify_message`` is OpenSSL's own text ("certificate has expired",
    "Hostname mismatch, certificate is not valid for 'smtp.acme.example'.", "unable to get
    local issuer certificate"); it is kept verbatim so it can be searched for.
    """
    code = error.verify_code
    message = (error.verify_message or str(error)).rstrip(".")
    if code in _NAME_ERRORS:
        return f"host name does not match the certificate: {message}"
    if code in _VALIDITY_ERRORS:
        return f"certificate {_VALIDITY_ERRORS[code]}: {message}"
    return f"certificate chain not trusted: {message}"


def load_peer_certificate(der: bytes | None) -> x509.Certificate | None:
    """Parse the DER certificate ``SSLSocket.getpeercert(binary_form=True)`` returned."""
    if not der:
        return None
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def days_left(certificate: x509.Certificate, now: datetime.datetime) -> int:
    """Whole days from ``now`` until notAfter (RFC 5280 §4.1.2.5); negative once expired."""
    seconds = (certificate.not_valid_after_utc - now).total_seconds()
    return math.floor(seconds / 86400)


def _common_name(name: x509.Name) -> str:
    attributes = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if attributes:
        value = attributes[0].value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return name.rfc4514_string() or "(empty)"


def subject_names(certificate: x509.Certificate) -> list[str]:
    """The DNS names and IP addresses in subjectAltName (RFC 5280 §4.2.1.6)."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    names = [str(n) for n in extension.value.get_values_for_type(x509.DNSName)]
    names += [str(a) for a in extension.value.get_values_for_type(x509.IPAddress)]
    return names


def days_text(count: int) -> str:
    """ "1 day", "5 days"."""
    return "1 day" if count == 1 else f"{count} days"


def describe_certificate(certificate: x509.Certificate, now: datetime.datetime) -> str:
    """One line: subject, names, issuer and notAfter with the days left (or gone)."""
    names = ", ".join(subject_names(certificate)) or "none"
    until = certificate.not_valid_after_utc
    left = days_left(certificate, now)
    if left >= 0:
        when = f"{days_text(left)} left"
    else:
        ago = math.floor((now - until).total_seconds() / 86400)
        when = f"expired {days_text(ago)} ago" if ago else "expired less than a day ago"
    return (
        f"subject CN={_common_name(certificate.subject)}, names: {names}, "
        f"issuer CN={_common_name(certificate.issuer)}, "
        f"notAfter {until:%Y-%m-%d %H:%M} UTC ({when})"
    )
