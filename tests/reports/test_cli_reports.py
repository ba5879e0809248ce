"""`sendlanes reports` as a process: exit codes, the JSON contract, HTML, hostile corpora."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from tests.reports.builders import (
    DAY,
    DEC_1,
    Dkim,
    ReportSpec,
    RowSpec,
    message_with,
    report_xml,
    zipped,
)
from tests.support.stacks import REPO

STACK = str(
    REPO / "Pulumi.prod.yaml"
)  # acme: receipts (postmark), revenue (ses), promos (sendgrid)


def reports(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sendlanes", "reports", "--config", STACK, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    receipts = ReportSpec(
        "google.com",
        "g-1",
        (
            RowSpec(
                "192.0.2.10",
                95,
                "receipts.acme.example",
                envelope_from="pm-bounces.receipts.acme.example",
                signatures=(Dkim("receipts.acme.example", "20261101pm"),),
            ),
            RowSpec(
                "198.51.100.66",
                5,
                "receipts.acme.example",
                dkim="fail",
                spf="fail",
                disposition="reject",
            ),
        ),
    )
    promos = ReportSpec(
        "Yahoo",
        "y-1",
        (
            RowSpec(
                "192.0.2.20",
                70,
                "mail.acme.example",
                dkim="fail",
                envelope_from="em5945.mail.acme.example",
                signatures=(Dkim("sendgrid.net", "s1"),),
            ),
            RowSpec(
                "192.0.2.21",
                30,
                "mail.acme.example",
                spf="fail",
                envelope_from="sendgrid.net",
                signatures=(Dkim("mail.acme.example", "s7"),),
            ),
        ),
        begin=DEC_1 + DAY,
        end=DEC_1 + 2 * DAY - 1,
        style="yahoo",
    )
    (tmp_path / "g.xml.gz").write_bytes(gzip.compress(report_xml(receipts)))
    (tmp_path / "y.eml").write_bytes(message_with({"y.zip": zipped({"y.xml": report_xml(promos)})}))
    (tmp_path / "y-again.eml").write_bytes(message_with({"y.xml": report_xml(promos)}))
    return tmp_path


def test_json_document_has_the_contract_shape(corpus: Path) -> None:
    result = reports(str(corpus), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"lanes", "unattributed", "reports", "period"}
    assert [lane["lane"] for lane in document["lanes"]] == ["receipts", "revenue", "promos"]
    receipts, revenue, promos = document["lanes"]
    for key in (
        "brand",
        "lane",
        "kind",
        "fqdn",
        "messages",
        "dmarc_pass",
        "spf_aligned",
        "dkim_aligned",
        "dispositions",
        "sources",
        "findings",
    ):
        assert key in receipts
    assert (receipts["kind"], receipts["fqdn"], receipts["messages"], receipts["dmarc_pass"]) == (
        "transactional",
        "receipts.acme.example",
        100,
        95,
    )
    assert revenue["messages"] == 0 and revenue["findings"] == []
    assert (promos["messages"], promos["spf_aligned"], promos["dkim_aligned"]) == (100, 70, 30)
    kinds = {(f["finding"], f["value"], f["messages"]) for f in promos["findings"]}
    # the plan's selectors (s1, s2) and return-path (em5945.mail.acme.example) come through
    assert kinds == {
        ("dkim-unaligned-signer", "sendgrid.net", 70),
        ("dkim-unknown-selector", "s7", 30),
        ("envelope-not-return-path", "sendgrid.net", 30),
    }
    assert document["unattributed"] == {"messages": 0, "domains": []}
    assert document["reports"] == {"read": 2, "duplicates": 1, "outside_period": 0, "rejected": []}
    assert document["period"]["begin"] == "2026-12-01T00:00:00Z"


def test_table_names_lanes_rates_and_top_finding(corpus: Path) -> None:
    result = reports(str(corpus), "--format", "table")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    receipts = next(line for line in lines if line.startswith("acme/receipts"))
    assert re.search(
        r"transactional\s+100\s+95\.0%\s+95\.0%\s+95\.0%\s+failing-both \(5 msgs, 1 IPs\)", receipts
    )
    assert "2 read, 1 repeats skipped" in result.stdout


@pytest.mark.parametrize(("rate", "code"), [("0.9", 0), ("96%", 1), ("0.951", 1), ("70%", 0)])
def test_min_pass_exits_1_when_a_lane_with_traffic_is_below(
    corpus: Path, rate: str, code: int
) -> None:
    # receipts 95%, promos 100%, revenue has no traffic and never counts
    assert reports(str(corpus), "--format", "json", "--min-pass", rate).returncode == code


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-pass", "95"], "not a rate between 0 and 1"),
        (["--min-pass", "lots"], "not a rate"),
        (["--since", "2026-13-01"], "not a date"),
        (["--since", "2026-12-05", "--until", "2026-12-01"], "is after --until"),
    ],
)
def test_bad_usage_exits_2(corpus: Path, args: list[str], message: str) -> None:
    result = reports(str(corpus), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_path_exits_2_naming_it(tmp_path: Path) -> None:
    result = reports(str(tmp_path / "nope"))
    assert result.returncode == 2
    assert f"{tmp_path / 'nope'}: no such file or directory" in result.stderr


def test_since_until_select_days(corpus: Path) -> None:
    result = reports(str(corpus), "--format", "json", "--since", "2026-12-02")
    document = json.loads(result.stdout)
    assert document["reports"]["read"] == 1 and document["reports"]["outside_period"] == 1
    assert [lane["messages"] for lane in document["lanes"]] == [0, 0, 100]


def test_html_is_one_self_contained_page(corpus: Path) -> None:
    evil = ReportSpec(
        "<script>alert(1)</script>", "e-1", (RowSpec("192.0.2.1", 1, "receipts.acme.example"),)
    )
    (corpus / "evil.xml").write_bytes(
        report_xml(evil).replace(
            b"<script>alert(1)</script>", b"&lt;script&gt;alert(1)&lt;/script&gt;"
        )
    )
    result = reports(str(corpus), "--format", "html")
    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count("<svg") == 2  # receipts and promos have traffic; revenue says so in words
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    fetched = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert fetched == []
    assert "default-src 'none'" in page


def test_hostile_corpus_rejects_each_bad_file_and_counts_the_rest(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"  # outside the corpus
    secret.write_text("TOP-SECRET")
    tmp_path = tmp_path / "corpus"
    tmp_path.mkdir()
    good = ReportSpec("google.com", "ok", (RowSpec("192.0.2.10", 11, "notify.acme.example"),))
    (tmp_path / "good.xml").write_bytes(report_xml(good))
    (tmp_path / "xxe.xml").write_text(
        f'<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>"
    )
    laughs = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    (tmp_path / "laughs.xml").write_text(
        f'<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY l0 "lol">{laughs}]>'
        "<feedback>&l9;</feedback>"
    )
    # 70 MiB of small elements in 0.4 MB: well-formed, so only the inflate cap stops it
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = (b"<x>" + b" " * 1017 + b"</x>") * 1024
    bomb = compressor.compress(b"<feedback>")
    bomb += b"".join(compressor.compress(block) for _ in range(70)) + compressor.flush()
    (tmp_path / "bomb.xml.gz").write_bytes(bomb)
    (tmp_path / "comment.xml.gz").write_bytes(
        gzip.compress(b"<feedback><!--" + b" " * (8 * 1024 * 1024) + b"-->", 1)
    )
    (tmp_path / "many.zip").write_bytes(zipped({f"{i}.xml": b"" for i in range(1000)}))
    (tmp_path / "cut.xml").write_bytes(report_xml(good)[:-40])
    (tmp_path / "notes.txt").write_bytes(b"\x00\x01 not xml at all")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would report the
            # pytest worker this process was forked from
            "import sys, runpy; sys.argv = ['sendlanes'] + sys.argv[1:];"
            "code = 0\n"
            "try:\n runpy.run_module('sendlanes', run_name='__main__')\n"
            "except SystemExit as e:\n code = e.code\n"
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
            "print(hwm.split()[1], file=sys.stderr)\n"
            "sys.exit(code)",
            "reports",
            "--config",
            STACK,
            str(tmp_path),
            "--format",
            "json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    rejected = {Path(r["file"]).name: r["error"] for r in document["reports"]["rejected"]}
    rejected_cut = rejected.pop("cut.xml")
    assert rejected == {
        "xxe.xml": "DTD refused: a DMARC report has no <!DOCTYPE>, entities are not expanded",
        "laughs.xml": "DTD refused: a DMARC report has no <!DOCTYPE>, entities are not expanded",
        "bomb.xml.gz": "the report is larger than 64 MiB inflated",
        "many.zip": "zip lists 1000 members (limit 100)",
        "comment.xml.gz": "no element ends within 1024 KiB (a giant comment or text?)",
        "notes.txt": "not a report: neither XML, gzip, zip nor a mail message",
    }
    assert rejected_cut.startswith("malformed or truncated XML")
    assert "TOP-SECRET" not in result.stdout + result.stderr
    assert document["reports"]["read"] == 1
    assert document["lanes"][1]["messages"] == 11
    peak_kib = int(result.stderr.strip().splitlines()[-1])
    assert peak_kib < 150 * 1024  # the 70 MiB bomb never sits in memory


def test_every_file_rejected_is_no_verdict(tmp_path: Path) -> None:
    (tmp_path / "cut.xml").write_bytes(b"<feedback><report_metadata>")
    result = reports(str(tmp_path), "--format", "json")
    assert result.returncode == 3
    assert json.loads(result.stdout)["reports"]["rejected"][0]["file"] == str(tmp_path / "cut.xml")


def test_control_characters_from_a_report_never_reach_the_terminal(tmp_path: Path) -> None:
    evil = "\u202eelpmaxe\u009b.live"  # a right-to-left override and C1 CSI, both valid XML
    spec = ReportSpec("x", "1", (RowSpec("192.0.2.1", 2, evil),))
    (tmp_path / "evil.xml").write_bytes(report_xml(spec))
    result = reports(str(tmp_path), "--format", "table")
    assert result.returncode == 0, result.stderr
    assert "\u202e" not in result.stdout and "\u009b" not in result.stdout
    assert "\\u202eelpmaxe\\x9b.live: 2 messages" in result.stdout
