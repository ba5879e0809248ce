"""Building blocks of the stack-config schema shared by :mod:`sendlanes.config.schema` and the
provider presets: the strict base model, validated scalar types and TLS modes."""

from __future__ import annotations

import enum
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from sendlanes.auth.dkim_key import DkimKeyError, parse_public_key
from sendlanes.errors import quoted

#: Ports where TLS starts with the first byte (RFC 8314 §3.3); elsewhere STARTTLS.
IMPLICIT_TLS_PORTS = frozenset({465, 2465})
MAX_LABEL_OCTETS = 63
MAX_NAME_OCTETS = 253
_LDH_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
# Underscore labels (`_dmarc`, `s1._domainkey`) are service names, legal in owner names.
_SERVICE_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# Whole names of such labels, matched at once: the common case, which needs no per-label
# loop (every name of a large stack passes here). Anything else takes the loop, which says
# what is wrong.
_LDH_NAME = re.compile(rf"(?:{_LDH_LABEL.pattern}\.)*{_LDH_LABEL.pattern}")
_SERVICE_NAME = re.compile(rf"(?:{_SERVICE_LABEL.pattern}\.)*{_SERVICE_LABEL.pattern}")


class TlsMode(enum.StrEnum):
    """How a lane's SMTP connection is encrypted."""

    STARTTLS = "starttls"  # plaintext greeting, then STARTTLS (RFC 3207), usually port 587
    IMPLICIT = "implicit"  # TLS from the first byte (RFC 8314 §3.3), usually port 465
    NONE = "none"  # no TLS at all: reachable, but never usable with a password


class ConfigModel(BaseModel):
    """Frozen, strict, camelCase-in-YAML base of every config model."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        str_strip_whitespace=True,
    )


def _to_ascii_labels(value: str, *, allow_underscore: bool) -> list[str]:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty host name")
    name = value.rstrip(".").lower()
    if not name:
        raise ValueError("must be a non-empty host name")
    if (_SERVICE_NAME if allow_underscore else _LDH_NAME).fullmatch(name):
        return name.split(".")
    return _labels_one_by_one(value, name, allow_underscore=allow_underscore)


def _labels_one_by_one(value: str, name: str, *, allow_underscore: bool) -> list[str]:
    """*name*'s labels as A-labels, or a ValueError naming the first one that is wrong."""
    labels = []
    for label in name.split("."):
        if not label:
            raise ValueError(f"{quoted(value)} has an empty label")
        try:
            ascii_label = label.encode("idna").decode("ascii") if not label.isascii() else label
        except UnicodeError as error:
            raise ValueError(
                f"{quoted(value)}: label {quoted(label)} is not valid IDNA ({error})"
            ) from None
        if len(ascii_label.encode()) > MAX_LABEL_OCTETS:
            raise ValueError(
                f"{quoted(value)}: label {quoted(label)} is {len(ascii_label)} octets "
                f"(max {MAX_LABEL_OCTETS}, RFC 1035 §2.3.4)"
            )
        pattern = _SERVICE_LABEL if allow_underscore else _LDH_LABEL
        if not pattern.fullmatch(ascii_label):
            raise ValueError(
                f"{quoted(value)}: label {quoted(label)} may hold only letters, digits and "
                "inner hyphens"
            )
        labels.append(ascii_label)
    return labels


def _hostname(value: str) -> str:
    labels = _to_ascii_labels(value, allow_underscore=False)
    name = ".".join(labels)
    if len(name) > MAX_NAME_OCTETS:
        raise ValueError(f"{quoted(value)} is {len(name)} octets (max {MAX_NAME_OCTETS}, RFC 1035)")
    return name


def _domain(value: str) -> str:
    name = _hostname(value)
    if "." not in name:
        raise ValueError(f"{quoted(value)} must have at least two labels (e.g. acme.example)")
    return name


def _label(value: str) -> str:
    labels = _to_ascii_labels(value, allow_underscore=False)
    return ".".join(labels)


def _selector(value: str) -> str:
    # DKIM selectors are dot-separated sub-domains (RFC 6376 §3.1); underscores appear in the
    # wild and are legal in owner names.
    return ".".join(_to_ascii_labels(value, allow_underscore=True))


def _dkim_key(value: str) -> str:
    try:
        parse_public_key(value)
    except DkimKeyError as error:
        raise ValueError(f"not a usable DKIM public key: {error}") from None
    return "".join(value.split())


Hostname = Annotated[str, AfterValidator(_hostname)]
"""A host name (IDNA-encoded, lower-case, no trailing dot)."""
Domain = Annotated[str, AfterValidator(_domain)]
"""A domain with at least two labels."""
Label = Annotated[str, AfterValidator(_label)]
"""One or more labels relative to a parent (``receipts``, ``mail.eu``)."""
Selector = Annotated[str, AfterValidator(_selector)]
DkimKeyText = Annotated[str, AfterValidator(_dkim_key)]
"""A DKIM ``p=`` value that parses as an RSA or Ed25519 public key."""
Port = Annotated[int, Field(ge=1, le=65535, strict=True)]
Ttl = Annotated[int, Field(ge=60, le=86400, strict=True)]
