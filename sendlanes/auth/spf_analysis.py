"""analyze_spf(): is a domain's SPF record valid for every sender, and what does it cost?

This is the static view ``sendlanes spf`` and the lint rules report. Unlike check_host(),
which stops at the first matching term, the analysis walks every term evaluation *could*
reach (everything before the first ``all``, then ``redirect=`` when there is no ``all``),
follows includes and redirects, and adds up what a receiver would pay for an address that
matches nothing:

* ``lookups``: DNS-querying terms (include, a, mx, ptr, exists, redirect), limit 10;
* ``void_lookups``: names that do not exist or have no address/MX, limit 2 (RFC 7208 §4.6.4).

So a record with 11 DNS-querying terms is a permerror here even when check_host() passes a
sender matched by an earlier term (the OpenSPF suite's ``include-at-limit``): mail from any
other address would hit the limit. docs/spf.md explains the choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sendlanes.auth.spf_check import MAX_LOOKUPS, MAX_MX_NAMES, MAX_VOID_LOOKUPS
from sendlanes.auth.spf_macro import MacroString, expand_domain
from sendlanes.auth.spf_names import NoRecord, answers, find_spf_record, without_final_dot
from sendlanes.auth.spf_record import Mechanism, MechanismKind, Qualifier, SpfRecord
from sendlanes.dns.resolver import DnsLookup, DnsTemporaryError

LOOKUPS_WARNING_AT = 9  # "getting close" to the limit of 10
MAX_INCLUDE_DEPTH = 20  # deeper chains are over the lookup limit anyway
MAX_RECORD_OCTETS = 450  # RFC 7208 §3.4: keep the answer within 512 octets


class SpfStatus(StrEnum):
    """The verdict on a domain's record, in RFC 7208 result names (ARCHITECTURE.md §4)."""

    VALID = "valid"
    NONE = "none"
    PERMERROR = "permerror"
    TEMPERROR = "temperror"


@dataclass(frozen=True)
class SpfAnalysis:
    """What :func:`analyze_spf` found. ``error`` is None only when the status is valid."""

    domain: str
    record: str | None
    status: SpfStatus
    lookups: int
    void_lookups: int
    error: str | None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``sendlanes spf`` JSON document (ARCHITECTURE.md §4)."""
        return {
            "domain": self.domain,
            "record": self.record,
            "status": self.status.value,
            "lookups": self.lookups,
            "void_lookups": self.void_lookups,
            "error": self.error,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class _Cost:
    """What evaluating one domain's record costs, includes and redirects included."""

    lookups: int = 0
    void_lookups: int = 0


@dataclass
class _Findings:
    errors: dict[str, None] = field(default_factory=dict)  # ordered sets: each message once
    unreachable: dict[str, None] = field(default_factory=dict)  # DNS failures
    warnings: dict[str, None] = field(default_factory=dict)


def analyze_spf(domain: str, lookup: DnsLookup) -> SpfAnalysis:
    """Find, parse and walk *domain*'s SPF record (RFC 7208 §4.4–§4.6, §5, §6). Never raises.

    ``none`` when the domain has no SPF record (or cannot have one, §4.3); ``temperror`` when
    a DNS failure kept part of the record from being checked; ``permerror`` for several SPF
    records, a syntax error, an include or redirect without a record, a loop, more than 10
    MX names, or more than 10 lookups / 2 void lookups in total.
    """
    domain = without_final_dot(domain.strip())
    record = find_spf_record(domain, lookup)
    if isinstance(record, NoRecord):
        return SpfAnalysis(domain, record.text, SpfStatus(record.result), 0, 0, str(record))
    walker = _Walker(lookup)
    cost = walker.walk(record, domain, (domain.lower(),), effective=True)
    return walker.verdict(domain, record.text, cost)


