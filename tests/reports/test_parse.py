"""The report parser: both formats, receivers' deviations, and hostile XML."""

from __future__ import annotations

import pytest

from sendlanes.reports.parse import ReportError, parse_report
from tests.reports.builders import Dkim, ReportSpec, RowSpec, report_xml

LANE = "receipts.acme.example"


def _spec(style: str) -> ReportSpec:
    return ReportSpec(
        "google.com",
        "r-1",
        (
            RowSpec(
                "192.0.2.1",
                7,
                LANE,
                signatures=(Dkim(LANE, "20261101pm"), Dkim("pm.mtasv.net", "pm", "fail")),
            ),
            RowSpec(
                "2001:db8::0:1",
                3,
                "Other.Example.",
                dkim="fail",
                spf="fail",
                disposition="quarantine",
                envelope_from="bounce.other.example",
            ),
        ),
        style=style,
    )


@pytest.mark.parametrize("style", ["google", "yahoo", "microsoft", "dmarc2"])
def test_each_receiver_style_reads_to_the_same_rows(style: str) -> None:
    report = parse_report([report_xml(_spec(style))])
    assert report.org_name == "google.com"
    assert report.report_id == "r-1"
    assert report.format == ("dmarc-2.0" if style == "dmarc2" else "rfc7489")
    first, second = report.rows
    assert (first.source_ip, first.messages, first.disposition, first.header_from) == (
        "192.0.2.1",
        7,
        "none",
        LANE,
    )
    assert [(d.domain, d.selector, d.result) for d in first.dkim_results] == [
        (LANE, "20261101pm", "pass"),
        ("pm.mtasv.net", "pm", "fail"),
    ]
    assert first.dmarc_pass and first.dkim_aligned and first.spf_aligned
    # upper-case results, trailing dots and compressible IPv6 are normalised
    assert (second.source_ip, second.header_from, second.disposition) == (
        "2001:db8::1",
        "other.example",
        "quarantine",
    )
    assert not second.dmarc_pass
    assert second.envelope_domain == "bounce.other.example"


def test_split_feeding_gives_the_same_report_as_one_piece() -> None:
    xml = report_xml(_spec("google"))
    pieces = [xml[i : i + 7] for i in range(0, len(xml), 7)]
    assert parse_report(pieces) == parse_report([xml])


def test_envelope_domain_falls_back_to_the_spf_mfrom_result() -> None:
    spec = ReportSpec("x", "1", (RowSpec("192.0.2.1", 1, LANE, spf_domain="pm-bounces." + LANE),))
    (row,) = parse_report([report_xml(spec)]).rows
    assert row.envelope_from is None
    assert row.envelope_domain == "pm-bounces." + LANE


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE feedback [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<feedback><report_metadata><org_name>&lol9;</org_name></report_metadata></feedback>
"""


def test_billion_laughs_is_refused_at_the_doctype() -> None:
    with pytest.raises(ReportError, match="DTD refused"):
        parse_report([BILLION_LAUGHS])


def test_external_entity_is_refused_and_the_file_never_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>"
    ).encode()
    with pytest.raises(ReportError, match="DTD refused") as caught:
        parse_report([xxe])
    assert "TOP-SECRET" not in str(caught.value)


def test_parameter_entity_without_internal_subset_is_refused() -> None:
    xml = b'<?xml version="1.0"?><!DOCTYPE feedback SYSTEM "http://127.0.0.1:9/x.dtd"><feedback/>'
    with pytest.raises(ReportError, match="DTD refused"):
        parse_report([xml])


def test_undeclared_entity_is_malformed_xml() -> None:
    with pytest.raises(ReportError, match="malformed or truncated XML"):
        parse_report([b"<feedback><report_metadata><org_name>&x;</org_name>"])


def test_truncated_report_is_rejected_with_the_line() -> None:
    xml = report_xml(_spec("google"))
    with pytest.raises(ReportError, match=r"malformed or truncated XML \(line \d+"):
        parse_report([xml[: len(xml) // 2]])


def test_not_a_report_root_is_rejected() -> None:
    with pytest.raises(ReportError, match="root element <html>"):
        parse_report([b"<html><body/></html>"])


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (b"<source_ip>192.0.2.1</source_ip>", b"<source_ip>not-an-ip</source_ip>", "not an IP"),
        (b"<count> 7 </count>", b"<count>-7</count>", "not a message count"),
        (b"<disposition>none</disposition>", b"<disposition>maybe</disposition>", "disposition"),
        (b"<report_id>r-1</report_id>", b"", "<report_id> is missing"),
        (b"<header_from>receipts.acme.example</header_from>", b"", "<header_from> is missing"),
    ],
)
def test_a_bad_field_rejects_the_whole_report(old: bytes, new: bytes, reason: str) -> None:
    xml = report_xml(_spec("google"))
    assert old in xml
    with pytest.raises(ReportError, match=reason):
        parse_report([xml.replace(old, new, 1)])


def test_a_huge_text_field_is_refused_without_holding_it() -> None:
    xml = report_xml(_spec("google")).replace(b"r-1", b"r" * 5_000_000)
    with pytest.raises(ReportError, match=r"too long|longer than"):
        parse_report([xml])


def test_date_range_ending_before_it_begins_is_rejected() -> None:
    spec = ReportSpec("x", "1", (RowSpec("192.0.2.1", 1, LANE),), begin=200, end=100)
    with pytest.raises(ReportError, match="ends before it begins"):
        parse_report([report_xml(spec)])


def test_one_huge_token_is_refused_before_expat_rescans_it() -> None:
    # expat < 2.6 re-scans an unfinished token on every feed: quadratic time without this cap
    pieces = [b"<feedback><!--"] + [b" " * 65536] * 40 + [b"--></feedback>"]
    with pytest.raises(ReportError, match="no element ends within 1024 KiB"):
        parse_report(pieces)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (b"<count> 7 </count>", "<count>\u00b2</count>".encode(), "not a message count"),
        (b"<begin>1796083200</begin>", b"<begin>-5</begin>", "outside 1970-9999"),
        (b"<end>1796169599</end>", b"<end>99999999999999999</end>", "outside 1970-9999"),
    ],
)
def test_values_python_would_choke_on_are_report_errors(
    old: bytes, new: bytes, reason: str
) -> None:
    xml = report_xml(_spec("google"))
    assert old in xml
    with pytest.raises(ReportError, match=reason):
        parse_report([xml.replace(old, new, 1)])


def test_an_unknown_encoding_in_the_declaration_is_a_report_error() -> None:
    xml = report_xml(_spec("google")).replace(b'encoding="UTF-8"', b'encoding="UTF-99"', 1)
    with pytest.raises(ReportError, match="unsupported encoding"):
        parse_report([xml])
