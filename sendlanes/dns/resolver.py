"""DNS look-ups for the analyzers, behind a small typed interface.

Analyzers (SPF, DMARC discovery, DKIM key fetches, live verification) take a
:class:`DnsLookup` so tests can point them at any name server and a run can share one cache:
an ``include:`` target asked for by three lanes is resolved once. Nothing here is a module-level
cache; each :class:`Resolver` instance owns its own.

Outcomes are typed the way RFC 7208 §4.4 and §5 need them:

* a list (possibly empty: NODATA) of answers,
* :class:`NxDomain` when the name does not exist,
* :class:`DnsTemporaryError` for a timeout, SERVFAIL or any other failure that means
  "no verdict" (SPF ``temperror``, verify ``error``).

CNAMEs are followed (RFC 1034 §3.6.2): when a server answers with an alias chain whose end it
does not serve (an authoritative server asked about ``s1._domainkey.mail.acme.example`` that
points into ``sendgrid.net``), the end of the chain is asked for separately.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sendlanes.dns.exchange import Ask, Exchange
from sendlanes.dns.types import (
    MAX_CNAME_HOPS,
    AnswerLookup,
    AnswerStep,
    CnameChainError,
    DnsAnswer,
    DnsError,
    DnsLookup,
    DnsTemporaryError,
    FollowingLookup,
    MxHost,
    NxDomain,
    Outcome,
    QueryStats,
    Question,
    chain_loop,
    chain_too_long,
    follow_aliases,
    two_cnames,
)
from sendlanes.dns.window import Window
from sendlanes.dns.wire import (
    QTYPES,
    RCODE_NAMES,
    RCODE_NOERROR,
    RCODE_NXDOMAIN,
    TYPE_NAMES,
    WireAnswer,
    WireError,
    encode_name,
)

__all__ = [
    "MAX_CNAME_HOPS",
    "AnswerLookup",
    "AnswerStep",
    "CnameChainError",
    "DnsAnswer",
    "DnsError",
    "DnsLookup",
    "DnsTemporaryError",
    "FollowingLookup",
    "MxHost",
    "NxDomain",
    "Outcome",
    "QueryStats",
    "Question",
    "Resolver",
    "follow_aliases",
    "prefetch_together",
]


@dataclass
class Resolver(FollowingLookup):
    """A :class:`DnsLookup` over UDP/TCP, with one cache per instance.

    *nameservers* are ``(address, port)`` pairs; without them the system resolver
    configuration is used. A question is sent over UDP (with EDNS(0)) and repeated over TCP
    when the answer is truncated (RFC 7766 §5). A timeout, SERVFAIL or REFUSED moves on to
    the next server; the servers are tried *attempts* times in all (rounds through the
    list), each try waiting *timeout* seconds. *deadline* (a :func:`time.monotonic` value)
    bounds the whole run: past it every question is a :class:`DnsTemporaryError` without
    touching the network. One question is given up after *attempts* rounds through the
    servers or *lifetime* seconds after its first try, whichever comes first.

    With ``recursion_desired=False`` the servers are asked as authoritative servers (RD=0):
    an answer without the AA flag and without records — a referral — is an error rather
    than "no such record".

    One question is sent once per instance: concurrent callers asking the same question wait
    for the first one's answer, and later callers get it from the cache. :meth:`prefetch`
    sends many questions at once, at most *max_in_flight* unanswered at a time (the limit
    of *window*, which adapts to loss and may be shared by the resolvers of one run).
    """

    nameservers: Sequence[tuple[str, int]] = ()
    timeout: float = 2.0
    lifetime: float = 5.0
    deadline: float | None = None
    stats: QueryStats = field(default_factory=QueryStats)
    recursion_desired: bool = True
    attempts: int = 3
    max_in_flight: int = 64
    #: the run's window of questions in flight, shared with the zone resolvers of a run
    window: Window | None = None
    _cache: dict[Question, Outcome] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _inflight: dict[Question, threading.Event] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.nameservers:
            # dnspython reads the system's resolver configuration (resolv.conf, registry);
            # imported here because it is slow to import and most runs name their servers.
            import dns.resolver

            system = dns.resolver.Resolver()
            self.nameservers = tuple((str(ns), system.port) for ns in system.nameservers)
        self.nameservers = tuple(_address(host, port) for host, port in self.nameservers)
        if self.window is None:
            self.window = Window(self.max_in_flight)

    # -- one question, cached -----------------------------------------------------------

    def step(self, name: str, rdtype: str) -> DnsAnswer:
        """One question to the servers (cached); CNAMEs the server did not follow stay open.

        :raises NxDomain: the name (or the end of the chain in the answer) does not exist.
        :raises DnsTemporaryError: no verdict (timeout, SERVFAIL, REFUSED, deadline passed).
        """
        key = (name.rstrip(".").lower(), rdtype.upper())
        # Most questions of a run are answered from the cache: read it without the lock (a
        # dictionary read is atomic); only a miss takes the lock to claim the question.
        outcome: Outcome | None = self._cache.get(key)
        while outcome is None:
            with self._lock:
                if key in self._cache:
                    outcome = self._cache[key]
                    break
                waiter = self._inflight.get(key)
                if waiter is None:
                    self._inflight[key] = threading.Event()
                    outcome = None
                    break
            # Another thread is asking the same question: wait for its answer, not the wire.
            waiter.wait()
        if outcome is not None:
            self.stats.hit()
        else:
            outcome = self._resolve([key])[key]
        if isinstance(outcome, DnsError):
            raise outcome
        return outcome

    def prefetch(self, questions: Iterable[Question]) -> dict[Question, Outcome]:
        """Ask every question not asked yet, many at once; return the outcome of each.

        Questions already cached or being asked by another thread are not sent again (their
        outcome is returned when cached). Never raises for DNS trouble: errors are outcomes.
        """
        return prefetch_together([(self, questions)])

    def _prime(self, name: str, rdtype: str, outcome: Outcome) -> None:
        """Remember what an answer showed besides what was asked (a CNAME at the name)."""
        key = (name, rdtype)
        with self._lock:
            if key not in self._cache and key not in self._inflight:
                self._cache[key] = outcome

    # -- the wire --------------------------------------------------------------------------

    def _resolve(self, keys: Sequence[Question]) -> dict[Question, Outcome]:
        """Ask *keys* (already claimed by this thread), cache and release them."""
        return _exchange([(self, list(keys))], self.timeout, self.deadline, self.window)

    def _claim(
        self, questions: Iterable[Question]
    ) -> tuple[dict[Question, Outcome], list[Question]]:
        """Known outcomes, and the questions this caller now has to ask (marked in flight)."""
        known: dict[Question, Outcome] = {}
        mine: list[Question] = []
        wanted = dict.fromkeys((n.rstrip(".").lower(), t.upper()) for n, t in questions)
        # One event for the whole batch: set once every question in it is settled.
        batch = threading.Event()
        with self._lock:
            for key in wanted:
                if key in self._cache:
                    known[key] = self._cache[key]
                elif key not in self._inflight:
                    self._inflight[key] = batch
                    mine.append(key)
        return known, mine

    def _ask(self, key: Question) -> Ask | Outcome:
        name, rdtype = key
        try:
            labels = encode_name(name)
        except WireError:
            # A name that cannot be put in a question cannot exist (RFC 7208 §4.3).
            return NxDomain(name, rdtype)
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return DnsTemporaryError(name, rdtype, "deadline passed")
        tries = max(1, self.attempts) * len(self.nameservers)
        servers = tuple(self.nameservers)
        return Ask(name, rdtype, labels, servers, self.recursion_desired, tries, self.lifetime)

    def _settle(self, outcomes: dict[Question, Outcome]) -> None:
        events: set[threading.Event] = set()
        with self._lock:
            for key, outcome in outcomes.items():
                self._cache[key] = outcome
                event = self._inflight.pop(key, None)
                if event is not None:
                    events.add(event)
        for event in events:
            event.set()

    def _outcome(self, name: str, rdtype: str, answer: WireAnswer) -> Outcome:
        try:
            aliases, records = _chain(answer, name, QTYPES[rdtype])
        except CnameChainError as error:
            return error
        if aliases:
            self._prime(name, "CNAME", DnsAnswer(name, "CNAME", (aliases[0],)))
        if answer.rcode == RCODE_NXDOMAIN:
            return NxDomain(aliases[-1] if aliases else name, rdtype)
        if answer.rcode != RCODE_NOERROR:
            reason = f"server answered {RCODE_NAMES.get(answer.rcode, answer.rcode)}"
            return DnsTemporaryError(name, rdtype, reason)
        referral = not (records or aliases or answer.authoritative)
        if referral and not self.recursion_desired:
            reason = "the server is not authoritative for this name (a referral)"
            return DnsTemporaryError(name, rdtype, reason)
        return DnsAnswer(name, rdtype, records, aliases)


def _chain(answer: WireAnswer, name: str, qtype: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The CNAME chain from *name* and the wanted records at its end, from one answer.

    :raises CnameChainError: when the chain in the answer runs over :data:`MAX_CNAME_HOPS`
        hops, loops (records at a member change nothing), or meets a name with two CNAMEs.
    """
    cname = QTYPES["CNAME"]
    cnames: dict[str, set[str]] = {}
    for owner, rtype, text in answer.records:
        if rtype == cname:
            cnames.setdefault(owner, set()).add(text.rstrip(".").lower())
    if qtype == cname:
        targets = cnames.get(name, set())
        if len(targets) > 1:
            raise two_cnames(name, "CNAME", name, targets)
        return (), tuple(text for o, rtype, text in answer.records if o == name and rtype == qtype)
    rdtype = TYPE_NAMES.get(qtype, str(qtype))
    aliases: list[str] = []
    seen = {name}
    owner = name
    while owner in cnames:
        targets = cnames[owner]
        if len(targets) > 1:
            raise two_cnames(name, rdtype, owner, targets)
        (owner,) = targets
        aliases.append(owner)
        if owner in seen:
            raise chain_loop(name, rdtype, aliases)
        if len(aliases) > MAX_CNAME_HOPS:
            raise chain_too_long(name, rdtype, aliases)
        seen.add(owner)
    records = tuple(text for o, rtype, text in answer.records if o == owner and rtype == qtype)
    return tuple(aliases), records


