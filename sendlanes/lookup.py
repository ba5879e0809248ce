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
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.reversename


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


@dataclass(frozen=True)
class MxHost:
    preference: int
    host: str


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


def _decode_txt(strings: Sequence[bytes]) -> str:
    # TXT strings are octets; RFC 7208 §3.3 joins them without separator. Non-UTF-8 octets
    # survive as replacement characters so a bad record is reported, not crashed on.
    return b"".join(strings).decode("utf-8", errors="replace")


@dataclass
class QueryStats:
    """Counters of one run, for reports and benchmarks."""

    queries: int = 0
    cache_hits: int = 0
    tcp_fallbacks: int = 0
    retries: int = 0


@dataclass
class Resolver:
    """A :class:`DnsLookup` over dnspython, with one cache per instance.

    *nameservers* are ``(address, port)`` pairs; without them the system resolver
    configuration is used. Each query is sent over UDP, retried over TCP when the answer is
    truncated, and retried on timeout until *lifetime* seconds have passed for that query.
    *deadline* (a :func:`time.monotonic` value) bounds the whole run: past it every query is
    a :class:`DnsTemporaryError` without touching the network.
    """

    nameservers: Sequence[tuple[str, int]] = ()
    timeout: float = 2.0
    lifetime: float = 5.0
    deadline: float | None = None
    stats: QueryStats = field(default_factory=QueryStats)
    _cache: dict[tuple[str, str], tuple[str, ...] | DnsError] = field(
        default_factory=dict, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _inflight: dict[tuple[str, str], threading.Event] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.nameservers:
            system = dns.resolver.Resolver()
            self.nameservers = tuple((str(ns), system.port) for ns in system.nameservers)

    # -- public interface ------------------------------------------------------------

    def txt(self, name: str) -> tuple[str, ...]:
        return self._cached(name, "TXT")

    def a(self, name: str) -> tuple[str, ...]:
        return self._cached(name, "A")

    def aaaa(self, name: str) -> tuple[str, ...]:
        return self._cached(name, "AAAA")

    def mx(self, name: str) -> tuple[MxHost, ...]:
        hosts = []
        for text in self._cached(name, "MX"):
            preference, host = text.split(" ", 1)
            hosts.append(MxHost(int(preference), host))
        return tuple(hosts)

    def ptr(self, address: str) -> tuple[str, ...]:
        name = dns.reversename.from_address(address).to_text(omit_final_dot=True)
        return self._cached(name, "PTR")

    def cname(self, name: str) -> str | None:
        targets = self._cached(name, "CNAME")
        return targets[0] if targets else None

    # -- machinery --------------------------------------------------------------------

    def _cached(self, name: str, rdtype: str) -> tuple[str, ...]:
        key = (name.rstrip(".").lower(), rdtype)
        outcome: tuple[str, ...] | DnsError | None
        while True:
            with self._lock:
                if key in self._cache:
                    self.stats.cache_hits += 1
                    outcome = self._cache[key]
                    break
                waiter = self._inflight.get(key)
                if waiter is None:
                    self._inflight[key] = threading.Event()
                    outcome = None
                    break
            # Another thread is asking the same question: wait for its answer, not the wire.
            waiter.wait()
        if outcome is None:
            try:
                outcome = self._resolve(key[0], rdtype)
            except DnsError as error:
                outcome = error
            with self._lock:
                self._cache[key] = outcome
                self._inflight.pop(key).set()
        if isinstance(outcome, DnsError):
            raise outcome
        return outcome

    def _resolve(self, name: str, rdtype: str) -> tuple[str, ...]:
        try:
            qname = dns.name.from_text(name)
        except (dns.exception.DNSException, UnicodeError) as error:
            # An over-long label or name cannot exist: treat as non-existent (RFC 7208 §4.3).
            raise NxDomain(name, rdtype) from error
        request = dns.message.make_query(qname, dns.rdatatype.from_text(rdtype))
        response = self._exchange(request, name, rdtype)
        rcode = response.rcode()
        if rcode == dns.rcode.NXDOMAIN:
            raise NxDomain(name, rdtype)
        if rcode != dns.rcode.NOERROR:
            raise DnsTemporaryError(name, rdtype, f"server answered {dns.rcode.to_text(rcode)}")
        wanted = dns.rdatatype.from_text(rdtype)
        answers: list[str] = []
        for rrset in response.answer:
            if rrset.rdtype != wanted:
                continue
            for rdata in rrset:
                answers.append(self._rdata_text(rdata, rdtype))
        return tuple(answers)

    @staticmethod
    def _rdata_text(rdata: object, rdtype: str) -> str:
        if rdtype == "TXT":
            return _decode_txt(rdata.strings)  # type: ignore[attr-defined]
        if rdtype == "MX":
            exchange = rdata.exchange.to_text(omit_final_dot=True)  # type: ignore[attr-defined]
            return f"{rdata.preference} {exchange}"  # type: ignore[attr-defined]
        if rdtype in ("CNAME", "PTR"):
            return str(rdata.target.to_text(omit_final_dot=True))  # type: ignore[attr-defined]
        return str(rdata.to_text())  # type: ignore[attr-defined]

    def _exchange(
        self, request: dns.message.Message, name: str, rdtype: str
    ) -> dns.message.Message:
        started = time.monotonic()
        end = started + self.lifetime
        if self.deadline is not None:
            end = min(end, self.deadline)
        last_reason = "no name server configured"
        attempt = 0
        while True:
            for address, port in self.nameservers:
                remaining = end - time.monotonic()
                if remaining <= 0:
                    raise DnsTemporaryError(name, rdtype, f"no answer in time ({last_reason})")
                if attempt:
                    self.stats.retries += 1
                attempt += 1
                with self._lock:
                    self.stats.queries += 1
                try:
                    response = dns.query.udp(
                        request, address, port=port, timeout=min(self.timeout, remaining)
                    )
                    if response.flags & dns.flags.TC:
                        with self._lock:
                            self.stats.tcp_fallbacks += 1
                            self.stats.queries += 1
                        response = dns.query.tcp(
                            request,
                            address,
                            port=port,
                            timeout=max(0.05, min(self.timeout, end - time.monotonic())),
                        )
                except dns.exception.Timeout:
                    last_reason = f"timeout from {address}:{port}"
                    continue
                except (OSError, dns.exception.DNSException) as error:
                    last_reason = f"{type(error).__name__} from {address}:{port}"
                    continue
                if response.rcode() in (dns.rcode.SERVFAIL, dns.rcode.REFUSED):
                    last_reason = f"{dns.rcode.to_text(response.rcode())} from {address}:{port}"
                    continue
                return response
            if time.monotonic() >= end:
                raise DnsTemporaryError(name, rdtype, f"no answer in time ({last_reason})")


def parse_nameserver(spec: str) -> tuple[str, int]:
    """Parse ``HOST``, ``HOST:PORT``, ``[V6]:PORT`` or a bare IPv6 address into a pair."""
    spec = spec.strip()
    if spec.startswith("["):
        host, _, rest = spec[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif spec.count(":") == 1:
        host, port = spec.split(":")
    else:
        host, port = spec, "53"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"invalid name server {spec!r}: port must be 1-65535")
    return host, int(port)
