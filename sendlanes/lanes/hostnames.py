"""Host names, checked one way for config fields and command-line arguments.

A name is accepted in U-labels (``bücher.test``) or A-labels (``xn--bcher-kva.test``) and
always returned as lower-case A-labels without the final dot: the form on the wire, in the
plan and in every record. Non-ASCII labels follow IDNA 2008 with the UTS 46 mapping (the
``idna`` package: ``Bücher`` maps to ``bücher``, an emoji is disallowed); an ASCII label
that claims to be an A-label (``xn--…``) must decode. Domains are never IP literals and never
end in an all-numeric label (RFC 3696 §2: a top-level domain is not all digits).
"""

from __future__ import annotations

import ipaddress
import re

import idna

from sendlanes.errors import quoted

MAX_LABEL_OCTETS = 63
MAX_NAME_OCTETS = 253
_LDH_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
# Underscore labels (`_dmarc`, `s1._domainkey`) are service names, legal in owner names.
_SERVICE_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# Whole names of plain ASCII labels, matched at once: the common case, which needs no
# per-label loop (every name of a large stack passes here). Anything else takes the loop,
# which says what is wrong.
_LDH_NAME = re.compile(rf"(?:{_LDH_LABEL.pattern}\.)*{_LDH_LABEL.pattern}")
_SERVICE_NAME = re.compile(rf"(?:{_SERVICE_LABEL.pattern}\.)*{_SERVICE_LABEL.pattern}")
_A_LABEL_PREFIX = "xn--"


def a_labels(value: object, *, allow_underscore: bool = False) -> list[str]:
    """*value*'s labels as lower-case A-labels.

    :raises ValueError: naming the first label that is not a host name label.
    """
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty host name")
    name = value.removesuffix(".").lower()
    if not name:
        raise ValueError("must be a non-empty host name")
    pattern = _SERVICE_NAME if allow_underscore else _LDH_NAME
    if _A_LABEL_PREFIX not in name and pattern.fullmatch(name):
        return name.split(".")
    return [_a_label(value, label, allow_underscore) for label in name.split(".")]


def _a_label(value: str, label: str, allow_underscore: bool) -> str:
    if not label:
        raise ValueError(f"{quoted(value)} has an empty label")
    if label.isascii() and not label.startswith(_A_LABEL_PREFIX):
        a_label = label
    elif allow_underscore and "_" in label:
        raise ValueError(f"{quoted(value)}: label {quoted(label)} mixes an underscore with IDNA")
    else:
        try:
            a_label = idna.encode(label, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as error:
            what = "an invalid A-label" if label.startswith(_A_LABEL_PREFIX) else "not IDNA 2008"
            raise ValueError(
                f"{quoted(value)}: label {quoted(label)} is {what} ({error})"
            ) from None
    if len(a_label) > MAX_LABEL_OCTETS:
        raise ValueError(
            f"{quoted(value)}: label {quoted(label)} is {len(a_label)} octets "
            f"(max {MAX_LABEL_OCTETS}, RFC 1035 §2.3.4)"
        )
    if not (_SERVICE_LABEL if allow_underscore else _LDH_LABEL).fullmatch(a_label):
        raise ValueError(
            f"{quoted(value)}: label {quoted(label)} may hold only letters, digits and "
            "inner hyphens"
        )
    return a_label


def _whole(value: str, labels: list[str]) -> str:
    name = ".".join(labels)
    if len(name) > MAX_NAME_OCTETS:
        raise ValueError(
            f"{quoted(value)} is {len(name)} octets (max {MAX_NAME_OCTETS}, RFC 1035 §2.3.4)"
        )
    return name


def host_name(value: object) -> str:
    """A host name in A-labels (one label allowed).

    :raises ValueError: not a host name: an IP literal, an all-numeric last label, a bad label,
        or longer than 253 octets.
    """
    if isinstance(value, str):
        _refuse_ip_literal(value)
    labels = a_labels(value)
    if labels[-1].isdigit():
        raise ValueError(
            f"{quoted(value)}: the last label {labels[-1]!r} is all digits; no top-level "
            "domain is (RFC 3696 §2)"
        )
    return _whole(str(value), labels)


def server_host(value: object) -> str:
    """A server to connect to: a host name in A-labels, or an IP address (a self-hosted or
    test SMTP server may have no name).

    :raises ValueError: as :func:`host_name` for anything that is not an IP address.
    """
    if isinstance(value, str):
        try:
            return str(ipaddress.ip_address(value.strip("[]")))
        except ValueError:
            pass
    return host_name(value)


def domain_name(value: object) -> str:
    """A domain of at least two labels, in A-labels (``acme.example``).

    :raises ValueError: as :func:`host_name`, or a single label.
    """
    name = host_name(value)
    if "." not in name:
        raise ValueError(f"{quoted(value)} must have at least two labels (e.g. acme.example)")
    return name


def relative_name(value: object, *, allow_underscore: bool = False) -> str:
    """One or more labels below a parent (``receipts``, ``mail.eu``, ``s1._domainkey``)."""
    return _whole(str(value), a_labels(value, allow_underscore=allow_underscore))


def _refuse_ip_literal(value: str) -> None:
    text = value.removesuffix(".").strip("[]")
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return
    raise ValueError(f"{quoted(value)} is an IP address, not a domain name")
