"""The SPF record parser (RFC 7208 §4.5, §4.6, §5, §6 and §12): text in, typed record out.

Pure: no DNS. Every term is checked before anything is evaluated (RFC 7208 §4.6: a syntax
error anywhere in the record is a permerror), and all bad terms are reported together in one
:class:`SpfSyntaxError`. Parsed records are immutable and remembered by their text: a verify
run meets each provider's ``include:`` record once per lane that uses it.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from sendlanes.auth.spf_macro import (
    MacroString,
    MacroSyntaxError,
    parse_domain_spec,
    parse_macro_string,
)

SPF_VERSION = "v=spf1"


class Qualifier(StrEnum):
    """The result a mechanism gives when it matches (RFC 7208 §4.6.2)."""

    PASS = "+"
    FAIL = "-"
    SOFTFAIL = "~"
    NEUTRAL = "?"


class MechanismKind(StrEnum):
    ALL = "all"
    INCLUDE = "include"
    A = "a"
    MX = "mx"
    PTR = "ptr"
    IP4 = "ip4"
    IP6 = "ip6"
    EXISTS = "exists"

    @property
    def costs_lookup(self) -> bool:
        """Whether evaluating it counts against the limit of 10 (RFC 7208 §4.6.4)."""
        return self in _LOOKUP_KINDS


_LOOKUP_KINDS = frozenset(
    {MechanismKind.INCLUDE, MechanismKind.A, MechanismKind.MX, MechanismKind.PTR}
    | {MechanismKind.EXISTS}
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Mechanism:
    """A directive: qualifier + mechanism (RFC 7208 §4.6.2, §5).

    ``target`` is the domain-spec of include/a/mx/ptr/exists (None: the current domain);
    ``network`` the ip4/ip6 network; ``ip4_prefix``/``ip6_prefix`` the a/mx CIDR lengths.
    """

    text: str
    qualifier: Qualifier
    kind: MechanismKind
    target: MacroString | None = None
    network: Network | None = None
    ip4_prefix: int = 32
    ip6_prefix: int = 128


@dataclass(frozen=True)
class Modifier:
    """``name=value`` (RFC 7208 §6); ``name`` is lowercase."""

    text: str
    name: str
    value: MacroString


SpfTerm = Mechanism | Modifier


@dataclass(frozen=True)
class SpfRecord:
    """A parsed ``v=spf1`` record (its derived views are computed once: it never changes)."""

    text: str
    terms: tuple[SpfTerm, ...]

    @cached_property
    def mechanisms(self) -> tuple[Mechanism, ...]:
        return tuple(t for t in self.terms if isinstance(t, Mechanism))

    @cached_property
    def modifiers(self) -> tuple[Modifier, ...]:
        return tuple(t for t in self.terms if isinstance(t, Modifier))

    def modifier(self, name: str) -> Modifier | None:
        """The modifier called *name* (redirect and exp appear at most once)."""
        return next((m for m in self.modifiers if m.name == name), None)

    @cached_property
    def redirect(self) -> Modifier | None:
        return self.modifier("redirect")

    @cached_property
    def explanation(self) -> Modifier | None:
        return self.modifier("exp")

    @cached_property
    def reachable_mechanisms(self) -> tuple[Mechanism, ...]:
        """Mechanisms evaluation can reach: everything up to and including the first ``all``."""
        mechanisms = self.mechanisms
        for index, mechanism in enumerate(mechanisms):
            if mechanism.kind is MechanismKind.ALL:
                return mechanisms[: index + 1]
        return mechanisms

    @cached_property
    def effective_redirect(self) -> Modifier | None:
        """``redirect=``, unless an ``all`` mechanism makes it unreachable (RFC 7208 §6.1)."""
        if any(m.kind is MechanismKind.ALL for m in self.mechanisms):
            return None
        return self.redirect


@dataclass(frozen=True)
class SyntaxProblem:
    term: str
    message: str
    section: str

    def __str__(self) -> str:
        return f"{_shown(self.term)}: {self.message} (RFC 7208 §{self.section})"


class SpfSyntaxError(ValueError):
    """The record is not valid SPF; ``problems`` lists every bad term.

    ``term`` and ``section`` are those of the first problem.
    """

    def __init__(self, problems: Sequence[SyntaxProblem]) -> None:
        if not problems:
            raise ValueError("SpfSyntaxError needs at least one problem")
        self.problems = tuple(problems)
        self.term = self.problems[0].term
        self.section = self.problems[0].section
        super().__init__("; ".join(str(p) for p in self.problems))


def _shown(term: str) -> str:
    """The term quoted, with control and non-ASCII characters escaped so they can be seen."""
    return '"' + "".join(c if " " <= c <= "~" else _escaped(c) for c in term) + '"'


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def is_spf_record(text: str) -> bool:
    """Whether a TXT record is an SPF record: ``v=spf1`` then a space or the end (§4.5)."""
    return text[:6].lower() == SPF_VERSION and (len(text) == 6 or text[6] == " ")


def count_lookup_terms(record: SpfRecord) -> int:
    """DNS-querying terms in this record alone (RFC 7208 §4.6.4), without following includes.

    Counts the include, a, mx, ptr and exists mechanisms evaluation can reach (none after an
    ``all``) and ``redirect=`` unless an ``all`` overrides it.
    """
    count = sum(1 for m in record.reachable_mechanisms if m.kind.costs_lookup)
    return count + (1 if record.effective_redirect is not None else 0)


# -- parsing ------------------------------------------------------------------------------

_VISIBLE = re.compile(r"[\x21-\x7e]+\Z")
_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9_.\-]*)=(.*)\Z", re.DOTALL)
_MECHANISM = re.compile(r"([+\-~?]?)([^:/]*)(.*)\Z", re.DOTALL)
_DUAL_CIDR = re.compile(r"(.*?)((?:/[0-9]+)?(?://[0-9]+)?)\Z", re.DOTALL)
_IP4 = re.compile(
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\Z"
)
_IP6_CHARS = re.compile(r"[0-9A-Fa-f:.]+\Z")
_MECHANISM_SECTIONS = {
    MechanismKind.ALL: "5.1",
    MechanismKind.INCLUDE: "5.2",
    MechanismKind.A: "5.3",
    MechanismKind.MX: "5.4",
    MechanismKind.PTR: "5.5",
    MechanismKind.IP4: "5.6",
    MechanismKind.IP6: "5.6",
    MechanismKind.EXISTS: "5.7",
}


class _TermError(Exception):
    def __init__(self, message: str, section: str) -> None:
        self.message = message
        self.section = section
        super().__init__(message)


#: Distinct record texts remembered (a large run sees a few hundred).
PARSED_RECORDS_KEPT = 4096


@functools.lru_cache(maxsize=PARSED_RECORDS_KEPT)
def parse_spf_record(text: str) -> SpfRecord:
    """Parse an SPF record.

    :raises SpfSyntaxError: the text is not a ``v=spf1`` record, or any term is malformed,
        or ``redirect=``/``exp=`` appears twice (RFC 7208 §6). Every problem is reported.
    """
    if not is_spf_record(text):
        raise SpfSyntaxError(
            [SyntaxProblem(text[:16], "an SPF record starts with v=spf1 and a space", "4.5")]
        )
    terms: list[SpfTerm] = []
    problems: list[SyntaxProblem] = []
    # RFC 7208 §4.6.1: terms are separated by one or more spaces (not tabs or other blanks).
    for word in text[6:].split(" "):
        if not word:
            continue
        if not _VISIBLE.match(word):
            message = "contains a control or non-ASCII character (terms are ASCII, split by spaces)"
            problems.append(SyntaxProblem(word, message, "4.6.1"))
            continue
        try:
            terms.append(_parse_term(word))
        except _TermError as error:
            problems.append(SyntaxProblem(word, error.message, error.section))
    for name in ("redirect", "exp"):
        repeated = [t for t in terms if isinstance(t, Modifier) and t.name == name]
        if len(repeated) > 1:
            problems.append(SyntaxProblem(repeated[1].text, f"{name}= appears more than once", "6"))
    if problems:
        raise SpfSyntaxError(problems)
    return SpfRecord(text, tuple(terms))


def _parse_term(word: str) -> SpfTerm:
    modifier = _MODIFIER.match(word)
    if modifier is not None:
        return _parse_modifier(word, modifier.group(1).lower(), modifier.group(2))
    match = _MECHANISM.match(word)
    assert match is not None  # the pattern matches any string
    qualifier_text, name, rest = match.groups()
    try:
        kind = MechanismKind(name.lower())
    except ValueError:
        raise _TermError(*_unknown_mechanism(name)) from None
    qualifier = Qualifier(qualifier_text) if qualifier_text else Qualifier.PASS
    section = _MECHANISM_SECTIONS[kind]
    try:
        return _parse_mechanism(word, qualifier, kind, rest, section)
    except MacroSyntaxError as error:
        raise _TermError(error.message, error.section) from None


def _unknown_mechanism(name: str) -> tuple[str, str]:
    """Message and RFC section for a term that is neither a mechanism nor a modifier."""
    lowered = name.lower()
    if lowered in ("redirect", "exp"):
        return f"{name} is a modifier: write {lowered}=<domain>", "6"
    if lowered in ("ip", "ipv4", "ipv6"):
        return f"unknown mechanism {name!r} (did you mean ip4: or ip6:?)", "5.6"
    if "=" in name:
        message = "a modifier name starts with a letter, then letters, digits, '-', '_' or '.'"
        return message, "12"
    if not name:
        return "a mechanism or modifier name is missing", "4.6.1"
    return f"unknown mechanism {name!r}", "4.6.1"


def _parse_modifier(word: str, name: str, value: str) -> Modifier:
    try:
        if name in ("redirect", "exp"):
            if not value:
                raise _TermError(f"{name}= needs a domain", "6.1" if name == "redirect" else "6.2")
            return Modifier(word, name, parse_domain_spec(value))
        return Modifier(word, name, parse_macro_string(value))
    except MacroSyntaxError as error:
        raise _TermError(error.message, error.section) from None


def _cidr(text: str, maximum: int, section: str) -> int:
    # RFC 7208 §12: "0" or a number without leading zeros, at most 32 (ip4) or 128 (ip6).
    if len(text) > 1 and text.startswith("0"):
        raise _TermError(f"CIDR length /{text} has a leading zero", section)
    value = int(text)
    if value > maximum:
        raise _TermError(f"CIDR length /{text} is more than {maximum}", section)
    return value


def _parse_mechanism(
    word: str, qualifier: Qualifier, kind: MechanismKind, rest: str, section: str
) -> Mechanism:
    if kind is MechanismKind.ALL:
        if rest:
            raise _TermError("all takes no domain or CIDR length", section)
        return Mechanism(word, qualifier, kind)
    if kind in (MechanismKind.INCLUDE, MechanismKind.EXISTS):
        if not rest.startswith(":"):
            raise _TermError(f"{kind}: needs a domain ({kind}:<domain>)", section)
        return Mechanism(word, qualifier, kind, target=parse_domain_spec(rest[1:]))
    if kind is MechanismKind.PTR:
        if rest and not rest.startswith(":"):
            raise _TermError("ptr takes no CIDR length", section)
        target = parse_domain_spec(rest[1:]) if rest else None
        return Mechanism(word, qualifier, kind, target=target)
    if kind in (MechanismKind.A, MechanismKind.MX):
        return _parse_address_mechanism(word, qualifier, kind, rest, section)
    return _parse_ip_mechanism(word, qualifier, kind, rest, section)


def _parse_address_mechanism(
    word: str, qualifier: Qualifier, kind: MechanismKind, rest: str, section: str
) -> Mechanism:
    domain_text: str | None = None
    cidr_text = rest
    if rest.startswith(":"):
        match = _DUAL_CIDR.match(rest[1:])
        assert match is not None
        domain_text, cidr_text = match.groups()
    cidr = re.fullmatch(r"(?:/([0-9]+))?(?://([0-9]+))?", cidr_text)
    if cidr is None:
        raise _TermError(f"{cidr_text!r} is not a CIDR length (/n, //n or /n//n)", section)
    ip4_text, ip6_text = cidr.groups()
    ip4_prefix = _cidr(ip4_text, 32, section) if ip4_text is not None else 32
    ip6_prefix = _cidr(ip6_text, 128, section) if ip6_text is not None else 128
    target = parse_domain_spec(domain_text) if domain_text is not None else None
    return Mechanism(word, qualifier, kind, target, None, ip4_prefix, ip6_prefix)


def _parse_ip_mechanism(
    word: str, qualifier: Qualifier, kind: MechanismKind, rest: str, section: str
) -> Mechanism:
    if not rest.startswith(":"):
        raise _TermError(f"{kind} needs an address ({kind}:<network>)", section)
    address, slash, length = rest[1:].partition("/")
    if length.startswith("/"):
        raise _TermError("a dual CIDR length (//n) is only for a and mx", section)
    if slash and not re.fullmatch("[0-9]+", length):
        raise _TermError(f"/{length} is not a CIDR length", section)
    if kind is MechanismKind.IP4:
        if not _IP4.match(address):
            raise _TermError(
                f"{address!r} is not an IPv4 address (four decimal octets, no leading zeros)",
                section,
            )
        prefix = _cidr(length, 32, section) if slash else 32
    else:
        if not _IP6_CHARS.match(address):
            raise _TermError(f"{address!r} is not an IPv6 address", section)
        try:
            ipaddress.IPv6Address(address)
        except ValueError:
            raise _TermError(f"{address!r} is not an IPv6 address", section) from None
        prefix = _cidr(length, 128, section) if slash else 128
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return Mechanism(word, qualifier, kind, network=network)
