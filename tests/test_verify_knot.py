"""verify against a real authoritative server: Knot DNS serving the bundled stack's plan.

The brand zone is `sendlanes plan --format zone` (plus the organization's own `_dmarc`
record); the providers' zones (amazonses.com, sendgrid.net, …) are served by the same Knot so
every CNAME, include and MX chain resolves on 127.0.0.1. The published plan passes; each
test then changes one thing in a zone, as a person editing DNS by hand would, and expects
exactly the checks that change to fail or warn.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from sendlanes.config.load import load_stack_config
from sendlanes.dns.resolver import Resolver
from sendlanes.plan.build import build_plan
from sendlanes.plan.model import Plan
from sendlanes.verify.model import CheckStatus, VerifyReport
from sendlanes.verify.runner import verify_lanes
from sendlanes.verify.servers import AuthoritativeLookup, DirectRoute
from tests.support.knot import KnotServer, knot_fixture
from tests.support.provider_zones import all_zones, generated_plan

REPO = Path(__file__).resolve().parents[1]
PLAN = build_plan(load_stack_config(REPO / "Pulumi.prod.yaml"), today=datetime.date(2026, 12, 1))
ZONES = all_zones(PLAN)
OTHER_KEY = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr20uQqWtWXTqauwPQ7BQUg1z43nsG7/x57HZlhx/VjSPUAcb"
    "b4Kf4hBKwonmQnTt4AEjVGRyRp5tR8wNlBDllTslimQJAneYKQ2akf+OflGgUe81NPkhXOL3Tb4OYurgatgj60L4pwP2"
    "IyFI00cjg6TJrlIpl0c2pFDkWCSpR/IAB06m1+iPod4NsxTWnaNdT5zs0gBYWjyw60xoIZUwpLqDocovtiabH3Q7HRT0"
    "NZMUv2cJ8rhSd/FrVnuwno5Wrg7B9mHog3ZAY6tD3PoZyWsoQhDaXoSjWj+whvh/f/WiFj8uO2FCFo+nLcyFFC9fVDGF"
    "CiWl7xu4FaZeza4zxwIDAQAB"
)

PRESETS = {"ses", "sendgrid", "mailgun", "postmark", "sparkpost", "mailjet", "mandrill"}
PRESETS |= {"brevo", "smtp"}

knot = knot_fixture(lambda: ZONES)

Finding = tuple[str, str, str]


@pytest.fixture
def serve(knot: KnotServer) -> Iterator[Callable[[str, str], None]]:
    """Serve changed zone text for a test; every zone is put back afterwards."""
    changed: list[str] = []

    def serve(origin: str, text: str) -> None:
        changed.append(origin)
        knot.replace_zone(origin, text)

    yield serve
    for origin in dict.fromkeys(changed):
        knot.replace_zone(origin, ZONES[origin])


def verify(knot: KnotServer, plan: Plan = PLAN, lanes: Sequence[str] = ()) -> VerifyReport:
    resolver = Resolver(nameservers=[knot.address], timeout=0.5, lifetime=2)
    return verify_lanes(plan, plan.select_lanes(lanes), DirectRoute(resolver))


def findings(report: VerifyReport) -> set[Finding]:
    """(check, name, status) of every check that did not pass."""
    return {(str(c.check), c.name, str(c.status)) for c in report.checks() if c.status != "pass"}


def edited(origin: str, *, drop: Sequence[str] = (), add: Sequence[str] = ()) -> str:
    """ZONES[origin] without the lines starting with any of *drop*, plus *add*."""
    lines = [line for line in ZONES[origin].splitlines() if not line.startswith(tuple(drop))]
    for prefix in drop:
        assert any(line.startswith(prefix) for line in ZONES[origin].splitlines()), prefix
    return "\n".join([*lines, *add]) + "\n"


# -- the published plan ----------------------------------------------------------------------


def test_published_plan_passes_every_check(knot: KnotServer) -> None:
    report = verify(knot)
    assert findings(report) == set()
    assert report.exit_code() == 0
    kinds = {str(c.check) for c in report.checks()}
    assert kinds == {"record", "spf", "dkim", "dmarc", "return-path", "tracking"}
    assert [(lane.brand, lane.lane) for lane in report.lanes] == [
        ("acme", "receipts"),
        ("acme", "revenue"),
        ("acme", "promos"),
    ]
    # One cache for the run: amazonses.com and the org _dmarc record are asked once.
    assert report.queries["queries"] < 60


def test_dkim_delegated_by_cname_is_followed_to_the_providers_key(knot: KnotServer) -> None:
    report = verify(knot, lanes=["acme/promos"])
    dkim = {c.name: c for c in report.checks() if str(c.check) == "dkim"}
    check = dkim["s1._domainkey.mail.acme.example"]
    assert check.status is CheckStatus.PASS
    assert "via CNAME → s1.domainkey.u2744887.wl138.sendgrid.net" in check.detail
    assert "rsa 2048-bit" in check.detail


def test_spf_of_a_return_path_delegated_to_the_provider_is_checked_there(
    knot: KnotServer,
) -> None:
    report = verify(knot, lanes=["acme/promos"])
    spf = next(c for c in report.checks() if str(c.check) == "spf")
    assert spf.name == "em5945.mail.acme.example"
    assert "include:sendgrid.net" in spf.detail
    assert "via CNAME → u2744887.wl138.sendgrid.net" in spf.detail


def test_every_provider_preset_verifies_clean(tmp_path: Path) -> None:
    plan = generated_plan(5)
    assert {lane.provider for lane in plan.lanes()} >= PRESETS
    with KnotServer.start(tmp_path, all_zones(plan)) as server:
        report = verify(server, plan)
    assert findings(report) == set()
    assert len(report.lanes) == 15


# -- one change at a time --------------------------------------------------------------------


def test_removed_tracking_record_fails_the_record_and_the_tracking_check(
    knot: KnotServer, serve: Callable[[str, str], None]
) -> None:
    serve("acme.example", edited("acme.example", drop=["url3629.mail.acme.example."]))
    report = verify(knot)
    assert findings(report) == {
        ("record", "CNAME url3629.mail.acme.example", "fail"),
        ("tracking", "url3629.mail.acme.example", "fail"),
    }
    assert report.exit_code() == 1


def test_changed_dkim_key_fails_only_the_record_check(
    knot: KnotServer, serve: Callable[[str, str], None]
) -> None:
    name = "20261101pm._domainkey.receipts.acme.example."
    record = f'{name} 3600 IN TXT "v=DKIM1; k=rsa; p={OTHER_KEY[:250]}" "{OTHER_KEY[250:]}"'
    serve("acme.example", edited("acme.example", drop=[name], add=[record]))
    report = verify(knot)
    assert findings(report) == {
        ("record", "TXT 20261101pm._domainkey.receipts.acme.example", "fail"),
    }
    detail = next(c.detail for c in report.checks() if c.status is CheckStatus.FAIL)
    assert detail.startswith("different:")


def test_second_spf_record_fails_as_a_permerror(
    knot: KnotServer, serve: Callable[[str, str], None]
) -> None:
    second = 'bounce.notify.acme.example. 3600 IN TXT "v=spf1 include:_spf.example.net ~all"'
    serve("acme.example", edited("acme.example", add=[second]))
    report = verify(knot)
    assert findings(report) == {
        ("extra-record", "TXT bounce.notify.acme.example", "fail"),
        ("spf", "bounce.notify.acme.example", "fail"),
    }
    spf = next(c for c in report.checks() if str(c.check) == "spf" and c.status != "pass")
    assert "permerror" in spf.detail and "RFC 7208 §4.5" in spf.detail


def test_spf_over_budget_through_nested_includes_fails(
    knot: KnotServer, serve: Callable[[str, str], None]
) -> None:
    # amazonses.com → 4 includes → each 3 more includes: 1 + 4 + 12 = 17 lookups > 10.
    top = "".join(f" include:s{i}.amazonses.com" for i in range(4))
    lines = [f'amazonses.com. 300 IN TXT "v=spf1{top} -all"']
    for i in range(4):
        includes = "".join(f" include:s{i}{j}.amazonses.com" for j in range(3))
        lines.append(f's{i}.amazonses.com. 300 IN TXT "v=spf1{includes} -all"')
        lines += [
            f's{i}{j}.amazonses.com. 300 IN TXT "v=spf1 ip4:198.51.100.{i * 3 + j}/32 -all"'
            for j in range(3)
        ]
    serve("amazonses.com", edited("amazonses.com", drop=["amazonses.com. 300 IN TXT"], add=lines))
    report = verify(knot)
    assert findings(report) == {("spf", "bounce.notify.acme.example", "fail")}
    spf = next(c for c in report.checks() if str(c.check) == "spf" and c.status != "pass")
    assert "17 DNS-querying terms" in spf.detail and "the limit is 10" in spf.detail


def test_dmarc_record_without_rua_warns_and_differs_from_the_plan(
    knot: KnotServer, serve: Callable[[str, str], None]
) -> None:
    name = "_dmarc.mail.acme.example."
    serve(
        "acme.example",
        edited("acme.example", drop=[name], add=[f'{name} 3600 IN TXT "v=DMARC1; p=quarantine"']),
    )
    report = verify(knot)
    assert findings(report) == {
        ("record", "TXT _dmarc.mail.acme.example", "fail"),
        ("dmarc", "_dmarc.mail.acme.example", "warn"),
    }
    dmarc = next(c for c in report.checks() if c.status is CheckStatus.WARN)
    assert "no rua=" in dmarc.detail


def test_dkim_cname_pointing_at_another_valid_key_fails_the_record_check(
    knot: KnotServer, serve: Callable[[str, str], None]
) -> None:
    name = "s1._domainkey.mail.acme.example."
    elsewhere = f"{name} 3600 IN CNAME exajm5ogzicibxm11fop3ukzlceh1rqr.dkim.amazonses.com."
    serve("acme.example", edited("acme.example", drop=[name], add=[elsewhere]))
    report = verify(knot)
    assert findings(report) == {("record", "CNAME s1._domainkey.mail.acme.example", "fail")}
    record = next(c for c in report.checks() if c.status is CheckStatus.FAIL)
    assert "points to exajm5ogzicibxm11fop3ukzlceh1rqr.dkim.amazonses.com" in record.detail


def test_dkim_cname_pointing_nowhere_fails_the_record_and_the_key(
    knot: KnotServer, serve: Callable[[str, str], None]
) -> None:
    name = "s2._domainkey.mail.acme.example."
    nowhere = f"{name} 3600 IN CNAME s9.domainkey.u2744887.wl138.sendgrid.net."
    serve("acme.example", edited("acme.example", drop=[name], add=[nowhere]))
    report = verify(knot)
    assert findings(report) == {
        ("record", "CNAME s2._domainkey.mail.acme.example", "fail"),
        ("dkim", "s2._domainkey.mail.acme.example", "fail"),
    }


def test_spf_record_added_by_hand_at_a_lane_name_warns(
    knot: KnotServer, serve: Callable[[str, str], None]
) -> None:
    hand = 'notify.acme.example. 300 IN TXT "v=spf1 include:amazonses.com -all"'
    serve("acme.example", edited("acme.example", add=[hand]))
    assert findings(verify(knot)) == {("extra-record", "TXT notify.acme.example", "warn")}


def test_report_destination_outside_the_organization_needs_authorization(
    knot: KnotServer, serve: Callable[[str, str], None]
) -> None:
    name = "_dmarc.notify.acme.example."
    outside = f'{name} 3600 IN TXT "v=DMARC1; p=quarantine; rua=mailto:agg@reports.example"'
    serve("acme.example", edited("acme.example", drop=[name], add=[outside]))
    unauthorized = ("dmarc-report", "notify.acme.example → reports.example", "fail")
    assert unauthorized in findings(verify(knot))

    grant = 'notify.acme.example._report._dmarc.reports.example. 300 IN TXT "v=DMARC1"'
    serve("example", edited("example", add=[grant]))
    assert findings(verify(knot)) == {("record", "TXT _dmarc.notify.acme.example", "fail")}


def test_removed_return_path_mx_fails_the_record_and_the_bounce_route(
    knot: KnotServer, serve: Callable[[str, str], None]
) -> None:
    serve("acme.example", edited("acme.example", drop=["bounce.notify.acme.example. 3600 IN MX"]))
    assert findings(verify(knot)) == {
        ("record", "MX bounce.notify.acme.example", "fail"),
        ("return-path", "bounce.notify.acme.example", "fail"),
    }


# -- the zone's own servers ------------------------------------------------------------------


def test_without_nameservers_the_zones_authoritative_servers_are_asked(
    knot: KnotServer,
) -> None:
    recursive = Resolver(nameservers=[knot.address], timeout=0.5, lifetime=2)
    # ns1.acme.example is 127.0.0.1 in the zone; Knot listens there on its test port.
    route = AuthoritativeLookup(recursive, port=knot.port)
    report = verify_lanes(PLAN, PLAN.lanes(), route)
    assert findings(report) == set()
    assert report.servers["acme.example"] == [f"127.0.0.1:{knot.port}"]
    assert route.find_zone("mail.acme.example", "acme.example").hosts == ("ns1.acme.example",)


def test_a_brand_domain_without_ns_records_is_an_error_not_a_pass(knot: KnotServer) -> None:
    recursive = Resolver(nameservers=[knot.address], timeout=0.5, lifetime=2)
    route = AuthoritativeLookup(recursive, port=knot.port)
    # receipts.acme.example is no zone apex and the walk may not go above it.
    blocked = route.prepare([("receipts.acme.example", "receipts.acme.example")])
    check = blocked["receipts.acme.example"]
    assert (str(check.check), str(check.status)) == ("nameservers", "error")
    assert "not a zone apex" in check.detail
