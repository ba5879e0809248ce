"""Typed DMARC policy records (RFC 9989 §4.7), report URIs, and the canonical text form.

Fields are named after their tags and hold what the record *says*: ``None`` (or ``()``)
means the tag is absent, so :func:`format_dmarc_record` writes back exactly what was set.
The properties (:attr:`DmarcRecord.subdomain_policy`, :attr:`DmarcRecord.dkim_alignment`, …)
give the values a receiver uses once RFC 9989 defaults are applied.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote

# RFC 3986 §3.1 scheme, and the characters a URI may hold (§2). DMARC requires ',' and '!'
# to be percent-encoded inside a URI (RFC 9989 §4.8), so they are excluded here.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_URI_REST = re.compile(r"(?:[A-Za-z0-9\-._~$&'()*+;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*")
# RFC 7489 §6.2 size limit: "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] (ABNF: case-insensitive).
_SIZE = re.compile(r"([0-9]+)([kmgtKMGT]?)")
_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
# RFC 5322 §3.2.3 dot-atom local part; RFC 1035 LDH labels for the domain.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_MAX_DOMAIN_OCTETS = 253


class Policy(enum.StrEnum):
    """Domain Owner Assessment Policy (``p``, ``sp``, ``np``; RFC 9989 §4.7)."""

    NONE = "none"
    QUARANTINE = "quarantine"
    REJECT = "reject"


class AlignmentMode(enum.StrEnum):
    """Identifier alignment mode (``adkim``, ``aspf``; RFC 9989 §4.7)."""

    RELAXED = "r"
    STRICT = "s"


class PsdFlag(enum.StrEnum):
    """The ``psd`` tag (RFC 9989 §4.7): a Public Suffix Domain, not one, or unknown."""

    YES = "y"
    NO = "n"
    UNKNOWN = "u"


class FailureOption(enum.StrEnum):
    """Failure-report options (``fo``; RFC 9989 §4.7)."""

    ALL_FAIL = "0"
    ANY_FAIL = "1"
    DKIM = "d"
    SPF = "s"


class DmarcParseError(ValueError):
    """The text is not a valid DMARC record; :attr:`problems` lists every reason."""

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class ReportUri:
    """One ``rua``/``ruf`` destination. *address* and *domain* are set for ``mailto:``."""

    uri: str
    scheme: str
    address: str | None = None
    domain: str | None = None
    size_suffix: str = ""

    @property
    def size_limit(self) -> int | None:
        """The RFC 7489 §6.2 size limit in octets (units are powers of 1024), or None."""
        match = _SIZE.fullmatch(self.size_suffix)
        if match is None:
            return None
        return int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]

    def __str__(self) -> str:
        return f"{self.uri}!{self.size_suffix}" if self.size_suffix else self.uri


def _mailto_address(uri: str, rest: str) -> tuple[str, str]:
    # RFC 6068 §2: "mailto:" to [hfields]; DMARC needs exactly one addr-spec in "to".
    to = unquote(rest.partition("?")[0])
    local, at, domain = to.rpartition("@")
    if not at or not local:
        raise DmarcParseError([f"{uri!r}: mailto: needs an address local@domain (RFC 6068 §2)"])
    if not _DOT_ATOM.fullmatch(local):
        raise DmarcParseError([f"{uri!r}: {local!r} is not a valid local part (RFC 5322 §3.4.1)"])
    domain = domain.rstrip(".").lower()
    labels = domain.split(".")
    if len(domain) > _MAX_DOMAIN_OCTETS or not all(_LABEL.fullmatch(label) for label in labels):
        raise DmarcParseError([f"{uri!r}: {domain!r} is not a valid domain name (RFC 1035)"])
    return f"{local}@{domain}", domain


#: Distinct report URIs remembered (every lane of a brand names the same ones).
URIS_KEPT = 4096


@functools.lru_cache(maxsize=URIS_KEPT)
def parse_report_uri(text: str) -> ReportUri:
    """Parse one DMARC report URI with an optional ``!size`` suffix (RFC 9989 §4.8).

    Any RFC 3986 URI is syntactically valid; ``mailto:`` URIs must also hold one valid
    address, because that is the scheme receivers send to.

    :raises DmarcParseError: naming the URI and what is wrong with it.
    """
    uri, bang, size = text.partition("!")
    if bang and not _SIZE.fullmatch(size):
        raise DmarcParseError(
            [f"{text!r}: size suffix '!{size}' is not digits with k/m/g/t (RFC 7489 §6.2)"]
        )
    scheme, colon, rest = uri.partition(":")
    if not colon or not _SCHEME.fullmatch(scheme):
        raise DmarcParseError([f"{text!r} is not a URI: it needs a scheme such as mailto:"])
    if not _URI_REST.fullmatch(rest):
        bad = sorted({c for c in rest if not _URI_REST.fullmatch(c)} - {"%"}) or ["%"]
        raise DmarcParseError(
            [f"{text!r}: {''.join(bad)!r} must be percent-encoded in a URI (RFC 3986 §2)"]
        )
    scheme = scheme.lower()
    if scheme != "mailto":
        return ReportUri(uri=uri, scheme=scheme, size_suffix=size)
    address, domain = _mailto_address(text, rest)
    return ReportUri(uri=uri, scheme=scheme, address=address, domain=domain, size_suffix=size)


@dataclass(frozen=True)
class DmarcRecord:
    """A DMARC policy record (RFC 9989 §4.7); absent tags are None / empty."""

    p: Policy = Policy.NONE
    sp: Policy | None = None
    np: Policy | None = None
    adkim: AlignmentMode | None = None
    aspf: AlignmentMode | None = None
    rua: tuple[ReportUri, ...] = ()
    ruf: tuple[ReportUri, ...] = ()
    fo: tuple[FailureOption, ...] = ()
    t: bool | None = None
    psd: PsdFlag | None = None

    @property
    def subdomain_policy(self) -> Policy:
        """``sp``, else ``p`` (RFC 9989 §4.7)."""
        return self.sp if self.sp is not None else self.p

    @property
    def nonexistent_policy(self) -> Policy:
        """``np``, else ``sp``, else ``p`` (RFC 9989 §4.7)."""
        return self.np if self.np is not None else self.subdomain_policy

    @property
    def dkim_alignment(self) -> AlignmentMode:
        return self.adkim or AlignmentMode.RELAXED

    @property
    def spf_alignment(self) -> AlignmentMode:
        return self.aspf or AlignmentMode.RELAXED

    @property
    def testing(self) -> bool:
        """``t=y``: apply one level below the policy (RFC 9989 §4.7)."""
        return bool(self.t)

    @property
    def psd_flag(self) -> PsdFlag:
        return self.psd or PsdFlag.UNKNOWN

    @property
    def failure_options(self) -> tuple[FailureOption, ...]:
        return self.fo or (FailureOption.ALL_FAIL,)


def format_dmarc_record(record: DmarcRecord) -> str:
    """The canonical TXT text: tags in the order v, p, sp, np, adkim, aspf, rua, ruf, fo, t.

    Only tags that are set are written (``v`` and ``p`` always). ``psd``, which lanes never
    publish, follows ``t`` when set. The output parses back to an equal record.
    """
    parts = ["v=DMARC1", f"p={record.p}"]
    for name, policy in (("sp", record.sp), ("np", record.np)):
        if policy is not None:
            parts.append(f"{name}={policy}")
    for name, mode in (("adkim", record.adkim), ("aspf", record.aspf)):
        if mode is not None:
            parts.append(f"{name}={mode}")
    for name, uris in (("rua", record.rua), ("ruf", record.ruf)):
        if uris:
            parts.append(f"{name}=" + ",".join(str(uri) for uri in uris))
    if record.fo:
        parts.append("fo=" + ":".join(record.fo))
    if record.t is not None:
        parts.append(f"t={'y' if record.t else 'n'}")
    if record.psd is not None:
        parts.append(f"psd={record.psd}")
    return "; ".join(parts)
