"""The types behind :mod:`sendlanes.dns.resolver`: outcomes, the lookup protocols, CNAME chains.

Import them from :mod:`sendlanes.dns.resolver`; they live here so the resolver module stays small.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

#: Longest CNAME chain followed, in CNAME records (hops); resolvers commonly stop between 8
#: and 16 links. A chain of 9 hops is an error, whatever is at its end.
MAX_CNAME_HOPS = 8


class DnsError(Exception):
    """Base class for look-up outcomes that are not an answer."""

    def __init__(self, name: str, rdtype: str, reason: str) -> None:
        self.name = name
        self.rdtype = rdtype
        self.reason = reason
        super().__init__(f"{name} {rdtype}: {reason}")


class NxDomain(DnsError):
    """The name does not exist (RCODE 3)."""

    def __init__(self, name: str, rdtype: str) -> None:
        super().__init__(name, rdtype, "NXDOMAIN (the name does not exist)")


class DnsTemporaryError(DnsError):
    """Timeout, SERVFAIL, REFUSED or a network error: no verdict could be reached."""


class CnameChainError(DnsTemporaryError):
    """A CNAME chain no resolver completes: longer than :data:`MAX_CNAME_HOPS`, a loop, or
    two CNAMEs at one name (RFC 2181 §10.1: a name holds at most one CNAME). Resolvers answer
    SERVFAIL for these, so receivers reach no verdict either: never a pass, never a fail."""


def chain_too_long(name: str, rdtype: str, chain: Sequence[str]) -> CnameChainError:
    """The error for *chain* (the names after *name*) once it passes the limit."""
    shown = f"{name} → {chain[0]} → … → {chain[-1]}"
    return CnameChainError(
        name,
        rdtype,
        f"CNAME chain longer than {MAX_CNAME_HOPS} hops ({shown}): resolvers stop following it",
    )


def chain_loop(name: str, rdtype: str, chain: Sequence[str]) -> CnameChainError:
    """The error for *chain*, whose last name was already on it."""
    return CnameChainError(name, rdtype, f"CNAME loop: {' → '.join([name, *chain])}")


def two_cnames(name: str, rdtype: str, owner: str, targets: Iterable[str]) -> CnameChainError:
    """The error for *owner* (on the chain from *name*) holding several CNAMEs."""
    shown = ", ".join(sorted(targets))
    return CnameChainError(
        name,
        rdtype,
        f"two CNAMEs at {owner} ({shown}): a name holds at most one (RFC 2181 §10.1), "
        "so which one a resolver follows is arbitrary",
    )


@dataclass(frozen=True)
class MxHost:
    preference: int
    host: str


@dataclass(frozen=True)
class DnsAnswer:
    """One question's answer: the records of the wanted type and the CNAME chain before them.

    *aliases* are the CNAME targets followed from *name*, in order; ``aliases[0]`` is the
    CNAME published at *name* itself. *records* are presentation texts (TXT strings joined,
    MX as ``"preference host"``, names without the trailing dot).
    """

    name: str
    rdtype: str
    records: tuple[str, ...]
    aliases: tuple[str, ...] = ()

    @property
    def canonical_name(self) -> str:
        """The name the records belong to: the end of the CNAME chain."""
        return self.aliases[-1] if self.aliases else self.name


class DnsLookup(Protocol):
    """What analyzers need from DNS. Names are given without the trailing dot."""

    def txt(self, name: str) -> tuple[str, ...]:
        """TXT records at *name*, each one's strings joined with no separator (RFC 7208 §3.3)."""
        ...

    def a(self, name: str) -> tuple[str, ...]: ...

    def aaaa(self, name: str) -> tuple[str, ...]: ...

    def mx(self, name: str) -> tuple[MxHost, ...]: ...

    def ptr(self, address: str) -> tuple[str, ...]: ...

    def cname(self, name: str) -> str | None:
        """The CNAME target at *name* (without following it), or None when there is none."""
        ...


class AnswerLookup(DnsLookup, Protocol):
    """A :class:`DnsLookup` that also shows the CNAME chain behind an answer (for verify)."""

    def answer(self, name: str, rdtype: str) -> DnsAnswer:
        """Records of *rdtype* at *name*, following CNAMEs, with the chain followed."""
        ...


