"""The resolver verify runs on: wire format, CNAME chains, RD=0, pipelining, one cache.

Messages are checked against dnspython (which builds and reads them independently); the
behaviour against Knot DNS and the dict-backed test server on 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import dns.edns
import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset
import pytest

from sendlanes.dns.resolver import DnsTemporaryError, NxDomain, Resolver
from sendlanes.dns.wire import (
    EDNS_PAYLOAD,
    QTYPES,
    WireError,
    decode_response,
    encode_name,
    encode_query,
)
from tests.support.dictdns import DictDnsServer
from tests.support.knot import KnotServer, zone_text

LONG_TXT = "v=DKIM1; k=rsa; p=" + "A" * 400


# -- wire format ----------------------------------------------------------------------------


def test_query_is_read_by_dnspython_as_sent() -> None:
    wire = encode_query(
        4242, encode_name("S1._domainkey.Mail.acme.example"), QTYPES["TXT"], recursion_desired=False
    )
    query = dns.message.from_wire(wire)
    assert query.id == 4242
    assert not query.flags & dns.flags.RD
    assert query.question[0].name.to_text() == "S1._domainkey.Mail.acme.example."
    assert query.question[0].rdtype == dns.rdatatype.TXT
    assert query.edns == 0 and query.payload == EDNS_PAYLOAD


def test_answer_built_by_dnspython_is_read_with_chain_and_joined_strings() -> None:
    query = dns.message.make_query("Links.acme.example", "TXT")
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    response.answer = [
        dns.rrset.from_text("links.acme.example.", 300, "IN", "CNAME", "E.customeriomail.com."),
        dns.rrset.from_text(
            "e.customeriomail.com.", 300, "IN", "TXT", f'"{LONG_TXT[:255]}" "{LONG_TXT[255:]}"'
        ),
        dns.rrset.from_text("e.customeriomail.com.", 300, "IN", "MX", "10 mx.example.net."),
        dns.rrset.from_text("e.customeriomail.com.", 300, "IN", "AAAA", "2001:db8::10"),
    ]
    answer = decode_response(response.to_wire())  # dnspython compresses the names
    assert answer.qname == "links.acme.example" and answer.qtype == QTYPES["TXT"]
    assert answer.authoritative and not answer.truncated
    assert answer.records == (
        ("links.acme.example", 5, "e.customeriomail.com"),
        ("e.customeriomail.com", 16, LONG_TXT),
        ("e.customeriomail.com", 15, "10 mx.example.net"),
        ("e.customeriomail.com", 28, "2001:db8::10"),
    )


@pytest.mark.parametrize(
    "message",
    [
        b"\x00\x01\x80\x00",  # shorter than a header
        b"\x00\x01\x80\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x10\x00\x01",  # loop
        b"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x01",  # a query
    ],
    ids=["short", "pointer-loop", "not-a-response"],
)
def test_malformed_message_is_a_wire_error(message: bytes) -> None:
    with pytest.raises(WireError):
        decode_response(message)


def test_name_that_cannot_be_asked_does_not_exist_and_is_not_sent() -> None:
    with DictDnsServer.start({}) as server:
        resolver = server.resolver()
        with pytest.raises(NxDomain):
            resolver.txt("x" * 64 + ".acme.example")
        assert server.queries == []


# -- chains, referrals and sources -------------------------------------------------------------


@pytest.fixture(scope="module")
def two_zones(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnotServer]:
    zones = {
        "acme.example": zone_text(
            "acme.example",
            [
                ("s1._domainkey.mail.acme.example", "CNAME", "s1.keys.example.net", 300, None),
                ("loop.acme.example", "CNAME", "loop.example.net", 300, None),
            ],
        ),
        "example.net": zone_text(
            "example.net",
            [
                ("s1.keys.example.net", "TXT", LONG_TXT, 300, None),
                ("loop.example.net", "CNAME", "loop.acme.example", 300, None),
                ("child.example.net", "NS", "ns.elsewhere.example", 300, None),
            ],
        ),
    }
    with KnotServer.start(tmp_path_factory.mktemp("chains"), zones) as server:
        yield server


def test_cname_into_another_zone_is_followed_with_a_second_question(
    two_zones: KnotServer,
) -> None:
    resolver = Resolver(nameservers=[two_zones.address], timeout=0.5)
    answer = resolver.answer("s1._domainkey.mail.acme.example", "TXT")
    assert answer.records == (LONG_TXT,)
    assert answer.aliases == ("s1.keys.example.net",)
    # The CNAME itself is known from that answer: no third question.
    assert resolver.cname("s1._domainkey.mail.acme.example") == "s1.keys.example.net"
    assert resolver.stats.queries == 2


def test_cname_loop_is_a_temporary_error_not_an_answer(two_zones: KnotServer) -> None:
    resolver = Resolver(nameservers=[two_zones.address], timeout=0.5)
    with pytest.raises(DnsTemporaryError, match="CNAME loop"):
        resolver.txt("loop.acme.example")


def test_referral_from_an_authoritative_server_is_an_error(two_zones: KnotServer) -> None:
    resolver = Resolver(nameservers=[two_zones.address], timeout=0.5, recursion_desired=False)
    with pytest.raises(DnsTemporaryError, match="referral"):
        resolver.txt("mail.child.example.net")


def test_answer_with_another_id_is_ignored() -> None:
    """Only an answer matching ID, server and question is taken (RFC 5452 §9.1)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)

    def answer_wrongly() -> None:
        data, client = sock.recvfrom(512)
        response = dns.message.make_response(dns.message.from_wire(data))
        response.id ^= 0x5555
        response.answer = [dns.rrset.from_text("acme.example.", 60, "IN", "TXT", '"forged"')]
        sock.sendto(response.to_wire(), client)

    thread = threading.Thread(target=answer_wrongly)
    thread.start()
    try:
        resolver = Resolver(nameservers=[sock.getsockname()], timeout=0.3, attempts=1)
        with pytest.raises(DnsTemporaryError, match="timeout"):
            resolver.txt("acme.example")
    finally:
        thread.join()
        sock.close()


