"""A whole run over a mixed corpus: exact per-lane counts, repeats, findings, the period."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from sendlanes.reports.attribute import FindingKind, LaneFacts
from sendlanes.reports.collect import Period, ReportsHealth, collect_reports
from tests.reports.builders import (
    DAY,
    DEC_1,
    Dkim,
    ReportSpec,
    RowSpec,
    gz,
    message_with,
    report_xml,
    zipped,
)

RECEIPTS = LaneFacts(
    brand="acme",
    lane="receipts",
    kind="transactional",
    fqdn="receipts.acme.example",
    org_domain="acme.example",
    provider="postmark",
    selectors=frozenset({"20261101pm"}),
    return_path="pm-bounces.receipts.acme.example",
    relaxed_dkim=False,
)
PROMOS = LaneFacts(
    brand="acme",
    lane="promos",
    kind="promotional",
    fqdn="mail.acme.example",
    org_domain="acme.example",
    provider="sendgrid",
    selectors=frozenset({"s1", "s2"}),
    return_path="em5945.mail.acme.example",
    relaxed_dkim=True,
)
LANES = (RECEIPTS, PROMOS)


def _good_receipts(ip: str, count: int) -> RowSpec:
    return RowSpec(
        ip,
        count,
        RECEIPTS.fqdn,
        envelope_from=RECEIPTS.return_path,
        signatures=(Dkim(RECEIPTS.fqdn, "20261101pm"), Dkim("pm.mtasv.net", "pm")),
    )


def _corpus(root: Path) -> None:
    google = ReportSpec(
        "google.com",
        "g-1",
        (
            _good_receipts("192.0.2.10", 1000),
            RowSpec(
                "198.51.100.1",
                7,
                RECEIPTS.fqdn,
                dkim="fail",
                spf="fail",
                disposition="reject",
                envelope_from="spoof.example",
            ),
            RowSpec(
                "192.0.2.20",
                500,
                PROMOS.fqdn,
                envelope_from=PROMOS.return_path,
                signatures=(Dkim(PROMOS.fqdn, "s1"), Dkim("sendgrid.info", "smtpapi")),
            ),
            RowSpec(
                "192.0.2.21",
                40,
                PROMOS.fqdn,
                dkim="fail",
                envelope_from=PROMOS.return_path,
                signatures=(Dkim("sendgrid.info", "smtpapi"),),
            ),
            RowSpec("203.0.113.9", 12, "unknown.example", dkim="fail", spf="fail"),
        ),
        style="google",
    )
    yahoo = ReportSpec(
        "Yahoo",
        "y-1",
        (
            _good_receipts("192.0.2.10", 200),
            RowSpec(
                "192.0.2.22",
                30,
                PROMOS.fqdn,
                spf="fail",
                disposition="quarantine",
                envelope_from="bounces.other-esp.example",
                signatures=(Dkim(PROMOS.fqdn, "k9"),),
            ),
        ),
        begin=DEC_1 + DAY,
        end=DEC_1 + 2 * DAY - 1,
        style="yahoo",
    )
    microsoft = ReportSpec(
        "Enterprise Outlook",
        "m-1",
        (_good_receipts("192.0.2.11", 300), RowSpec("203.0.113.9", 3, "unknown.example")),
        begin=DEC_1 + 2 * DAY,
        end=DEC_1 + 3 * DAY,
        style="microsoft",
    )
    bis = ReportSpec(
        "dmarc2.example",
        "d-1",
        (_good_receipts("2001:db8::5", 50),),
        begin=DEC_1 + 2 * DAY,
        end=DEC_1 + 3 * DAY - 1,
        style="dmarc2",
    )
    (root / "maildir" / "cur").mkdir(parents=True)
    (root / "maildir" / "new").mkdir()
    (root / "google.xml.gz").write_bytes(gz(report_xml(google)))
    (root / "google-again.zip").write_bytes(zipped({"g.xml": report_xml(google)}))  # a repeat
    (root / "maildir" / "cur" / "1.host:2,S").write_bytes(
        message_with({"yahoo.xml.gz": gz(report_xml(yahoo))})
    )
    (root / "maildir" / "new" / "2.host").write_bytes(
        message_with({"outlook.zip": zipped({"m.xml": report_xml(microsoft)})})
    )
    (root / "bis.xml").write_bytes(report_xml(bis))
    (root / "truncated.xml").write_bytes(report_xml(bis)[:300])
    (root / "laughs.xml").write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY a "aaaa">]><feedback>&a;</feedback>'
    )


@pytest.fixture
def health(tmp_path: Path) -> ReportsHealth:
    _corpus(tmp_path)
    return collect_reports([tmp_path], LANES)


def test_per_lane_counts_are_exact(health: ReportsHealth) -> None:
    receipts, promos = (lane.to_json() for lane in health.lanes)
    assert {k: receipts[k] for k in ("messages", "dmarc_pass", "spf_aligned", "dkim_aligned")} == {
        "messages": 1000 + 7 + 200 + 300 + 50,
        "dmarc_pass": 1550,
        "spf_aligned": 1550,
        "dkim_aligned": 1550,
    }
    assert receipts["dispositions"] == {"none": 1550, "quarantine": 0, "reject": 7}
    assert receipts["reporters"] == ["Enterprise Outlook", "Yahoo", "dmarc2.example", "google.com"]
    assert [(s["ip"], s["messages"]) for s in receipts["sources"]] == [
        ("192.0.2.10", 1200),
        ("192.0.2.11", 300),
        ("2001:db8::5", 50),
        ("198.51.100.1", 7),
    ]
    assert {k: promos[k] for k in ("messages", "dmarc_pass", "spf_aligned", "dkim_aligned")} == {
        "messages": 570,
        "dmarc_pass": 570,
        "spf_aligned": 540,
        "dkim_aligned": 530,
    }
    assert promos["dispositions"] == {"none": 540, "quarantine": 30, "reject": 0}


def test_repeats_rejections_and_unattributed_rows(health: ReportsHealth, tmp_path: Path) -> None:
    document = health.to_json()
    assert document["reports"]["read"] == 4
    assert document["reports"]["duplicates"] == 1
    assert sorted((r["file"], r["error"]) for r in document["reports"]["rejected"]) == [
        (
            str(tmp_path / "laughs.xml"),
            "DTD refused: a DMARC report has no <!DOCTYPE>, entities are not expanded",
        ),
        (str(tmp_path / "truncated.xml"), "malformed or truncated XML (line 4: unclosed token)"),
    ]
    assert document["unattributed"]["messages"] == 15
    (domain,) = document["unattributed"]["domains"]
    assert (domain["domain"], domain["messages"], domain["dmarc_pass"]) == (
        "unknown.example",
        15,
        3,
    )
    assert document["period"]["begin"] == "2026-12-01T00:00:00Z"
    assert document["period"]["end"] == "2026-12-04T00:00:00Z"


def test_findings_from_the_lanes_declared_setup(health: ReportsHealth) -> None:
    receipts, promos = health.lanes
    # the spoofed row's envelope is not reported as a return-path to fix
    assert [(f.kind, f.value, f.messages, f.sources) for f in receipts.findings()] == [
        (FindingKind.FAILING_BOTH, None, 7, ("198.51.100.1",)),
    ]
    assert [(f.kind, f.value, f.messages, f.sources) for f in promos.findings()] == [
        (FindingKind.DKIM_UNALIGNED_SIGNER, "sendgrid.info", 40, ("192.0.2.21",)),
        (FindingKind.DKIM_UNKNOWN_SELECTOR, "k9", 30, ("192.0.2.22",)),
        (FindingKind.ENVELOPE_NOT_RETURN_PATH, "bounces.other-esp.example", 30, ("192.0.2.22",)),
    ]


def test_daily_series_use_the_middle_of_each_report_range(health: ReportsHealth) -> None:
    receipts = health.lanes[0].to_json()
    assert [(d["date"], d["messages"]) for d in receipts["daily"]] == [
        ("2026-12-01", 1007),
        ("2026-12-02", 200),
        ("2026-12-03", 350),
    ]


def test_since_and_until_restrict_by_the_reports_ranges(tmp_path: Path) -> None:
    _corpus(tmp_path)
    health = collect_reports(
        [tmp_path], LANES, Period(datetime.date(2026, 12, 2), datetime.date(2026, 12, 2))
    )
    assert (health.read, health.outside_period, health.duplicates) == (1, 3, 1)
    assert health.lanes[0].tally.messages == 200
    assert health.lanes[1].tally.messages == 30


def test_a_repeat_inside_one_archive_counts_once(tmp_path: Path) -> None:
    xml = report_xml(ReportSpec("google.com", "same", (_good_receipts("192.0.2.1", 5),)))
    (tmp_path / "twice.zip").write_bytes(zipped({"a.xml": xml, "b.xml": xml}))
    health = collect_reports([tmp_path], LANES)
    assert (health.read, health.duplicates, health.lanes[0].tally.messages) == (1, 1, 5)


def test_parallel_workers_give_the_same_result_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    _corpus(tmp_path)
    mbox = b"From MAILER-DAEMON Tue Dec  1 00:00:00 2026\n" + message_with(
        {"z.xml": report_xml(ReportSpec("mbox.example", "z-1", (_good_receipts("192.0.2.77", 9),)))}
    )
    (tmp_path / "zz.mbox").write_bytes(mbox)  # streamed by the parent, not a worker
    alone = collect_reports([tmp_path], LANES, workers=1).to_json()
    together = collect_reports([tmp_path], LANES, workers=2).to_json()
    assert together == alone
    assert alone["reports"]["read"] == 5
    assert alone["lanes"][0]["messages"] == 1557 + 9


def test_an_unforeseen_failure_rejects_the_file_by_name_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sendlanes.reports import collect

    real = collect.parse_report

    def parse_or_break(chunks):  # type: ignore[no-untyped-def]
        report = real(chunks)
        if report.report_id == "boom":
            raise RuntimeError("unexpected")
        return report

    monkeypatch.setattr(collect, "parse_report", parse_or_break)
    (tmp_path / "a.xml").write_bytes(
        report_xml(ReportSpec("x", "boom", (_good_receipts("192.0.2.1", 1),)))
    )
    (tmp_path / "b.xml").write_bytes(
        report_xml(ReportSpec("x", "ok", (_good_receipts("192.0.2.1", 4),)))
    )
    health = collect_reports([tmp_path], LANES)
    assert [(r.name, r.error) for r in health.rejected] == [
        (str(tmp_path / "a.xml"), "unreadable (RuntimeError: unexpected)")
    ]
    assert health.lanes[0].tally.messages == 4