class _Walker:
    """One analysis: follows includes and redirects once per domain, however often named."""

    def __init__(self, lookup: DnsLookup) -> None:
        self.lookup = lookup
        self.found = _Findings()
        self._costs: dict[str, _Cost] = {}
        self._voids: dict[tuple[str, str], int] = {}

    # -- records -----------------------------------------------------------------------

    def walk(
        self, record: SpfRecord, domain: str, path: tuple[str, ...], *, effective: bool
    ) -> _Cost:
        """The cost of *record*; *effective*: its ``all`` decides the domain's default."""
        self._check_record(record, domain, effective=effective)
        lookups = voids = 0
        for mechanism in record.reachable_mechanisms:
            if not mechanism.kind.costs_lookup:
                continue
            lookups += 1
            target = self._target(mechanism.target, domain, mechanism.text)
            if target is None:
                continue
            if mechanism.kind is MechanismKind.INCLUDE:
                where = f"{domain}: {mechanism.text}"
                cost = self._domain_cost(target, path, where, "5.2", effective=False)
                lookups += cost.lookups
                voids += cost.void_lookups
            elif mechanism.kind is MechanismKind.PTR:
                self._warn(
                    f"{domain}: {mechanism.text} — ptr is slow and unreliable; RFC 7208 §5.5"
                    " says do not use it (list the addresses with ip4:/ip6: or a:)"
                )
            else:
                voids += self._void_lookups(mechanism, target, domain)
        redirect = record.effective_redirect
        if redirect is not None:
            lookups += 1
            target = self._target(redirect.value, domain, redirect.text)
            if target is not None:
                # The redirect target's record decides this domain's result: its all counts.
                where = f"{domain}: {redirect.text}"
                cost = self._domain_cost(target, path, where, "6.1", effective=effective)
                lookups += cost.lookups
                voids += cost.void_lookups
        if effective and record.explanation is not None:
            self._check_explanation(record.explanation.value, record.explanation.text, domain)
        return _Cost(lookups, voids)

    def _domain_cost(
        self, target: str, path: tuple[str, ...], where: str, section: str, *, effective: bool
    ) -> _Cost:
        """The cost of the record *target* (an include or redirect from *where*) publishes."""
        key = target.lower()
        if key in path:
            loop = " → ".join((*path[path.index(key) :], key))
            self._error(f"{where}: loop {loop} (RFC 7208 §4.6.4)")
            return _Cost()
        if key in self._costs:
            return self._costs[key]
        if len(path) > MAX_INCLUDE_DEPTH:
            self._warn(f"{where}: includes nested deeper than {MAX_INCLUDE_DEPTH} not followed")
            return _Cost()
        cost = self._fetch_and_walk(target, path, where, section, effective=effective)
        self._costs[key] = cost
        return cost

    def _fetch_and_walk(
        self, target: str, path: tuple[str, ...], where: str, section: str, *, effective: bool
    ) -> _Cost:
        record = find_spf_record(target, self.lookup)
        if isinstance(record, NoRecord):
            if record.result == "temperror":
                self.found.unreachable[f"{where}: {record}"] = None
            elif record.result == "none":
                self._error(f"{where}: {record.reason} (RFC 7208 §{section})")
            else:
                self._error(f"{where}: {record}")
            return _Cost()
        return self.walk(record, target, (*path, target.lower()), effective=effective)

    def _check_record(self, record: SpfRecord, domain: str, *, effective: bool) -> None:
        """Warnings about one record's own terms."""
        reachable = record.reachable_mechanisms
        all_terms = [m for m in reachable if m.kind is MechanismKind.ALL]
        if len(reachable) < len(record.mechanisms):
            self._warn(f"{domain}: terms after {all_terms[0].text} are never evaluated")
        if record.redirect is not None and record.effective_redirect is None:
            self._warn(
                f"{domain}: {record.redirect.text} is ignored because the record has an all"
                " mechanism (RFC 7208 §6.1)"
            )
        for term in all_terms:
            if term.qualifier is Qualifier.PASS:
                self._warn(f"{domain}: {term.text} lets every host on the internet pass")
            elif term.qualifier is Qualifier.NEUTRAL and effective:
                self._warn(f"{domain}: {term.text} asserts nothing about unlisted hosts")
        if effective and not all_terms and record.redirect is None:
            self._warn(
                f"{domain}: no all mechanism or redirect: unlisted hosts get neutral"
                " (RFC 7208 §4.7); end the record with -all or ~all"
            )
        if len(record.text) > MAX_RECORD_OCTETS:
            self._warn(
                f"{domain}: the record is {len(record.text)} characters; answers over 512"
                " octets may need TCP (RFC 7208 §3.4)"
            )

    # -- names and void lookups ------------------------------------------------------

    def _target(self, spec: MacroString | None, domain: str, term: str) -> str | None:
        """The name a term queries, or None when it depends on the message being checked."""
        if spec is None:
            return domain
        if spec.letters - {"d"}:
            # %{s}, %{i} and friends vary per message: count the term, do not follow it.
            self._warn(f"{domain}: {term} depends on the message checked; not followed here")
            return None
        return expand_domain(spec, lambda _letter: domain)

    def _void_lookups(self, mechanism: Mechanism, target: str, domain: str) -> int:
        """1 when the a/mx/exists term's name has nothing to offer, else 0 (memoized)."""
        key = (str(mechanism.kind), target.lower())
        if key not in self._voids:
            self._voids[key] = self._probe(mechanism, target, domain)
        return self._voids[key]

    def _probe(self, mechanism: Mechanism, target: str, domain: str) -> int:
        asks: list[tuple[Callable[[str], tuple[Any, ...]], str]]
        if mechanism.kind is MechanismKind.A:
            # Static view: void only when there is neither an A nor an AAAA record.
            asks = [(self.lookup.a, "A"), (self.lookup.aaaa, "AAAA")]
        elif mechanism.kind is MechanismKind.MX:
            asks = [(self.lookup.mx, "MX")]
        else:
            asks = [(self.lookup.a, "A")]
        for ask, rdtype in asks:
            try:
                found = answers(ask, target, rdtype)
            except DnsTemporaryError as error:
                self.found.unreachable[f"{domain}: {mechanism.text}: {error}"] = None
                return 0
            if found:
                if mechanism.kind is MechanismKind.MX and len(found) > MAX_MX_NAMES:
                    self._error(
                        f"{domain}: {mechanism.text}: {target} has {len(found)} MX records;"
                        f" at most {MAX_MX_NAMES} may be looked up (RFC 7208 §4.6.4)"
                    )
                return 0
        return 1

    def _check_explanation(self, spec: MacroString, term: str, domain: str) -> None:
        """Receivers use exp= only when its name has exactly one TXT record (RFC 7208 §6.2)."""
        if spec.letters - {"d"}:
            return
        target = expand_domain(spec, lambda _letter: domain)
        try:
            texts = answers(self.lookup.txt, target, "TXT")
        except DnsTemporaryError as error:
            self._warn(f"{domain}: {term}: explanation not fetched: {error}")
            return
        if len(texts) != 1:
            self._warn(
                f"{domain}: {term}: {target} has {len(texts)} TXT records; receivers show an"
                " explanation only when there is exactly one (RFC 7208 §6.2)"
            )

    # -- results -----------------------------------------------------------------------

    def _error(self, message: str) -> None:
        self.found.errors[message] = None

    def _warn(self, message: str) -> None:
        self.found.warnings[message] = None

    def verdict(self, domain: str, text: str, cost: _Cost) -> SpfAnalysis:
        errors = list(self.found.errors)
        if cost.lookups > MAX_LOOKUPS:
            errors.append(
                f"{cost.lookups} DNS-querying terms (include, a, mx, ptr, exists, redirect);"
                f" the limit is {MAX_LOOKUPS} (RFC 7208 §4.6.4)"
            )
        elif cost.lookups >= LOOKUPS_WARNING_AT:
            self._warn(f"{cost.lookups} of {MAX_LOOKUPS} DNS lookups used (RFC 7208 §4.6.4)")
        if cost.void_lookups > MAX_VOID_LOOKUPS:
            errors.append(
                f"{cost.void_lookups} void lookups (names without records); the limit is"
                f" {MAX_VOID_LOOKUPS} (RFC 7208 §4.6.4)"
            )
        unreachable = list(self.found.unreachable)
        if errors:
            status = SpfStatus.PERMERROR
        elif unreachable:
            status = SpfStatus.TEMPERROR
        else:
            status = SpfStatus.VALID
        message = "; ".join(errors + unreachable) or None
        return SpfAnalysis(
            domain,
            text,
            status,
            cost.lookups,
            cost.void_lookups,
            message,
            tuple(self.found.warnings),
        )
