"""Fixtures for the SPF tests: one DNS server per session, a fresh zone and resolver per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from sendlanes.dns.resolver import Resolver
from tests.support.dictdns import DictDnsServer, ZoneData, dictdns_fixture

# Short timeouts: a TIMEOUT name costs `lifetime` seconds, and nothing here is slower than 1 ms.
RESOLVER_TIMEOUT = 0.05
RESOLVER_LIFETIME = 0.2

dns_server = dictdns_fixture(scope="session")

Serve = Callable[[ZoneData], Resolver]


@pytest.fixture
def serve(dns_server: DictDnsServer) -> Iterator[Serve]:
    """``serve(zone)``: the server now answers from *zone*; returns a fresh resolver for it."""

    def _serve(zone: ZoneData) -> Resolver:
        dns_server.set_zone(zone)
        dns_server.clear_queries()
        return dns_server.resolver(timeout=RESOLVER_TIMEOUT, lifetime=RESOLVER_LIFETIME)

    yield _serve
    dns_server.clear_faults()