def prefetch_together(
    batches: Sequence[tuple[Resolver, Iterable[Question]]],
) -> dict[Question, Outcome]:
    """Ask the questions of several resolvers (zone servers, a recursive resolver) in one
    pipelined exchange; each outcome lands in its own resolver's cache."""
    known: dict[Question, Outcome] = {}
    claimed: list[tuple[Resolver, list[Question]]] = []
    for resolver, questions in batches:
        cached, mine = resolver._claim(questions)
        known.update(cached)
        if mine:
            claimed.append((resolver, mine))
    if claimed:
        first = claimed[0][0]
        known.update(_exchange(claimed, first.timeout, first.deadline, first.window))
    return known


def _exchange(
    claimed: Sequence[tuple[Resolver, list[Question]]],
    timeout: float,
    deadline: float | None,
    window: Window | None,
) -> dict[Question, Outcome]:
    """Send the claimed questions together, then settle each resolver's share."""
    asks: dict[Ask, tuple[Resolver, Question]] = {}
    outcomes: dict[int, dict[Question, Outcome]] = {id(r): {} for r, _ in claimed}
    for resolver, keys in claimed:
        for key in keys:
            ask = resolver._ask(key)
            if isinstance(ask, Ask):
                asks[ask] = (resolver, key)
            else:
                outcomes[id(resolver)][key] = ask
    try:
        if asks:
            exchange = Exchange(timeout=timeout, deadline=deadline, window=window)
            results = exchange.run(list(asks))
            counted = exchange.counters
            claimed[0][0].stats.add(
                queries=counted.queries,
                retries=counted.retries,
                timeouts=counted.timeouts,
                tcp_fallbacks=counted.tcp_fallbacks,
                dropped=counted.dropped,
            )
            for ask, (resolver, key) in asks.items():
                result = results.get(ask, "no answer")
                outcomes[id(resolver)][key] = (
                    DnsTemporaryError(ask.name, ask.rdtype, result)
                    if isinstance(result, str)
                    else resolver._outcome(ask.name, ask.rdtype, result)
                )
    finally:
        # Whatever happens, release the questions so no caller waits for ever.
        for resolver, keys in claimed:
            mine = outcomes[id(resolver)]
            for key in keys:
                mine.setdefault(key, DnsTemporaryError(key[0], key[1], "the query failed"))
            resolver._settle(mine)
    merged: dict[Question, Outcome] = {}
    for share in outcomes.values():
        merged.update(share)
    return merged


def _address(host: str, port: int) -> tuple[str, int]:
    """*host* as an IP address (a host name is looked up once, with the system resolver)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
        except OSError as error:
            raise ValueError(f"name server {host!r} has no address: {error}") from None
        return str(found[0][4][0]), port
    return host, port
