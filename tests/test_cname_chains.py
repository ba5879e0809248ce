"""CNAME chains the resolver will not follow: over 8 hops, loops, two CNAMEs at one name.

Each is a :class:`CnameChainError` (no verdict) whose text says which, whether the chain
comes in one answer (a server that follows it, :mod:`tests.support.dictdns`) or one hop per
answer (each step asked separately, as across zones).
"""

from __future__ import annotations

import pytest

from sendlanes.dns.resolver import (
    MAX_CNAME_HOPS,
    AnswerStep,
    CnameChainError,
    DnsAnswer,
    NxDomain,
    follow_aliases,
)
from tests.support.dictdns import DictDnsServer, ZoneData, dictdns_fixture

dns_server = dictdns_fixture()


def chain(hops: int, *, end: str = "v=spf1 -all") -> ZoneData:
    """c0.test → c1.test → … → c<hops>.test, which holds one TXT record."""
    zone: dict[str, list[object]] = {
        f"c{i}.test": [{"CNAME": f"c{i + 1}.test"}] for i in range(hops)
    }
    zone[f"c{hops}.test"] = [{"TXT": end}]
    return zone


def served(dns_server: DictDnsServer, zone: ZoneData) -> DictDnsServer:
    dns_server.set_zone(zone)
    return dns_server


# -- one answer holds the whole chain -------------------------------------------------------


def test_a_chain_of_eight_hops_is_followed(dns_server: DictDnsServer) -> None:
    answer = served(dns_server, chain(MAX_CNAME_HOPS)).resolver().answer("c0.test", "TXT")
    assert answer.records == ("v=spf1 -all",)
    assert answer.aliases[-1] == "c8.test" and len(answer.aliases) == 8


def test_a_chain_of_nine_hops_is_an_error_that_names_the_limit(
    dns_server: DictDnsServer,
) -> None:
    resolver = served(dns_server, chain(MAX_CNAME_HOPS + 1)).resolver()
    with pytest.raises(CnameChainError) as raised:
        resolver.answer("c0.test", "TXT")
    assert "longer than 8 hops" in str(raised.value)
    assert "does not exist" not in str(raised.value)


def test_a_loop_with_records_at_a_member_is_an_error_not_an_answer(
    dns_server: DictDnsServer,
) -> None:
    zone = {
        "a.test": [{"CNAME": "b.test"}],
        "b.test": [{"CNAME": "a.test"}, {"TXT": "v=spf1 +all"}],
    }
    resolver = served(dns_server, zone).resolver()
    with pytest.raises(CnameChainError, match=r"CNAME loop: a\.test → b\.test → a\.test"):
        resolver.answer("a.test", "TXT")
    with pytest.raises(CnameChainError, match="CNAME loop"):
        resolver.txt("b.test")


def test_two_cnames_at_one_name_are_an_error_not_followed_arbitrarily(
    dns_server: DictDnsServer,
) -> None:
    zone = {
        "a.test": [{"CNAME": "b.test"}],
        "b.test": [{"CNAME": "good.test"}, {"CNAME": "evil.test"}],
        "good.test": [{"TXT": "v=spf1 -all"}],
        "evil.test": [{"TXT": "v=spf1 +all"}],
    }
    resolver = served(dns_server, zone).resolver()
    with pytest.raises(CnameChainError) as raised:
        resolver.answer("a.test", "TXT")
    assert "two CNAMEs at b.test (evil.test, good.test)" in str(raised.value)
    with pytest.raises(CnameChainError, match=r"two CNAMEs at b\.test"):
        resolver.cname("b.test")


# -- one hop per answer (follow_aliases) ----------------------------------------------------


def hop_step(links: dict[str, str], asked: list[str]) -> AnswerStep:
    """A step answering one hop per question: *links* (name → CNAME target), names starting
    with ``end`` hold a TXT record, others do not exist; records each name asked."""

    def step(name: str, rdtype: str) -> DnsAnswer:
        asked.append(name)
        if name in links:
            return DnsAnswer(name, rdtype, (), (links[name],))
        if name.startswith("end"):
            return DnsAnswer(name, rdtype, ("v=spf1 -all",))
        raise NxDomain(name, rdtype)

    return step


def test_hops_asked_one_at_a_time_stop_at_the_limit() -> None:
    links = {f"h{i}.test": f"h{i + 1}.test" for i in range(20)}
    asked: list[str] = []
    with pytest.raises(CnameChainError, match="longer than 8 hops"):
        follow_aliases(hop_step(links, asked), "h0.test", "TXT")
    assert len(asked) == MAX_CNAME_HOPS + 1  # never asks past the limit


def test_eight_hops_asked_one_at_a_time_reach_the_records() -> None:
    links = {f"h{i}.test": f"h{i + 1}.test" for i in range(7)} | {"h7.test": "end.test"}
    answer = follow_aliases(hop_step(links, []), "h0.test", "TXT")
    assert answer.records == ("v=spf1 -all",) and len(answer.aliases) == 8


def test_a_loop_across_answers_is_an_error() -> None:
    links = {"a.test": "b.test", "b.test": "c.test", "c.test": "A.test"}
    with pytest.raises(CnameChainError, match=r"CNAME loop: a\.test → b\.test → c\.test → A\.test"):
        follow_aliases(hop_step(links, []), "a.test", "TXT")
