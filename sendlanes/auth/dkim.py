"""DKIM key records: ``<selector>._domainkey.<domain>`` TXT (RFC 6376 §3.6.1).

Layered like the rest of :mod:`sendlanes.auth`: :func:`parse_dkim_record` is pure and raises
:class:`DkimRecordError` listing every problem; :func:`analyze_dkim_record` never raises and
returns a verdict (``valid``, ``invalid``, ``revoked``, ``weak``) with its reasons.
Key decoding and strength (RFC 8301, RFC 8463) live in :mod:`sendlanes.auth.dkim_key`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from sendlanes.auth.dkim_key import (
    DkimKeyError,
    DkimPublicKey,
    KeyAlgorithm,
    Strength,
    dkim_strength,
    parse_public_key,
)

__all__ = [
    "DkimAnalysis",
    "DkimKeyError",
    "DkimKeyRecord",
    "DkimPublicKey",
    "DkimRecordError",
    "DkimStatus",
    "HashAlgorithm",
    "KeyAlgorithm",
    "KeyFlag",
    "ServiceType",
    "Strength",
    "analyze_dkim_record",
    "dkim_strength",
    "format_dkim_record",
    "parse_dkim_record",
    "parse_public_key",
    "verifier_refusals",
]

# RFC 6376 §3.2: tag-name = ALPHA *ALNUMPUNC; VALCHAR = %x21-3A / %x3C-7E; FWS around tokens.
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_FWS = " \t\r\n"
_VALUE_CHARS = re.compile(r"[\x21-\x3a\x3c-\x7e]+(?:[ \t\r\n]+[\x21-\x3a\x3c-\x7e]+)*")
# RFC 6376 §3.6.1 hyphenated-word, the syntax of h=, s= and t= list entries.
_LIST_WORD = re.compile(r"[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_COLON_LIST = re.compile(r"[ \t\r\n]*:[ \t\r\n]*")


class DkimStatus(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    REVOKED = "revoked"
    WEAK = "weak"


class HashAlgorithm(enum.StrEnum):
    """``h=`` values (RFC 6376 §3.6.1); sha1 is forbidden by RFC 8301 §3.1."""

    SHA1 = "sha1"
    SHA256 = "sha256"


class ServiceType(enum.StrEnum):
    """``s=`` values: RFC 6376 §3.6.1 (``*``, ``email``) and RFC 8460 §3 (``tlsrpt``)."""

    ANY = "*"
    EMAIL = "email"
    TLSRPT = "tlsrpt"


class KeyFlag(enum.StrEnum):
    """``t=`` flags (RFC 6376 §3.6.1)."""

    TESTING = "y"
    STRICT = "s"


class DkimRecordError(ValueError):
    """The text is not a usable DKIM key record; :attr:`problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class DkimKeyRecord:
    """A parsed DKIM key record. ``key`` is None when ``p=`` is empty (revoked)."""

    algorithm: KeyAlgorithm
    key_data: str
    key: DkimPublicKey | None
    version: str | None = None
    hash_algorithms: tuple[HashAlgorithm, ...] | None = None
    service_types: tuple[ServiceType, ...] | None = None
    flags: tuple[KeyFlag, ...] = ()
    notes: str | None = None

    @property
    def revoked(self) -> bool:
        """An empty ``p=`` revokes the key (RFC 6376 §3.6.1)."""
        return not self.key_data

    @property
    def testing(self) -> bool:
        return KeyFlag.TESTING in self.flags

    @property
    def usable_for_email(self) -> bool:
        """``s=`` absent, ``*`` or ``email`` (RFC 6376 §3.6.1)."""
        return self.service_types is None or bool(
            {ServiceType.ANY, ServiceType.EMAIL} & set(self.service_types)
        )


@dataclass(frozen=True)
class DkimAnalysis:
    """Verdict on one key record: *errors* make it invalid, *warnings* deserve action."""

    status: DkimStatus
    record: DkimKeyRecord | None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def reasons(self) -> tuple[str, ...]:
        """Errors, then warnings: what a person should read about this record."""
        return self.errors + self.warnings


@dataclass
class _Findings:
    errors: list[str]
    warnings: list[str]
    notes: list[str]


def _split_tags(text: str, found: _Findings) -> dict[str, str] | None:
    """Split an RFC 6376 §3.2 tag-list; None when it is not one."""
    tags: dict[str, str] = {}
    specs = text.split(";")
    if specs and not specs[-1].strip(_FWS):
        specs.pop()  # the optional trailing ";"
    for index, spec in enumerate(specs, start=1):
        stripped = spec.strip(_FWS)
        if not stripped:
            # Not in the ABNF, but tolerated by verifiers (dkimpy, mail-auth): say so only.
            found.warnings.append(f"tag {index} is empty (';;'); RFC 6376 §3.2 has no empty tags")
            continue
        name, equals, value = stripped.partition("=")
        name, value = name.rstrip(_FWS), value.strip(_FWS)
        if not equals:
            found.errors.append(f"tag {index} {stripped[:20]!r} has no '=' (RFC 6376 §3.2)")
            continue
        if not _TAG_NAME.fullmatch(name):
            found.errors.append(f"tag name {name[:20]!r} is not ALPHA *ALNUMPUNC (RFC 6376 §3.2)")
            continue
        if value and not _VALUE_CHARS.fullmatch(value):
            bad = sorted({c for c in value if not ("\x21" <= c <= "\x7e" or c in _FWS)})
            shown = ", ".join(f"U+{ord(c):04X}" for c in bad) or "a ';'"
            found.errors.append(f"{name}= holds characters outside RFC 6376 §3.2 ({shown})")
            continue
        if name in tags:
            found.errors.append(
                f"tag {name}= appears twice: the whole record is invalid (RFC 6376 §3.2)"
            )
            continue
        tags[name] = value
    return tags if not found.errors else None


def _colon_list(name: str, value: str, found: _Findings) -> list[str]:
    """The well-formed entries of a colon-separated list; malformed ones are errors."""
    words = []
    for word in _COLON_LIST.split(value):
        if _LIST_WORD.fullmatch(word) or word == "*":
            words.append(word.lower())
        else:
            found.errors.append(f"{name}= entry {word!r} is not a valid token (RFC 6376 §3.6.1)")
    return words


def _hash_algorithms(value: str, found: _Findings) -> tuple[HashAlgorithm, ...]:
    known = []
    for word in _colon_list("h", value, found):
        if word in HashAlgorithm.__members__.values():
            known.append(HashAlgorithm(word))
        else:
            found.notes.append(f"h={word} is not a registered hash algorithm; ignored")
    if HashAlgorithm.SHA256 not in known:
        found.warnings.append(
            f"h={value} does not allow sha256: RFC 8301 §3.1 forbids sha1 signatures, so "
            "verifiers accept no signature made with this key"
        )
    return tuple(known)


def _service_types(value: str, found: _Findings) -> tuple[ServiceType, ...]:
    known = []
    for word in _colon_list("s", value, found):
        if word in ServiceType.__members__.values():
            known.append(ServiceType(word))
        else:
            found.notes.append(f"s={word} is not a registered service type; ignored")
    if not {ServiceType.ANY, ServiceType.EMAIL} & set(known):
        found.warnings.append(
            f"s={value} excludes email: verifiers MUST NOT use this key for mail (RFC 6376 §3.6.1)"
        )
    return tuple(known)


def _flags(value: str, found: _Findings) -> tuple[KeyFlag, ...]:
    flags = []
    for word in _colon_list("t", value, found):
        if word in KeyFlag.__members__.values():
            flags.append(KeyFlag(word))
        else:
            found.notes.append(f"t={word} is not a defined flag; ignored (RFC 6376 §3.6.1)")
    if KeyFlag.TESTING in flags:
        found.warnings.append(
            "t=y: the domain is testing DKIM; verifiers may treat signed mail as unsigned "
            "(RFC 6376 §3.6.1)"
        )
    return tuple(flags)


def _key_algorithm(tags: dict[str, str], found: _Findings) -> KeyAlgorithm:
    value = tags.get("k")
    if value is None:
        return KeyAlgorithm.RSA  # RFC 6376 §3.6.1: default "rsa"
    try:
        return KeyAlgorithm(value.lower())
    except ValueError:
        found.errors.append(
            f"k={value} is not a DKIM key type: rsa (RFC 6376 §3.6.1) or ed25519 (RFC 8463)"
        )
        return KeyAlgorithm.RSA


def _examine(text: str) -> tuple[DkimKeyRecord | None, _Findings]:
    found = _Findings([], [], [])
    tags = _split_tags(text, found)
    if tags is None:
        return None, found
    names = list(tags)
    version = tags.get("v")
    if version is not None and names[0] != "v":
        found.errors.append("v= must be the first tag when present (RFC 6376 §3.6.1)")
    elif version is not None and version != "DKIM1":
        found.errors.append(
            f"v={version} is not DKIM1: such records MUST be discarded (RFC 6376 §3.6.1)"
        )
    algorithm = _key_algorithm(tags, found)
    hashes = _hash_algorithms(tags["h"], found) if "h" in tags else None
    services = _service_types(tags["s"], found) if "s" in tags else None
    flags = _flags(tags["t"], found) if "t" in tags else ()
    for name in names:
        if name == "g":
            found.notes.append("g= (key granularity) was dropped by RFC 6376; ignored")
        elif name not in ("v", "k", "h", "s", "t", "n", "p"):
            found.notes.append(f"unknown tag {name}= ignored (RFC 6376 §3.6.1)")
    key_data = "".join(tags.get("p", "").split())
    key = None
    if "p" not in tags:
        found.errors.append("p= is missing; it is REQUIRED (RFC 6376 §3.6.1)")
    elif key_data:
        try:
            key = parse_public_key(key_data, algorithm)
        except DkimKeyError as error:
            found.errors.append(str(error))
    if found.errors:
        return None, found
    record = DkimKeyRecord(
        algorithm=algorithm,
        key_data=key_data,
        key=key,
        version=version,
        hash_algorithms=hashes,
        service_types=services,
        flags=flags,
        notes=tags.get("n"),
    )
    return record, found


def parse_dkim_record(text: str) -> DkimKeyRecord:
    """Parse a DKIM key record (RFC 6376 §3.6.1, RFC 8463 §4.2).

    Unknown tags, hash algorithms, service types and flags are ignored as the RFC requires.
    An empty ``p=`` parses to a revoked record (``key`` is None).

    :raises DkimRecordError: listing every problem — syntax (§3.2), duplicate tags, a ``v=``
        that is not first or not ``DKIM1``, an unknown ``k=``, a missing ``p=``, or a ``p=``
        that is not a key of type ``k=``.
    """
    record, found = _examine(text)
    if record is None:
        raise DkimRecordError(found.errors)
    return record


def analyze_dkim_record(text: str) -> DkimAnalysis:
    """Judge a DKIM key record; never raises.

    ``invalid``: the record cannot be used (see :func:`parse_dkim_record`). ``revoked``: empty
    ``p=``. ``weak``: an RSA key under 1024 bits, which RFC 8301 §3.2 verifiers refuse.
    ``valid`` otherwise, with warnings for 1024–2047-bit RSA keys, sha1-only ``h=``,
    ``t=y`` and an ``s=`` without email.
    """
    record, found = _examine(text)
    status = DkimStatus.VALID
    if record is None:
        status = DkimStatus.INVALID
    elif record.key is None:
        status = DkimStatus.REVOKED
        found.notes.append("p= is empty: the key is revoked (RFC 6376 §3.6.1)")
    else:
        strength, reason = dkim_strength(record.key)
        if strength is Strength.FAIL:
            status = DkimStatus.WEAK
            found.errors.append(reason)
        elif strength is Strength.WARN:
            found.warnings.append(reason)
    return DkimAnalysis(
        status=status,
        record=record,
        errors=tuple(found.errors),
        warnings=tuple(found.warnings),
        notes=tuple(found.notes),
    )


def verifier_refusals(record: DkimKeyRecord) -> tuple[str, ...]:
    """Why no verifier accepts a signature made with *record*'s key, though it parses.

    An ``h=`` list without sha256 leaves only sha1, which RFC 8301 §3.1 forbids verifiers to
    accept; an ``s=`` list without ``email`` or ``*`` forbids using the key for mail
    (RFC 6376 §3.6.1). Empty when the key is usable (revoked and weak keys have their own
    :class:`DkimStatus`).
    """
    reasons: list[str] = []
    hashes = record.hash_algorithms
    if hashes is not None and HashAlgorithm.SHA256 not in hashes:
        shown = ":".join(hashes) or "no known algorithm"
        reasons.append(
            f"h={shown} does not allow sha256, and verifiers accept no sha1 signature "
            "(RFC 8301 §3.1): no signature made with this key verifies"
        )
    if not record.usable_for_email:
        shown = ":".join(record.service_types or ())
        reasons.append(f"s={shown} excludes email: verifiers MUST NOT use it (RFC 6376 §3.6.1)")
    return tuple(reasons)


def format_dkim_record(key: str | DkimKeyRecord, algorithm: KeyAlgorithm | None = None) -> str:
    """The canonical TXT content the project publishes: ``v=DKIM1; k=<alg>; p=<key>``.

    *key* is a ``p=`` value (whitespace is removed; the algorithm is detected unless given)
    or a parsed record. Other tags are not carried over: lanes publish keys for all services,
    all hashes and without flags.

    :raises DkimKeyError: when *key* is not a DKIM public key (or is revoked).
    """
    if isinstance(key, DkimKeyRecord):
        if key.key is None:
            raise DkimKeyError("the record is revoked (empty p=); there is no key to publish")
        return f"v=DKIM1; k={key.algorithm}; p={key.key_data}"
    compact = "".join(key.split())
    parsed = parse_public_key(compact, algorithm)
    return f"v=DKIM1; k={parsed.algorithm}; p={compact}"
