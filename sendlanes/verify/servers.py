"""Which servers verify asks: the zone's authoritative servers, found through a resolver.

A recursive resolver may answer from a cache that is hours old; the zone's authoritative
servers answer with what is published now. So, unless the user names servers, each lane's
zone is found by walking up from the lane's FQDN to the brand domain and asking for NS
records (RFC 1034 §4.2.1: the first name with NS records is the zone apex), the name
servers' addresses are resolved, and every name inside that zone is asked of them directly
with RD=0. Names outside the brand zones — a provider's ``include:`` target, a DKIM CNAME's
target, the ``_dmarc`` record of the public suffix — are asked of the recursive resolver.

A zone's servers are believed about their zone only (the bailiwick rule of RFC 2181 §5.4.1):
when an answer's CNAME chain leaves the zone, whatever the answer says past that point —
records, or NXDOMAIN for the out-of-zone name — is dropped, and the chain's next name is asked
of the servers it belongs to (another discovered zone's, or the recursive resolver). A brand
zone's server that also serves ``amazonses.com`` never vouches for a DKIM key there.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sendlanes.dns.resolver import (
    AnswerLookup,
    DnsAnswer,
    DnsError,
    DnsTemporaryError,
    FollowingLookup,
    NxDomain,
    QueryStats,
    Question,
    Resolver,
    prefetch_together,
)
from sendlanes.verify.model import Check, CheckKind, CheckStatus


@dataclass
class DirectRoute:
    """Every question to the servers the user named (``--nameserver``)."""

    resolver: Resolver

    @property
    def lookup(self) -> AnswerLookup:
        return self.resolver

    @property
    def stats(self) -> QueryStats:
        return self.resolver.stats

    def prepare(self, targets: Sequence[tuple[str, str]]) -> dict[str, Check]:
        return {}

    def prefetch(self, questions: Iterable[Question]) -> Mapping[Question, DnsAnswer | DnsError]:
        return self.resolver.prefetch(questions)

    def servers(self) -> dict[str, list[str]]:
        return {"*": [_shown(host, port) for host, port in self.resolver.nameservers]}


@dataclass(frozen=True)
class ZoneServers:
    """A zone apex, its NS host names and the addresses asked."""

    apex: str
    hosts: tuple[str, ...]
    addresses: tuple[tuple[str, int], ...]


@dataclass
class AuthoritativeLookup(FollowingLookup):
    """Names inside a discovered zone go to its authoritative servers, others to *recursive*.

    *port* is the port the authoritative servers are asked on (53; tests serve zones on a
    high port). Zone resolvers share *recursive*'s statistics, timeout and deadline.
    """

    recursive: Resolver
    port: int = 53
    _zones: dict[str, Resolver] = field(default_factory=dict, repr=False)
    _found: dict[str, ZoneServers] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def stats(self) -> QueryStats:
        return self.recursive.stats

    @property
    def lookup(self) -> AnswerLookup:
        return self

    def step(self, name: str, rdtype: str) -> DnsAnswer:
        """One question to the servers *name* belongs to; what they say beyond their zone is
        dropped, leaving the chain open at the first name outside it."""
        resolver = self._resolver_for(name)
        if resolver is self.recursive:
            return resolver.step(name, rdtype)
        try:
            return self._in_bailiwick(resolver, resolver.step(name, rdtype))
        except NxDomain as error:
            if self._resolver_for(error.name) is resolver:
                raise
            # "Does not exist" about a name outside the zone: not theirs to say. Keep only
            # the CNAME at *name* (theirs) and let the chain be followed from there.
            target = resolver.cname(name)
            if target is None:
                reason = f"the zone's servers answered NXDOMAIN for {error.name}, outside it"
                raise DnsTemporaryError(name, rdtype, reason) from None
            return DnsAnswer(name, rdtype, (), (target,))

    def _in_bailiwick(self, resolver: Resolver, answer: DnsAnswer) -> DnsAnswer:
        """*answer* cut at the first alias outside *resolver*'s zone (records dropped)."""
        for index, alias in enumerate(answer.aliases):
            if self._resolver_for(alias) is not resolver:
                return DnsAnswer(answer.name, answer.rdtype, (), answer.aliases[: index + 1])
        return answer

    def prefetch(self, questions: Iterable[Question]) -> Mapping[Question, DnsAnswer | DnsError]:
        """Ask many questions at once, each of the servers its name belongs to."""
        batches: dict[int, tuple[Resolver, list[Question]]] = {}
        for question in questions:
            resolver = self._resolver_for(question[0])
            batches.setdefault(id(resolver), (resolver, []))[1].append(question)
        outcomes = dict(prefetch_together(list(batches.values())))
        for question, outcome in outcomes.items():
            resolver = self._resolver_for(question[0])
            if isinstance(outcome, DnsAnswer) and resolver is not self.recursive:
                outcomes[question] = self._in_bailiwick(resolver, outcome)
        return outcomes

    def _resolver_for(self, name: str) -> Resolver:
        labels = name.rstrip(".").lower().split(".")
        with self._lock:
            for start in range(len(labels)):
                resolver = self._zones.get(".".join(labels[start:]))
                if resolver is not None:
                    return resolver
        return self.recursive

    def prepare(self, targets: Sequence[tuple[str, str]]) -> dict[str, Check]:
        """Find the zone of each (FQDN, brand domain); an ``error`` check for each FQDN whose
        servers cannot be found, a ``fail`` when the brand domain does not exist. The NS
        questions and the NS hosts' addresses are asked in two waves first, so the walks read
        the cache."""
        names = dict.fromkeys(name for fqdn, domain in targets for name in _walk(fqdn, domain))
        found = self.recursive.prefetch((name, "NS") for name in names)
        hosts = {h for o in found.values() if isinstance(o, DnsAnswer) for h in o.records}
        self.recursive.prefetch((host, "A") for host in sorted(hosts))
        blocked: dict[str, Check] = {}
        for fqdn, domain in targets:
            try:
                self.find_zone(fqdn, domain)
            except NxDomain as error:
                # The brand domain itself does not exist (RFC 8020: nor does anything under
                # it): a finding, not a flaky network.
                detail = (
                    f"{error.name} does not exist (NXDOMAIN): nothing under it is published, "
                    f"so no receiver finds {fqdn}'s records"
                )
                blocked[fqdn] = Check(CheckKind.NAMESERVERS, fqdn, CheckStatus.FAIL, detail)
            except DnsError as error:
                detail = f"no verdict: cannot find the authoritative servers of {fqdn}: {error}"
                blocked[fqdn] = Check(CheckKind.NAMESERVERS, fqdn, CheckStatus.ERROR, detail)
        return blocked

    def find_zone(self, fqdn: str, domain: str) -> ZoneServers:
        """The zone holding *fqdn*: walk up from *fqdn* to *domain* asking for NS records.

        :raises DnsTemporaryError: when a look-up fails or no NS host has an address.
        :raises NxDomain: when *domain* itself does not exist.
        """
        apex, hosts = self._zone_apex(fqdn, domain)
        with self._lock:
            known = self._found.get(apex)
        if known is not None:
            return known
        addresses: list[tuple[str, int]] = []
        problems: list[str] = []
        for host in hosts:
            try:
                found = self.recursive.a(host) or self.recursive.aaaa(host)
            except DnsError as error:
                problems.append(str(error))
                continue
            addresses += [(address, self.port) for address in found]
        if not addresses:
            reason = "; ".join(problems) or "no A or AAAA records"
            raise DnsTemporaryError(apex, "NS", f"no address for {', '.join(hosts)}: {reason}")
        servers = ZoneServers(apex, hosts, tuple(dict.fromkeys(addresses)))
        resolver = Resolver(
            nameservers=servers.addresses,
            timeout=self.recursive.timeout,
            lifetime=self.recursive.lifetime,
            deadline=self.recursive.deadline,
            stats=self.recursive.stats,
            recursion_desired=False,
            attempts=self.recursive.attempts,
            max_in_flight=self.recursive.max_in_flight,
            window=self.recursive.window,
        )
        with self._lock:
            self._zones.setdefault(apex, resolver)
            return self._found.setdefault(apex, servers)

    def _zone_apex(self, fqdn: str, domain: str) -> tuple[str, tuple[str, ...]]:
        for name in _walk(fqdn, domain):
            try:
                hosts = self.recursive.ns(name)
            except NxDomain:
                if name == domain.lower().rstrip("."):
                    raise
                continue
            if hosts:
                return name, tuple(sorted(hosts))
        raise DnsTemporaryError(
            domain, "NS", f"no NS records between {fqdn} and {domain}: not a zone apex?"
        )

    def servers(self) -> dict[str, list[str]]:
        """Zone apex → the servers asked, for the report; ``*`` is the recursive resolver."""
        with self._lock:
            found = {
                apex: [_shown(host, port) for host, port in zone.addresses]
                for apex, zone in sorted(self._found.items())
            }
        return {**found, "*": [_shown(host, port) for host, port in self.recursive.nameservers]}


def _walk(fqdn: str, domain: str) -> Iterator[str]:
    """*fqdn* and its parents down to *domain* (only *domain* when *fqdn* is not under it)."""
    name, domain = fqdn.lower().rstrip("."), domain.lower().rstrip(".")
    while name.endswith(f".{domain}"):
        yield name
        name = name.split(".", 1)[1]
    yield domain


def _shown(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
