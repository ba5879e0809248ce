"""DKIM public keys: decoding the ``p=`` value and judging its strength.

RSA keys are base64 DER SubjectPublicKeyInfo (RFC 6376 §3.6.1); a bare PKCS#1 RSAPublicKey is
accepted too, because dkimpy and several MTAs accept it and providers have published it.
Ed25519 keys are base64 of the raw 32-byte public key (RFC 8463 §4.2). Key strength follows
RFC 8301 §3.2 (RSA) and RFC 8463 (Ed25519).
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import re
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

ED25519_KEY_OCTETS = 32
# RFC 8301 §3.2: verifiers MUST NOT consider signatures with keys under 1024 bits valid, and
# signers SHOULD use at least 2048 bits.
RSA_MINIMUM_BITS = 1024
RSA_RECOMMENDED_BITS = 2048

_WHITESPACE = re.compile(r"\s+")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class KeyAlgorithm(enum.StrEnum):
    """The ``k=`` key types registered for DKIM (RFC 6376 §3.6.1, RFC 8463 §5)."""

    RSA = "rsa"
    ED25519 = "ed25519"


class Strength(enum.StrEnum):
    """How a key fares against RFC 8301 / RFC 8463."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


class DkimKeyError(ValueError):
    """The ``p=`` value is not base64, not a public key, or has the wrong length."""


@dataclass(frozen=True)
class DkimPublicKey:
    """A decoded DKIM public key: its algorithm and size (RSA modulus bits; 256 for Ed25519)."""

    algorithm: KeyAlgorithm
    bits: int


def decode_key_data(p: str) -> bytes:
    """Decode a ``p=`` value to octets, ignoring whitespace (RFC 6376 §3.6.1 ``base64string``).

    :raises DkimKeyError: when the value is not base64.
    """
    compact = _WHITESPACE.sub("", p)
    if not compact:
        raise DkimKeyError("p= is empty: the key is revoked (RFC 6376 §3.6.1), not a key")
    if not _BASE64.fullmatch(compact):
        bad = sorted({c for c in compact if not (c.isascii() and (c.isalnum() or c in "+/="))})
        if not bad:
            raise DkimKeyError("p= is not base64: '=' padding may only end it (RFC 6376 §3.6.1)")
        raise DkimKeyError(f"p= is not base64: unexpected {''.join(bad)!r} (RFC 6376 §3.6.1)")
    if len(compact) % 4:
        raise DkimKeyError(
            f"p= is not base64: {len(compact)} characters is not a multiple of 4 (RFC 6376 §3.6.1)"
        )
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as error:
        raise DkimKeyError(f"p= is not base64: {error} (RFC 6376 §3.6.1)") from error


def _rsa_key(data: bytes) -> DkimPublicKey:
    try:
        # cryptography reads SubjectPublicKeyInfo and falls back to PKCS#1 RSAPublicKey.
        key = serialization.load_der_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as error:
        raise DkimKeyError(
            "p= is base64 but not an RSA public key: expected DER SubjectPublicKeyInfo "
            f"(RFC 6376 §3.6.1) or PKCS#1 RSAPublicKey, {len(data)} octets decoded"
        ) from error
    if isinstance(key, ed25519.Ed25519PublicKey):
        raise DkimKeyError(
            "p= holds an Ed25519 key wrapped in SubjectPublicKeyInfo; RFC 8463 §4.2 publishes "
            "the raw 32-byte key (and k=ed25519)"
        )
    if not isinstance(key, rsa.RSAPublicKey):
        raise DkimKeyError(
            f"p= holds a {type(key).__name__.removesuffix('PublicKey')} key; DKIM keys are "
            "RSA (RFC 6376 §3.6.1) or Ed25519 (RFC 8463)"
        )
    return DkimPublicKey(KeyAlgorithm.RSA, key.key_size)


def _ed25519_key(data: bytes) -> DkimPublicKey:
    if len(data) != ED25519_KEY_OCTETS:
        raise DkimKeyError(
            f"p= is {len(data)} octets; an Ed25519 key is the raw {ED25519_KEY_OCTETS}-octet "
            "public key (RFC 8463 §4.2)"
        )
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(data)
    except ValueError as error:  # pragma: no cover - every 32-octet string is accepted today
        raise DkimKeyError(f"p= is not an Ed25519 public key: {error}") from error
    return DkimPublicKey(KeyAlgorithm.ED25519, 8 * ED25519_KEY_OCTETS)


#: Distinct keys remembered: config validation, the plan and verify each meet every key.
KEYS_KEPT = 8192


@functools.lru_cache(maxsize=KEYS_KEPT, typed=True)  # "rsa" is not KeyAlgorithm.RSA here
def parse_public_key(p: str, algorithm: KeyAlgorithm | None = None) -> DkimPublicKey:
    """Decode a DKIM ``p=`` value into its algorithm and size (remembered: it is pure).

    With *algorithm* given (the record's ``k=``), the key must be of that type. Without it the
    type is detected: 32 octets is an Ed25519 key (RFC 8463 §4.2), anything else must be an
    RSA key in DER (RFC 6376 §3.6.1).

    :raises DkimKeyError: when *p* is empty, not base64, not a key, or the wrong length.
    """
    data = decode_key_data(p)
    if algorithm is KeyAlgorithm.ED25519:
        return _ed25519_key(data)
    if algorithm is KeyAlgorithm.RSA:
        if len(data) == ED25519_KEY_OCTETS:
            raise DkimKeyError(
                "p= is 32 octets, the size of a raw Ed25519 key, but k=rsa expects DER "
                "SubjectPublicKeyInfo (RFC 6376 §3.6.1); is k=ed25519 missing?"
            )
        return _rsa_key(data)
    if len(data) == ED25519_KEY_OCTETS:
        return _ed25519_key(data)
    return _rsa_key(data)


def dkim_strength(key: DkimPublicKey) -> tuple[Strength, str]:
    """Judge *key* by RFC 8301 §3.2 (RSA sizes) and RFC 8463 (Ed25519)."""
    if key.algorithm is KeyAlgorithm.ED25519:
        return Strength.PASS, "Ed25519 key (RFC 8463)"
    if key.bits < RSA_MINIMUM_BITS:
        return (
            Strength.FAIL,
            f"RSA key of {key.bits} bits: RFC 8301 §3.2: verifiers MUST NOT accept keys under "
            f"{RSA_MINIMUM_BITS} bits",
        )
    if key.bits < RSA_RECOMMENDED_BITS:
        return (
            Strength.WARN,
            f"RSA key of {key.bits} bits: RFC 8301: signers SHOULD use 2048 bits or more",
        )
    return Strength.PASS, f"RSA key of {key.bits} bits (RFC 8301 §3.2)"
