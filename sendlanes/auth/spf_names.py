"""Finding a domain's SPF record, and the name checks that go with it (RFC 7208 §4.3–§4.5).

Shared by evaluation (check_host) and analysis, which report the same outcomes differently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, TypeVar

from sendlanes.auth.spf_macro import TOPLABEL
from sendlanes.auth.spf_record import SpfRecord, SpfSyntaxError, is_spf_record, parse_spf_record
from sendlanes.dns.resolver import DnsLookup, DnsTemporaryError, NxDomain

T = TypeVar("T")

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63


def without_final_dot(name: str) -> str:
    """*name* without one trailing dot (``example.com.`` and ``example.com`` are one name)."""
    return name[:-1] if name.endswith(".") else name


def queryable(name: str) -> bool:
    """Whether a DNS question can be formed for *name* (RFC 1035 §2.3.4 limits).

    A name that cannot is treated as non-existent (RFC 7208 §4.3, §4.8), without asking DNS.
    """
    bare = without_final_dot(name)
    if not bare or len(bare) > MAX_NAME_LENGTH:
        return False
    return all(0 < len(label) <= MAX_LABEL_LENGTH for label in bare.split("."))


def domain_problem(domain: str) -> str | None:
    """Why *domain* cannot be checked at all (RFC 7208 §4.3), or None when it can.

    A malformed name, a single label, or a top label that is not a DNS top label (for
    example the ``]`` of an address literal) makes check_host() return ``none``.
    """
    bare = without_final_dot(domain)
    if not bare:
        return "the domain is empty"
    if bare.startswith("[") and bare.endswith("]"):
        return f"{bare} is an address literal, not a domain name"
    if len(bare) > MAX_NAME_LENGTH:
        return f"{bare[:40]}…: longer than {MAX_NAME_LENGTH} characters"
    labels = bare.split(".")
    for label in labels:
        if not label:
            return f"{bare}: has an empty label"
        if len(label) > MAX_LABEL_LENGTH:
            return f"{bare}: label {label[:20]}… is longer than {MAX_LABEL_LENGTH} characters"
    if len(labels) < 2:
        return f"{bare}: not a fully qualified domain name (one label)"
    if not TOPLABEL.match(labels[-1]):
        return f"{bare}: {labels[-1]!r} is not a top-level label"
    return None


def select_spf_records(texts: Iterable[str]) -> list[str]:
    """The TXT records that are SPF records (``v=spf1`` then a space or the end, §4.5)."""
    return [text for text in texts if is_spf_record(text)]


def within(name: str, domain: str) -> bool:
    """Whether *name* is *domain* or a subdomain of it, ignoring case and a trailing dot."""
    name = name.rstrip(".").lower()
    domain = domain.rstrip(".").lower()
    return name == domain or name.endswith("." + domain)


def answers(ask: Callable[[str], tuple[T, ...]], name: str, rdtype: str) -> tuple[T, ...]:
    """``ask(name)``, with a name that does not exist (or cannot) answering ``()``.

    NXDOMAIN and NODATA are alike for SPF: both are "void" (RFC 7208 §4.6.4).

    :raises DnsTemporaryError: the look-up failed; anything else an injected
        :class:`~sendlanes.dns.resolver.DnsLookup` raises is reported the same way, so one broken
        look-up gives a temperror instead of a crash.
    """
    if not queryable(name):
        return ()
    try:
        return ask(name)
    except NxDomain:
        return ()
    except DnsTemporaryError:
        raise
    except Exception as error:  # the boundary with injected I/O: see the docstring
        raise DnsTemporaryError(name, rdtype, f"look-up failed: {error!r}") from error


@dataclass(frozen=True)
class NoRecord:
    """Why a domain has no usable SPF record: the check_host() result and the reason.

    ``section`` is the RFC 7208 section behind *reason* (None when the reason cites its
    own); ``text`` the record, when it exists but does not parse.
    """

    result: Literal["none", "permerror", "temperror"]
    reason: str
    section: str | None = None
    text: str | None = None

    def __str__(self) -> str:
        return self.reason if self.section is None else f"{self.reason} (RFC 7208 §{self.section})"


def find_spf_record(domain: str, lookup: DnsLookup) -> SpfRecord | NoRecord:
    """*domain*'s one parsed SPF record, or why there is none (RFC 7208 §4.3–§4.6)."""
    problem = domain_problem(domain)
    if problem is not None:
        return NoRecord("none", problem, "4.3")
    try:
        texts = answers(lookup.txt, domain, "TXT")
    except DnsTemporaryError as error:
        return NoRecord("temperror", str(error))
    records = select_spf_records(texts)
    if not records:
        return NoRecord("none", f"{domain} has no SPF record", "4.5")
    if len(records) > 1:
        shown = ", ".join(f'"{r}"' for r in records)
        return NoRecord("permerror", f"{domain} has {len(records)} SPF records ({shown})", "4.5")
    try:
        return parse_spf_record(records[0])
    except SpfSyntaxError as error:
        return NoRecord("permerror", f"{domain}: {error}", text=records[0])
