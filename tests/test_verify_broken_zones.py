"""Broken zones, each judged as a receiver would: the verdict, its detail and the exit code.

Served by Knot DNS (the bundled stack's zones, one thing broken per case) wherever Knot can
hold the zone; a zone Knot refuses to load (two CNAMEs at one name, a CNAME beside a TXT
record) is served by the test DNS server instead, which sends what it is given. ``verify``
exits 1 for a fail and 3 for an error with no fail.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from sendlanes.config.load import load_stack_config
from sendlanes.dns.resolver import Resolver
from sendlanes.plan.build import build_plan
from sendlanes.verify.model import Check, Route, VerifyReport
from sendlanes.verify.runner import verify_lanes
from sendlanes.verify.servers import AuthoritativeLookup, DirectRoute
from tests.support.dictdns import DictDnsServer
from tests.support.knot import KnotServer, knot_fixture
from tests.support.provider_zones import RSA_2048_KEY, all_zones, dict_zone

REPO = Path(__file__).resolve().parents[1]
PLAN = build_plan(load_stack_config(REPO / "Pulumi.prod.yaml"), today=datetime.date(2026, 12, 1))
ZONES = all_zones(PLAN)
# An RSA key of 768 bits (openssl genrsa 768): under RFC 8301 §3.2's 1024.
RSA_768_KEY = (
    "MHwwDQYJKoZIhvcNAQEBBQADawAwaAJhAPlejV20WfFwqLcgHEwKutfb5iXfusn3+lYlk1LTej5LvYwW85iy3q4yIdMz"
    "tjF3N3ZpE4rrupJtOwW1k0mPiNF+8IaLiqQuH4dwKk/5/0DG1ij2fxt3Y4ePotzzBrB4bwIDAQAB"
)
SES_KEY = "exajm5ogzicibxm11fop3ukzlceh1rqr"
SES_SELECTOR = f"{SES_KEY}._domainkey.notify.acme.example"
SES_TARGET = f"{SES_KEY}.dkim.amazonses.com"
SENDGRID_SELECTOR = "s1._domainkey.mail.acme.example"
SENDGRID_TARGET = "s1.domainkey.u2744887.wl138.sendgrid.net"
EXIT_FINDINGS, EXIT_NO_VERDICT = 1, 3

knot = knot_fixture(lambda: ZONES)


def edited(origin: str, *, drop: Sequence[str] = (), add: Sequence[str] = ()) -> str:
    """ZONES[origin] without the lines starting with any of *drop*, plus *add*."""
    lines = ZONES[origin].splitlines()
    for prefix in drop:
        assert any(line.startswith(prefix) for line in lines), prefix
    kept = [line for line in lines if not line.startswith(tuple(drop))]
    return "\n".join([*kept, *add]) + "\n"


def hops(start: str, count: int, end: str) -> list[str]:
    """Zone lines: *start* → h1.sendgrid.net → … → h<count>.sendgrid.net, which holds *end*."""
    names = [start, *(f"h{i}.sendgrid.net" for i in range(1, count + 1))]
    lines = [f"{a}. 300 IN CNAME {b}." for a, b in itertools.pairwise(names)]
    return [*lines, f"{names[-1]}. 300 IN TXT {end}"]


def key_line(name: str, text: str) -> str:
    return f'{name}. 300 IN TXT "{text}"'


@dataclass(frozen=True)
class BrokenZone:
    """One broken zone: what is served instead, the lane verified, and the verdict wanted."""

    origin: str
    drop: tuple[str, ...]
    add: tuple[str, ...]
    lane: str
    check: tuple[str, str, str]  # (check, name, status) that must be reported
    detail: tuple[str, ...]  # text its detail must hold
    exit_code: int


CASES = {
    "dmarc-version-in-lower-case": BrokenZone(
        "acme.example",
        ("_dmarc.receipts.acme.example.",),
        (
            '_dmarc.receipts.acme.example. 300 IN TXT "v=dmarc1; p=reject; adkim=s; '
            'rua=mailto:dmarc@acme.example"',
        ),
        "acme/receipts",
        ("record", "TXT _dmarc.receipts.acme.example", "fail"),
        ('published "v=dmarc1; p=reject', "RFC 7489 §6.3", "RFC 9989"),
        EXIT_FINDINGS,
    ),
    "spf-with-a-leading-space": BrokenZone(
        "acme.example",
        ("bounce.notify.acme.example. 3600 IN TXT",),
        ('bounce.notify.acme.example. 300 IN TXT " v=spf1 include:amazonses.com ~all"',),
        "acme/revenue",
        ("record", "TXT bounce.notify.acme.example", "fail"),
        ('published " v=spf1 include:amazonses.com ~all"', "RFC 7208 §4.5"),
        EXIT_FINDINGS,
    ),
    "dkim-key-for-sha1-only": BrokenZone(
        "amazonses.com",
        (f"{SES_TARGET}.",),
        (key_line(SES_TARGET, f"v=DKIM1; k=rsa; h=sha1; p={RSA_2048_KEY}"),),
        "acme/revenue",
        ("dkim", SES_SELECTOR, "fail"),
        ("h=sha1", "RFC 8301 §3.1"),
        EXIT_FINDINGS,
    ),
    "dkim-key-revoked": BrokenZone(
        "amazonses.com",
        (f"{SES_TARGET}.",),
        (key_line(SES_TARGET, "v=DKIM1; k=rsa; p="),),
        "acme/revenue",
        ("dkim", SES_SELECTOR, "fail"),
        ("revoked", "p= is empty"),
        EXIT_FINDINGS,
    ),
    "dkim-key-of-768-bits": BrokenZone(
        "amazonses.com",
        (f"{SES_TARGET}.",),
        (key_line(SES_TARGET, f"v=DKIM1; k=rsa; p={RSA_768_KEY}"),),
        "acme/revenue",
        ("dkim", SES_SELECTOR, "fail"),
        ("768", "RFC 8301"),
        EXIT_FINDINGS,
    ),
    "cname-chain-of-nine-hops": BrokenZone(
        "sendgrid.net",
        (f"{SENDGRID_TARGET}.",),
        tuple(hops(SENDGRID_TARGET, 8, f'"v=DKIM1; k=rsa; p={RSA_2048_KEY}"')),
        "acme/promos",
        ("dkim", SENDGRID_SELECTOR, "error"),
        ("longer than 8 hops",),
        EXIT_NO_VERDICT,
    ),
    "cname-loop": BrokenZone(
        "sendgrid.net",
        (f"{SENDGRID_TARGET}.",),
        (
            f"{SENDGRID_TARGET}. 300 IN CNAME loop.sendgrid.net.",
            f"loop.sendgrid.net. 300 IN CNAME {SENDGRID_TARGET}.",
        ),
        "acme/promos",
        ("dkim", SENDGRID_SELECTOR, "error"),
        ("CNAME loop", f"{SENDGRID_TARGET} → loop.sendgrid.net → {SENDGRID_TARGET}"),
        EXIT_NO_VERDICT,
    ),
}


@pytest.fixture
def served(knot: KnotServer) -> Iterator[KnotServer]:
    yield knot
    for origin in ("acme.example", "amazonses.com", "sendgrid.net"):
        knot.replace_zone(origin, ZONES[origin])


def verify(route: Route, lane: str) -> VerifyReport:
    return verify_lanes(PLAN, PLAN.select_lanes([lane]), route)


def direct(address: tuple[str, int]) -> DirectRoute:
    return DirectRoute(Resolver(nameservers=[address], timeout=0.5, lifetime=2))


def found(report: VerifyReport, check: str, name: str) -> Check:
    matches = [c for c in report.checks() if (str(c.check), c.name) == (check, name)]
    assert len(matches) == 1, [c.to_json() for c in report.checks()]
    return matches[0]


def judged(report: VerifyReport, case: BrokenZone) -> None:
    check, name, status = case.check
    verdict = found(report, check, name)
    assert str(verdict.status) == status, verdict
    for text in case.detail:
        assert text in verdict.detail, verdict
    assert report.exit_code() == case.exit_code, [c.to_json() for c in report.checks()]


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_broken_zone_is_judged_right_with_the_right_exit_code(
    served: KnotServer, case: BrokenZone
) -> None:
    served.replace_zone(case.origin, edited(case.origin, drop=case.drop, add=case.add))
    judged(verify(direct(served.address), case.lane), case)


def test_the_same_lane_passes_when_nothing_is_broken(knot: KnotServer) -> None:
    for lane in ("acme/receipts", "acme/revenue", "acme/promos"):
        assert verify(direct(knot.address), lane).exit_code() == 0


def test_a_chain_of_eight_hops_still_passes(served: KnotServer) -> None:
    add = hops(SENDGRID_TARGET, 7, f'"v=DKIM1; k=rsa; p={RSA_2048_KEY}"')
    served.replace_zone(
        "sendgrid.net", edited("sendgrid.net", drop=[f"{SENDGRID_TARGET}."], add=add)
    )
    report = verify(direct(served.address), "acme/promos")
    dkim = found(report, "dkim", SENDGRID_SELECTOR)
    assert (str(dkim.status), report.exit_code()) == ("pass", 0), dkim
    assert "h7.sendgrid.net" in dkim.detail


def test_a_chain_too_long_for_the_key_still_lets_the_cname_record_pass(
    served: KnotServer,
) -> None:
    add = hops(SENDGRID_TARGET, 8, f'"v=DKIM1; k=rsa; p={RSA_2048_KEY}"')
    served.replace_zone(
        "sendgrid.net", edited("sendgrid.net", drop=[f"{SENDGRID_TARGET}."], add=add)
    )
    record = found(
        verify(direct(served.address), "acme/promos"), "record", f"CNAME {SENDGRID_SELECTOR}"
    )
    assert (str(record.status), record.detail) == ("pass", f"→ {SENDGRID_TARGET}")


# -- zones Knot will not load: the test DNS server sends them as given ------------------------


def dict_zones(**changes: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    zone = dict_zone(PLAN)
    zone.update(changes)
    return zone


def test_two_cnames_at_one_name_are_an_error_not_followed_arbitrarily() -> None:
    zone = dict_zones(
        **{
            SENDGRID_TARGET: [{"CNAME": "evil.sendgrid.net"}, {"CNAME": "good.sendgrid.net"}],
            "evil.sendgrid.net": [{"TXT": f"v=DKIM1; k=rsa; p={RSA_2048_KEY}"}],
            "good.sendgrid.net": [{"TXT": f"v=DKIM1; k=rsa; p={RSA_2048_KEY}"}],
        }
    )
    with DictDnsServer.start(zone) as server:
        report = verify(direct(server.address), "acme/promos")
    case = BrokenZone(
        "",
        (),
        (),
        "acme/promos",
        ("dkim", SENDGRID_SELECTOR, "error"),
        (f"two CNAMEs at {SENDGRID_TARGET} (evil.sendgrid.net, good.sendgrid.net)", "RFC 2181"),
        EXIT_NO_VERDICT,
    )
    judged(report, case)


def test_a_cname_loop_with_a_key_at_a_member_is_an_error() -> None:
    zone = dict_zones(
        **{
            SENDGRID_TARGET: [{"CNAME": "loop.sendgrid.net"}],
            "loop.sendgrid.net": [
                {"CNAME": SENDGRID_TARGET},
                {"TXT": f"v=DKIM1; k=rsa; p={RSA_2048_KEY}"},
            ],
        }
    )
    with DictDnsServer.start(zone) as server:
        report = verify(direct(server.address), "acme/promos")
    dkim = found(report, "dkim", SENDGRID_SELECTOR)
    assert (str(dkim.status), report.exit_code()) == ("error", EXIT_NO_VERDICT), dkim
    assert "CNAME loop" in dkim.detail


# -- authoritative mode: the brand domain, and what a zone's server may vouch for -------------


APEX_RECORDS: list[tuple[str, dict[str, object]]] = [
    ("acme.example", {"NS": "ns1.acme.example."}),
    ("ns1.acme.example", {"A": "127.0.0.1"}),
]


def with_apex(zone: dict[str, list[dict[str, object]]]) -> dict[str, list[dict[str, object]]]:
    for name, entry in APEX_RECORDS:
        zone.setdefault(name, []).insert(0, entry)
    return zone


def authoritative(recursive: DictDnsServer | KnotServer, zone_port: int) -> AuthoritativeLookup:
    resolver = Resolver(nameservers=[recursive.address], timeout=0.5, lifetime=2)
    return AuthoritativeLookup(resolver, port=zone_port)


def test_a_brand_domain_that_does_not_exist_is_a_fail_not_no_verdict(tmp_path: Path) -> None:
    # The recursive side: every zone but acme.example, so acme.example is NXDOMAIN in example.
    zones = {origin: text for origin, text in ZONES.items() if origin != "acme.example"}
    with KnotServer.start(tmp_path, zones) as recursive:
        report = verify_lanes(PLAN, PLAN.lanes(), authoritative(recursive, recursive.port))
    for lane in report.lanes:
        (check,) = lane.checks
        assert (str(check.check), str(check.status)) == ("nameservers", "fail")
        assert check.detail.startswith("acme.example does not exist"), check.detail
        assert "no verdict" not in check.detail
    assert report.exit_code() == EXIT_FINDINGS


def without_ses_keys() -> dict[str, list[dict[str, object]]]:
    """The recursive resolver's view: the real amazonses.com has no key at SES_TARGET."""
    zone = with_apex(dict_zone(PLAN))
    del zone[SES_TARGET]
    return zone


