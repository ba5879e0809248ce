"""verify's verdicts and plumbing: exit codes, record comparison, progress, worker processes."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest

from sendlanes.config.load import load_stack_config
from sendlanes.dns.resolver import Resolver
from sendlanes.output.progress import Progress
from sendlanes.plan.build import build_plan
from sendlanes.verify.jobs import can_fork, deal, verify_in_processes
from sendlanes.verify.model import (
    BrandResult,
    Check,
    CheckKind,
    CheckStatus,
    LaneResult,
    VerifyReport,
)
from sendlanes.verify.records import ignored_by_receivers, same_txt
from sendlanes.verify.runner import verify_lanes
from sendlanes.verify.servers import DirectRoute
from tests.support.dictdns import DictDnsServer
from tests.support.provider_zones import dict_zone, generated_plan

REPO = Path(__file__).resolve().parents[1]
PLAN = build_plan(load_stack_config(REPO / "Pulumi.prod.yaml"), today=datetime.date(2026, 12, 1))


def report_with(*statuses: CheckStatus) -> VerifyReport:
    checks = tuple(
        Check(CheckKind.RECORD, f"TXT n{i}.example", s, "") for i, s in enumerate(statuses)
    )
    return VerifyReport((LaneResult("acme", "promos", "mail.acme.example", checks),), ())


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        ((CheckStatus.PASS, CheckStatus.PASS), 0),
        ((CheckStatus.PASS, CheckStatus.WARN), 0),
        ((CheckStatus.WARN, CheckStatus.ERROR), 3),
        ((CheckStatus.ERROR, CheckStatus.FAIL), 1),
        ((CheckStatus.FAIL,), 1),
    ],
)
def test_exit_code_is_1_for_a_fail_3_for_an_error_without_fail_else_0(
    statuses: tuple[CheckStatus, ...], code: int
) -> None:
    assert report_with(*statuses).exit_code() == code


def test_brand_checks_count_towards_the_verdict() -> None:
    failing = (Check(CheckKind.TRACKING, "links.acme.example", CheckStatus.FAIL, "no address"),)
    report = VerifyReport((), (BrandResult("acme", "acme.example", failing),))
    assert report.exit_code() == 1
    assert report.to_json()["summary"]["checks"] == {"pass": 0, "warn": 0, "error": 0, "fail": 1}


def test_json_has_the_documented_lane_shape() -> None:
    document = report_with(CheckStatus.PASS, CheckStatus.WARN).to_json()
    assert document["lanes"] == [
        {
            "brand": "acme",
            "lane": "promos",
            "fqdn": "mail.acme.example",
            "checks": [
                {"check": "record", "name": "TXT n0.example", "status": "pass", "detail": ""},
                {"check": "record", "name": "TXT n1.example", "status": "warn", "detail": ""},
            ],
        }
    ]
    assert document["summary"]["checks"] == {"pass": 1, "warn": 1, "error": 0, "fail": 0}


# -- declared against published -----------------------------------------------------------------


def test_spf_records_compare_by_terms_not_case_or_spacing() -> None:
    assert same_txt(
        "spf", "V=SPF1  Include:amazonses.com ~ALL", "v=spf1 include:amazonses.com ~all"
    )
    assert not same_txt(
        "spf", "v=spf1 include:amazonses.com -all", "v=spf1 include:amazonses.com ~all"
    )


def test_spf_records_with_anything_before_the_version_are_not_spf_records() -> None:
    declared = "v=spf1 include:amazonses.com ~all"
    assert not same_txt("spf", " v=spf1 include:amazonses.com ~all", declared)
    assert not same_txt("spf", "v=spf1include:amazonses.com ~all", declared)
    reason = ignored_by_receivers("spf", " v=spf1 include:amazonses.com ~all")
    assert reason is not None and "RFC 7208 §4.5" in reason


def test_dkim_records_compare_by_tags_with_the_key_case_kept() -> None:
    declared = "v=DKIM1; k=rsa; p=MIIBIjANBgkq"
    assert same_txt("dkim", "v=DKIM1;k=rsa;  p=MIIBIjAN Bgkq", declared)
    assert not same_txt("dkim", "v=DKIM1; k=rsa; p=miibijanbgkq", declared)


def test_dkim_records_whose_version_is_not_first_or_not_dkim1_are_discarded() -> None:
    declared = "v=DKIM1; k=rsa; p=MIIBIjANBgkq"
    for published in ("k=rsa; v=DKIM1; p=MIIBIjANBgkq", "v=dkim1; k=rsa; p=MIIBIjANBgkq"):
        assert not same_txt("dkim", published, declared)
        assert "RFC 6376 §3.6.1" in (ignored_by_receivers("dkim", published) or "")
    assert same_txt("dkim", "k=rsa; p=MIIBIjANBgkq", "k=rsa; p=MIIBIjANBgkq")


def test_dmarc_records_compare_by_tags_case_insensitively() -> None:
    declared = "v=DMARC1; p=quarantine; rua=mailto:dmarc@acme.example"
    assert same_txt("dmarc", "v=DMARC1; P=Quarantine; rua=mailto:dmarc@acme.example", declared)
    assert not same_txt("dmarc", "v=DMARC1; p=quarantine", declared)


def test_dmarc_version_must_be_exactly_dmarc1_and_first() -> None:
    declared = "v=DMARC1; p=reject"
    for published in ("v=dmarc1; p=reject", "V=Dmarc1; p=reject", "p=reject; v=DMARC1"):
        assert not same_txt("dmarc", published, declared), published
    reason = ignored_by_receivers("dmarc", "v=dmarc1; p=reject")
    assert reason is not None and "RFC 7489 §6.3" in reason and "RFC 9989" in reason


# -- progress -----------------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_is_silent_when_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(10, "verify", stream=stream) as bar:
        bar.update(10)
    assert stream.getvalue() == ""


def test_forced_progress_redraws_at_most_ten_times_a_second() -> None:
    stream, clock = io.StringIO(), _Clock()
    bar = Progress(1000, "verify: lanes", stream=stream, enabled=True, clock=clock)
    for done in range(1, 500):
        bar.update(done)  # no time passes: only the first update draws
    clock.now += 0.5
    bar.update(500)
    bar.update(1000)  # the end is always drawn
    bar.close()
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 4  # first, after 0.5 s, the end, and close
    assert frames[1].startswith("verify: lanes [###############...............] 500/1000  0.5s")
    assert stream.getvalue().endswith("\n")


# -- processes ----------------------------------------------------------------------------------


GENERATED = generated_plan(5)


def test_brands_are_dealt_whole_and_about_evenly() -> None:
    shares = deal(GENERATED.lanes(), 2)
    assert sorted(len(share) for share in shares) == [6, 9]
    for share in shares:
        brands = {lane.brand for lane in share}
        assert all(lane in share for lane in GENERATED.lanes() if lane.brand in brands)
    assert deal(PLAN.lanes(), 4) == [list(PLAN.lanes())]  # one brand is never split
    assert deal([], 3) == []


@pytest.mark.skipif(not can_fork(), reason="worker processes need fork")
def test_worker_processes_give_the_same_report_as_one_process() -> None:
    with DictDnsServer.start(dict_zone(GENERATED)) as server:
        one = verify_lanes(GENERATED, GENERATED.lanes(), DirectRoute(Resolver([server.address])))
        two = verify_in_processes(
            GENERATED, GENERATED.lanes(), DirectRoute(Resolver([server.address])), jobs=2
        )
    assert two.to_json()["lanes"] == one.to_json()["lanes"]
    assert two.to_json()["brands"] == one.to_json()["brands"]
    assert one.exit_code() == 0
    # Each process asks the shared names (provider includes) itself: a few more queries.
    assert one.queries["queries"] <= two.queries["queries"] < one.queries["queries"] * 1.2


def test_checks_on_several_threads_give_the_same_report_in_plan_order() -> None:
    updates: list[tuple[str, int, int]] = []
    with DictDnsServer.start(dict_zone(GENERATED)) as server:
        one = verify_lanes(GENERATED, GENERATED.lanes(), DirectRoute(Resolver([server.address])))
        three = verify_lanes(
            GENERATED,
            GENERATED.lanes(),
            DirectRoute(Resolver([server.address])),
            concurrency=3,
            on_progress=lambda *update: updates.append(update),
        )
    assert three.to_json()["lanes"] == one.to_json()["lanes"]
    assert three.to_json()["brands"] == one.to_json()["brands"]
    checks = [done for phase, done, _ in updates if phase == "checks"]
    total = len(GENERATED.lanes()) + len(three.brands)
    assert sorted(checks) == checks and checks[-1] == total  # every task counted once
    assert {t for phase, _, t in updates if phase == "checks"} == {total}