# -- one cache, many questions ------------------------------------------------------------------


def test_each_question_is_sent_once_per_resolver() -> None:
    zone = {f"n{i}.acme.example": [{"TXT": f"v=spf1 ip4:192.0.2.{i} -all"}] for i in range(50)}
    with DictDnsServer.start(zone) as server:
        resolver = server.resolver()
        questions = [(name, "TXT") for name in zone]
        outcomes = resolver.prefetch(questions + questions)
        assert len(outcomes) == 50
        resolver.prefetch(questions)
        workers = [
            threading.Thread(target=resolver.txt, args=("n7.acme.example",)) for _ in range(8)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len(server.queries) == 50
        assert resolver.txt("n7.acme.example") == ("v=spf1 ip4:192.0.2.7 -all",)


def test_concurrent_askers_of_one_question_wait_for_one_answer() -> None:
    with DictDnsServer.start({"slow.acme.example": [{"TXT": "ok"}]}) as server:
        resolver = server.resolver(timeout=1)
        results: list[tuple[str, ...]] = []
        workers = [
            threading.Thread(target=lambda: results.append(resolver.txt("slow.acme.example")))
            for _ in range(8)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert results == [("ok",)] * 8
        assert len(server.queries) == 1


def test_past_the_deadline_nothing_is_sent() -> None:
    with DictDnsServer.start({"acme.example": [{"TXT": "x"}]}) as server:
        resolver = Resolver(nameservers=[server.address], deadline=time.monotonic() - 1)
        with pytest.raises(DnsTemporaryError, match="deadline"):
            resolver.txt("acme.example")
        assert server.queries == []


def test_servfail_is_tried_on_every_server_then_reported() -> None:
    with (
        DictDnsServer.start({"acme.example": [{"TXT": "x"}]}) as first,
        DictDnsServer.start({"acme.example": [{"TXT": "x"}]}) as second,
    ):
        first.servfail("acme.example")
        second.servfail("acme.example")
        resolver = Resolver(nameservers=[first.address, second.address], timeout=1.0, attempts=2)
        with pytest.raises(DnsTemporaryError, match="SERVFAIL"):
            resolver.txt("acme.example")
        assert len(first.queries) == 2 and len(second.queries) == 2


def test_a_question_is_given_up_after_its_lifetime() -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        resolver = Resolver(nameservers=[silent.getsockname()], timeout=0.3, lifetime=0.45)
        started = time.monotonic()
        with pytest.raises(DnsTemporaryError, match="after 2 tries"):
            resolver.txt("acme.example")  # three tries of 0.3 s would take 0.9 s
        assert 0.4 < time.monotonic() - started < 0.7
    finally:
        silent.close()


def test_answer_too_big_for_udp_is_fetched_over_tcp(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    texts = [f"site-verification-{i}=" + "x" * 230 for i in range(8)]  # ~2 kB: over 1232
    zone = zone_text("acme.example", [("big.acme.example", "TXT", t, 300, None) for t in texts])
    with KnotServer.start(tmp_path_factory.mktemp("big"), {"acme.example": zone}) as server:
        resolver = Resolver(nameservers=[server.address], timeout=0.5)
        assert sorted(resolver.txt("big.acme.example")) == sorted(texts)
        assert resolver.stats.tcp_fallbacks == 1 and resolver.stats.queries == 2