def test_a_zone_server_that_also_serves_the_dkim_target_is_not_believed_about_it(
    knot: KnotServer,
) -> None:
    # Knot serves acme.example *and* an amazonses.com holding the key; asked properly (the
    # recursive resolver), the key does not exist.
    with DictDnsServer.start(without_ses_keys()) as recursive:
        report = verify(authoritative(recursive, knot.port), "acme/revenue")
    dkim = found(report, "dkim", SES_SELECTOR)
    assert (str(dkim.status), report.exit_code()) == ("fail", EXIT_FINDINGS), dkim
    assert f"NXDOMAIN (the CNAME target {SES_TARGET})" in dkim.detail


def test_out_of_zone_records_in_a_zone_servers_answer_are_ignored() -> None:
    # This zone server puts the amazonses.com key in its answer after the CNAME; it is
    # authoritative for acme.example only, so the key is asked of the recursive resolver.
    with (
        DictDnsServer.start(with_apex(dict_zone(PLAN))) as zone_server,
        DictDnsServer.start(without_ses_keys()) as recursive,
    ):
        report = verify(authoritative(recursive, zone_server.port), "acme/revenue")
        asked_zone_server = {q.name for q in zone_server.queries}
    dkim = found(report, "dkim", SES_SELECTOR)
    assert (str(dkim.status), report.exit_code()) == ("fail", EXIT_FINDINGS), dkim
    assert SES_TARGET not in asked_zone_server
    record = found(report, "record", f"CNAME {SES_SELECTOR}")
    assert str(record.status) == "pass", record


