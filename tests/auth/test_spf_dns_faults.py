"""SPF under DNS faults: SERVFAIL, silence and truncation, from the test DNS server."""

from __future__ import annotations

from typing import Any

from sendlanes.auth.spf import analyze_spf, check_host
from tests.auth.conftest import Serve
from tests.support.dictdns import DictDnsServer

ZONE: dict[str, list[Any]] = {
    "example.com": [{"TXT": "v=spf1 mx include:_spf.example.net -all"}, {"MX": [10, "mx.x"]}],
    "mx.x": [{"A": "198.51.100.25"}],
    "_spf.example.net": [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}],
}


def test_truncated_udp_answer_is_retried_over_tcp(serve: Serve, dns_server: DictDnsServer) -> None:
    resolver = serve(ZONE)
    dns_server.truncate("_spf.example.net", "TXT")
    assert check_host("192.0.2.1", "example.com", "", "h", resolver).result == "pass"
    asked = [(q.transport, q.rdtype) for q in dns_server.queries if q.name == "_spf.example.net"]
    assert asked == [("udp", "TXT"), ("tcp", "TXT")]
    assert resolver.stats.tcp_fallbacks == 1


def test_record_too_big_for_udp_is_fetched_over_tcp(
    serve: Serve, dns_server: DictDnsServer
) -> None:
    # About 5,000 octets: over any EDNS payload size a client offers over UDP.
    networks = " ".join(f"ip4:198.51.{n % 256}.{n // 256 * 64}/26" for n in range(240))
    resolver = serve({"example.com": [{"TXT": f"v=spf1 {networks} ip4:192.0.2.1 -all"}]})
    result = analyze_spf("example.com", resolver)
    assert result.status == "valid"
    assert [q.transport for q in dns_server.queries] == ["udp", "tcp"]
    assert any("may need TCP" in w for w in result.warnings)


def test_servfail_on_an_include_is_a_temperror(serve: Serve, dns_server: DictDnsServer) -> None:
    resolver = serve(ZONE)
    dns_server.servfail("_spf.example.net")
    result = check_host("192.0.2.1", "example.com", "", "h", resolver)
    assert result.result == "temperror"
    assert "_spf.example.net TXT" in (result.error or "")


def test_silent_server_for_one_type_is_a_temperror_for_that_type_only(
    serve: Serve, dns_server: DictDnsServer
) -> None:
    resolver = serve(ZONE)
    dns_server.drop("example.com", "MX")
    assert analyze_spf("example.com", resolver).status == "temperror"
    # The TXT record still arrives; the mx term before the include is what cannot be decided.
    assert resolver.txt("example.com")
    assert check_host("192.0.2.1", "example.com", "", "h", resolver).result == "temperror"


def test_cleared_faults_answer_normally_again(serve: Serve, dns_server: DictDnsServer) -> None:
    serve(ZONE)
    dns_server.servfail("example.com")
    dns_server.clear_faults()
    resolver = serve(ZONE)
    assert analyze_spf("example.com", resolver).status == "valid"
