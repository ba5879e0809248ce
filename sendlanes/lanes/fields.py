"""Building blocks of the stack-config schema shared by :mod:`sendlanes.config.schema` and the
provider presets: the strict base model, validated scalar types and TLS modes."""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from sendlanes.auth.dkim_key import DkimKeyError, parse_public_key
from sendlanes.lanes.hostnames import (
    domain_name,
    host_name,
    relative_name,
    server_host,
)

#: Ports where TLS starts with the first byte (RFC 8314 §3.3); elsewhere STARTTLS.
IMPLICIT_TLS_PORTS = frozenset({465, 2465})


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


def _selector(value: str) -> str:
    # DKIM selectors are dot-separated sub-domains (RFC 6376 §3.1); underscores appear in the
    # wild and are legal in owner names.
    return relative_name(value, allow_underscore=True)


def _dkim_key(value: str) -> str:
    try:
        parse_public_key(value)
    except DkimKeyError as error:
        raise ValueError(f"not a usable DKIM public key: {error}") from None
    return "".join(value.split())


Hostname = Annotated[str, AfterValidator(host_name)]
"""A host name (A-labels, lower-case, no trailing dot; see :mod:`sendlanes.lanes.hostnames`)."""
ServerHost = Annotated[str, AfterValidator(server_host)]
"""A host name, or an IP address (``smtp.host``)."""
Domain = Annotated[str, AfterValidator(domain_name)]
"""A domain with at least two labels."""
Label = Annotated[str, AfterValidator(relative_name)]
"""One or more labels relative to a parent (``receipts``, ``mail.eu``)."""
Selector = Annotated[str, AfterValidator(_selector)]
DkimKeyText = Annotated[str, AfterValidator(_dkim_key)]
"""A DKIM ``p=`` value that parses as an RSA or Ed25519 public key."""
Port = Annotated[int, Field(ge=1, le=65535, strict=True)]
Ttl = Annotated[int, Field(ge=60, le=86400, strict=True)]