def test_out_of_zone_nxdomain_from_a_zone_server_is_not_believed() -> None:
    # The zone server says the key's name does not exist; the recursive resolver has it.
    zone = with_apex(dict_zone(PLAN))
    del zone[SES_TARGET]
    with (
        DictDnsServer.start(zone) as zone_server,
        DictDnsServer.start(with_apex(dict_zone(PLAN))) as recursive,
    ):
        report = verify(authoritative(recursive, zone_server.port), "acme/revenue")
    dkim = found(report, "dkim", SES_SELECTOR)
    assert str(dkim.status) == "pass", dkim


def test_a_cname_record_check_names_the_cname_when_its_target_is_silent() -> None:
    # The return path's target times out: the bounce route has no verdict, but the CNAME
    # record itself is read and judged, and no detail speaks of the MX question behind it.
    zone = dict_zones(**{"u2744887.wl138.sendgrid.net": ["TIMEOUT"]})
    with DictDnsServer.start(zone) as server:
        resolver = Resolver(nameservers=[server.address], timeout=0.1, lifetime=0.3)
        report = verify(DirectRoute(resolver), "acme/promos")
    record = found(report, "record", "CNAME em5945.mail.acme.example")
    assert (str(record.status), record.detail) == ("pass", "→ u2744887.wl138.sendgrid.net")
    route = found(report, "return-path", "em5945.mail.acme.example")
    assert str(route.status) == "error", route
    assert report.exit_code() == EXIT_NO_VERDICT
    assert not any("MX" in c.detail for c in report.checks() if str(c.check) == "record")