AnswerStep = Callable[[str, str], DnsAnswer]


def follow_aliases(step: AnswerStep, name: str, rdtype: str) -> DnsAnswer:
    """Ask *step* for *name*, then for the end of each CNAME chain it could not complete.

    :raises NxDomain: when *name*, or the end of its chain, does not exist.
    :raises CnameChainError: on a chain over :data:`MAX_CNAME_HOPS` hops or a CNAME loop
        (a name met twice, wherever the chain was read from).
    :raises DnsTemporaryError: on a failure.
    """
    first = answer = step(name, rdtype)
    aliases: list[str] = []
    seen = {name.rstrip(".").lower()}
    while True:
        for target in answer.aliases:
            aliases.append(target)
            key = target.rstrip(".").lower()
            if key in seen:
                raise chain_loop(name, rdtype, aliases)
            seen.add(key)
            if len(aliases) > MAX_CNAME_HOPS:
                raise chain_too_long(name, rdtype, aliases)
        if answer.records or not answer.aliases or rdtype == "CNAME":
            break
        answer = step(answer.aliases[-1], rdtype)
    if answer is first and first.name == name and first.rdtype == rdtype:
        return first  # nothing to follow (most answers): the step's own answer as it is
    return DnsAnswer(name, rdtype, answer.records, tuple(aliases))


class FollowingLookup:
    """The :class:`AnswerLookup` methods, on top of one :meth:`step` (a single question)."""

    def step(self, name: str, rdtype: str) -> DnsAnswer:  # pragma: no cover - abstract
        raise NotImplementedError

    def answer(self, name: str, rdtype: str) -> DnsAnswer:
        return follow_aliases(self.step, name, rdtype)

    def txt(self, name: str) -> tuple[str, ...]:
        return self.answer(name, "TXT").records

    def a(self, name: str) -> tuple[str, ...]:
        return self.answer(name, "A").records

    def aaaa(self, name: str) -> tuple[str, ...]:
        return self.answer(name, "AAAA").records

    def ns(self, name: str) -> tuple[str, ...]:
        """NS host names at *name* (empty unless *name* is a zone apex or delegation)."""
        return self.answer(name, "NS").records

    def mx(self, name: str) -> tuple[MxHost, ...]:
        hosts = []
        for text in self.answer(name, "MX").records:
            preference, host = text.split(" ", 1)
            hosts.append(MxHost(int(preference), host))
        return tuple(hosts)

    def ptr(self, address: str) -> tuple[str, ...]:
        return self.answer(ipaddress.ip_address(address).reverse_pointer, "PTR").records

    def cname(self, name: str) -> str | None:
        """The CNAME at *name*; two different ones are a :class:`CnameChainError`."""
        targets = self.step(name, "CNAME").records
        distinct = {target.rstrip(".").lower() for target in targets}
        if len(distinct) > 1:
            raise two_cnames(name, "CNAME", name, distinct)
        return targets[0] if targets else None


@dataclass
class QueryStats:
    """Counters of one run, for reports and benchmarks; safe to share between resolvers."""

    queries: int = 0
    cache_hits: int = 0
    tcp_fallbacks: int = 0
    retries: int = 0
    timeouts: int = 0
    #: datagrams that answered no pending query (wrong ID, source, question or flags)
    dropped: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(
        self,
        *,
        queries: int = 0,
        cache_hits: int = 0,
        tcp_fallbacks: int = 0,
        retries: int = 0,
        timeouts: int = 0,
        dropped: int = 0,
    ) -> None:
        with self._lock:
            self.queries += queries
            self.cache_hits += cache_hits
            self.tcp_fallbacks += tcp_fallbacks
            self.retries += retries
            self.timeouts += timeouts
            self.dropped += dropped

    def hit(self) -> None:
        """One answer served from a cache."""
        with self._lock:
            self.cache_hits += 1

    def to_json(self) -> dict[str, int]:
        return {
            "queries": self.queries,
            "cache_hits": self.cache_hits,
            "tcp_fallbacks": self.tcp_fallbacks,
            "retries": self.retries,
            "timeouts": self.timeouts,
            "dropped": self.dropped,
        }


Outcome = DnsAnswer | DnsError
Question = tuple[str, str]
