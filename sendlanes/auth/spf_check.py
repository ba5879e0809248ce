"""check_host() (RFC 7208 §4–§6): may this IP address send mail for this domain?

Evaluation follows the RFC exactly: terms left to right, the first match decides, limits are
counted as terms are evaluated (so a record whose 11th DNS-querying term is never reached
still passes, as the OpenSPF suite's ``include-at-limit`` case expects). The static view of a
record, used to lint it, is :mod:`sendlanes.auth.spf_analysis`.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from sendlanes.auth.spf_macro import (
    MacroString,
    MacroSyntaxError,
    expand,
    expand_domain,
    parse_explanation,
)
from sendlanes.auth.spf_names import (
    NoRecord,
    answers,
    find_spf_record,
    within,
    without_final_dot,
)
from sendlanes.auth.spf_record import (
    Mechanism,
    MechanismKind,
    Qualifier,
    SpfRecord,
)
from sendlanes.dns.resolver import DnsLookup, DnsTemporaryError

MAX_LOOKUPS = 10  # RFC 7208 §4.6.4
MAX_VOID_LOOKUPS = 2  # RFC 7208 §4.6.4, the recommended default
MAX_MX_NAMES = 10  # RFC 7208 §4.6.4
MAX_PTR_NAMES = 10  # RFC 7208 §4.6.4

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
T = TypeVar("T")


class SpfResultCode(StrEnum):
    """The results of check_host() (RFC 7208 §2.6)."""

    PASS = "pass"
    FAIL = "fail"
    SOFTFAIL = "softfail"
    NEUTRAL = "neutral"
    NONE = "none"
    PERMERROR = "permerror"
    TEMPERROR = "temperror"


QUALIFIER_RESULTS = {
    Qualifier.PASS: SpfResultCode.PASS,
    Qualifier.FAIL: SpfResultCode.FAIL,
    Qualifier.SOFTFAIL: SpfResultCode.SOFTFAIL,
    Qualifier.NEUTRAL: SpfResultCode.NEUTRAL,
}


@dataclass(frozen=True)
class SpfResult:
    """What check_host() decided, and why.

    ``mechanism`` is the term that matched (None for the default result); ``explanation`` the
    ``exp=`` text for a fail (RFC 7208 §6.2), when the domain publishes one; ``error`` says
    what went wrong for permerror/temperror, or why the result is none.
    """

    result: SpfResultCode
    domain: str
    mechanism: str | None = None
    explanation: str | None = None
    error: str | None = None
    lookups: int = 0
    void_lookups: int = 0


class _PermError(Exception):
    pass


class _TempError(Exception):
    pass


@dataclass(frozen=True)
class _Outcome:
    result: SpfResultCode
    mechanism: str | None = None
    explanation: str | None = None
    error: str | None = None
    missing: NoRecord | None = None  # why the result is none, for include/redirect messages


def client_address(ip: str) -> Address:
    """Parse the client IP; an IPv4-mapped IPv6 address is IPv4 (RFC 7208 §5)."""
    address = ipaddress.ip_address(ip.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def check_host(
    ip: str,
    domain: str,
    sender: str,
    helo: str,
    lookup: DnsLookup,
    *,
    receiver: str = "unknown",
    clock: Callable[[], float] = time.time,
) -> SpfResult:
    """Evaluate *domain*'s SPF policy for a message from *ip* (RFC 7208 §4).

    *sender* is the MAIL FROM address (``postmaster@domain`` when empty; a missing local part
    becomes ``postmaster``, RFC 7208 §4.3); *helo* the HELO/EHLO name (for ``%{h}``);
    *receiver* and *clock* give the ``%{r}`` and ``%{t}`` explanation macros.

    :raises ValueError: *ip* is not an IP address.
    """
    client = client_address(ip)
    domain = without_final_dot(domain.strip())
    evaluation = _Evaluation(
        lookup, client, sender or f"postmaster@{domain}", helo, receiver, clock
    )
    try:
        outcome = evaluation.evaluate(domain, explain=True)
    except _PermError as error:
        outcome = _Outcome(SpfResultCode.PERMERROR, error=str(error))
    except _TempError as error:
        outcome = _Outcome(SpfResultCode.TEMPERROR, error=str(error))
    return SpfResult(
        outcome.result,
        domain,
        outcome.mechanism,
        outcome.explanation,
        outcome.error,
        evaluation.lookups,
        evaluation.void_lookups,
    )


class _Evaluation:
    """The state of one check_host() run: counters, and the client's PTR names."""

    def __init__(
        self,
        lookup: DnsLookup,
        client: Address,
        sender: str,
        helo: str,
        receiver: str,
        clock: Callable[[], float],
    ) -> None:
        self.lookup = lookup
        self.client = client
        local, at, sender_domain = sender.rpartition("@")
        if not at:
            local, sender_domain = "", sender
        self.local = local or "postmaster"
        self.sender_domain = sender_domain
        self.sender = f"{self.local}@{sender_domain}"
        self.helo = helo
        self.receiver = receiver
        self.clock = clock
        self.lookups = 0
        self.void_lookups = 0
        self._ptr_names: tuple[str, ...] | None = None
        self._ptr_failed = False  # the PTR query failed: no names, but not a void lookup
        self._validated_names: dict[str, bool] = {}

    # -- records -----------------------------------------------------------------------

    def evaluate(self, domain: str, *, explain: bool) -> _Outcome:
        """check_host() for *domain*: the record's result, its redirect's, or none."""
        record = find_spf_record(domain, self.lookup)
        if isinstance(record, NoRecord):
            if record.result == "temperror":
                raise _TempError(str(record))
            if record.result == "permerror":
                raise _PermError(str(record))
            return _Outcome(SpfResultCode.NONE, error=str(record), missing=record)
        for mechanism in record.mechanisms:
            if self._matches(mechanism, domain):
                result = QUALIFIER_RESULTS[mechanism.qualifier]
                explanation = None
                if explain and result is SpfResultCode.FAIL:
                    explanation = self._explain(record, domain)
                return _Outcome(result, mechanism.text, explanation)
        redirect = record.redirect
        if redirect is None:
            return _Outcome(SpfResultCode.NEUTRAL)  # RFC 7208 §4.7
        self._count_lookup(redirect.text)
        target = self._domain(redirect.value, domain)
        outcome = self.evaluate(target, explain=explain)
        if outcome.missing is not None:
            raise _PermError(f"{redirect.text}: {outcome.missing.reason} (RFC 7208 §6.1)")
        return outcome

    # -- mechanisms --------------------------------------------------------------------

    def _matches(self, mechanism: Mechanism, domain: str) -> bool:
        kind = mechanism.kind
        if kind is MechanismKind.ALL:
            return True
        if kind in (MechanismKind.IP4, MechanismKind.IP6):
            network = mechanism.network
            return (
                network is not None
                and self.client.version == network.version
                and (self.client in network)
            )
        self._count_lookup(mechanism.text)
        target = domain if mechanism.target is None else self._domain(mechanism.target, domain)
        if kind is MechanismKind.INCLUDE:
            return self._include(mechanism, target)
        if kind is MechanismKind.A:
            return self._any_in_prefix(self._addresses(target, void=True), mechanism)
        if kind is MechanismKind.MX:
            return self._mx(mechanism, target)
        if kind is MechanismKind.PTR:
            return self._ptr(target)
        # exists: always an A query, whatever the client's address family (RFC 7208 §5.7).
        return bool(self._ask(self.lookup.a, target, "A", void=True))

    def _include(self, mechanism: Mechanism, target: str) -> bool:
        # RFC 7208 §5.2: pass matches; fail, softfail and neutral do not; errors propagate;
        # none is a permerror. The included domain's exp= is never used.
        outcome = self.evaluate(target, explain=False)
        if outcome.missing is not None:
            raise _PermError(f"{mechanism.text}: {outcome.missing.reason} (RFC 7208 §5.2)")
        return outcome.result is SpfResultCode.PASS

    def _mx(self, mechanism: Mechanism, target: str) -> bool:
        hosts = self._ask(self.lookup.mx, target, "MX", void=True)
        if len(hosts) > MAX_MX_NAMES:
            raise _PermError(
                f"{mechanism.text}: {target} has {len(hosts)} MX records; at most"
                f" {MAX_MX_NAMES} may be looked up (RFC 7208 §4.6.4)"
            )
        for host in sorted(hosts, key=lambda h: h.preference):
            if host.host in ("", "."):
                continue  # a null MX (RFC 7505) names no host
            if self._any_in_prefix(self._addresses(host.host, void=False), mechanism):
                return True
        return False

    def _ptr(self, target: str) -> bool:
        names = self._client_names()
        if not names and not self._ptr_failed:
            self._count_void(f"PTR of {self.client}")
        return any(within(name, target) and self._validated(name) for name in names)

    # -- DNS ---------------------------------------------------------------------------

    def _ask(
        self, ask: Callable[[str], tuple[T, ...]], name: str, rdtype: str, *, void: bool
    ) -> tuple[T, ...]:
        try:
            found = answers(ask, name, rdtype)
        except DnsTemporaryError as error:
            raise _TempError(str(error)) from error
        if void and not found:
            self._count_void(name)
        return found

    def _addresses(self, name: str, *, void: bool) -> tuple[str, ...]:
        if self.client.version == 4:
            return self._ask(self.lookup.a, name, "A", void=void)
        return self._ask(self.lookup.aaaa, name, "AAAA", void=void)

    def _any_in_prefix(self, addresses: tuple[str, ...], mechanism: Mechanism) -> bool:
        client = self.client
        prefix = mechanism.ip4_prefix if client.version == 4 else mechanism.ip6_prefix
        shift = client.max_prefixlen - prefix
        wanted = int(client) >> shift
        parsed = (_parsed(text) for text in addresses)
        return any(
            address is not None
            and address.version == client.version
            and int(address) >> shift == wanted
            for address in parsed
        )

    def _client_names(self) -> tuple[str, ...]:
        """The client's first 10 PTR names (RFC 7208 §4.6.4); a DNS error gives none (§5.5)."""
        if self._ptr_names is None:
            try:
                names = answers(self.lookup.ptr, str(self.client), "PTR")
            except DnsTemporaryError:
                names = ()
                self._ptr_failed = True
            self._ptr_names = tuple(names[:MAX_PTR_NAMES])
        return self._ptr_names

    def _validated(self, name: str) -> bool:
        """Whether *name* resolves back to the client (RFC 7208 §5.5); errors skip the name."""
        key = name.rstrip(".").lower()
        if key not in self._validated_names:
            try:
                addresses = self._addresses(name, void=False)
            except _TempError:
                addresses = ()
            self._validated_names[key] = any(_parsed(a) == self.client for a in addresses)
        return self._validated_names[key]

    def _count_lookup(self, term: str) -> None:
        self.lookups += 1
        if self.lookups > MAX_LOOKUPS:
            raise _PermError(
                f"{term}: more than {MAX_LOOKUPS} DNS-querying terms (RFC 7208 §4.6.4)"
            )

    def _count_void(self, name: str) -> None:
        self.void_lookups += 1
        if self.void_lookups > MAX_VOID_LOOKUPS:
            raise _PermError(f"{name}: more than {MAX_VOID_LOOKUPS} void lookups (RFC 7208 §4.6.4)")

    # -- macros ------------------------------------------------------------------------

    def _domain(self, spec: MacroString, domain: str) -> str:
        return expand_domain(spec, lambda letter: self._macro_value(letter, domain))

    def _explain(self, record: SpfRecord, domain: str) -> str | None:
        """The exp= text (RFC 7208 §6.2); any problem means "no explanation", never an error."""
        modifier = record.explanation
        if modifier is None:
            return None
        target = self._domain(modifier.value, domain)
        try:
            texts = answers(self.lookup.txt, target, "TXT")
        except DnsTemporaryError:
            return None
        if len(texts) != 1:
            return None
        try:
            text = parse_explanation(texts[0])
        except MacroSyntaxError:
            return None
        return expand(text, lambda letter: self._macro_value(letter, domain))

    def _macro_value(self, letter: str, domain: str) -> str:
        """The value of a macro letter (RFC 7208 §7.3) while evaluating *domain*'s record."""
        client = self.client
        match letter:
            case "s":
                return self.sender
            case "l":
                return self.local
            case "o":
                return self.sender_domain
            case "d":
                return domain
            case "i" if client.version == 6:
                # Nibbles in uppercase, as the OpenSPF suite expects; DNS ignores the case.
                return ".".join(f"{int(client):032X}")
            case "i" | "c":
                return str(client)
            case "p":
                return self._validated_domain(domain)
            case "v":
                return "in-addr" if client.version == 4 else "ip6"
            case "h":
                return self.helo
            case "r":
                return self.receiver
            case "t":
                return str(int(self.clock()))
        raise ValueError(f"unknown macro letter {letter!r}")  # the parser admits no others

    def _validated_domain(self, domain: str) -> str:
        """``%{p}``: a validated PTR name, preferring *domain* and its subdomains (§7.3)."""
        validated = [n.rstrip(".") for n in self._client_names() if self._validated(n)]
        exact = [n for n in validated if n.lower() == domain.lower()]
        below = [n for n in validated if within(n, domain)]
        chosen = (exact or below or validated or ["unknown"])[0]
        return chosen


def _parsed(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
