"""TXT canonical forms: ≤255-octet strings, quoting and escaping, for Cloudflare and zone files."""

from __future__ import annotations

import dns.rdata
import dns.rdataclass
import dns.rdatatype
from hypothesis import given
from hypothesis import strategies as st

from sendlanes.lanes.records import (
    Purpose,
    RecordSpec,
    RecordType,
    cloudflare_txt_content,
    txt_chunks,
    wire_content,
    zone_file_line,
    zone_file_txt_rdata,
)


def test_short_txt_is_one_quoted_string() -> None:
    assert cloudflare_txt_content("v=spf1 -all") == '"v=spf1 -all"'


def test_long_txt_is_split_at_255_octets() -> None:
    value = "p=" + "A" * 400
    content = cloudflare_txt_content(value)
    assert content == f'"{value[:255]}" "{value[255:]}"'


def test_quotes_and_backslashes_are_escaped() -> None:
    assert cloudflare_txt_content('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'


def test_chunks_never_cut_a_utf8_sequence() -> None:
    value = "a" * 254 + "é" + "b"
    chunks = txt_chunks(value)
    assert [len(c) for c in chunks] == [254, 3]
    assert b"".join(chunks).decode() == value


def test_zone_file_escapes_non_printable_octets() -> None:
    assert zone_file_txt_rdata("x\ty") == '"x\\009y"'


@given(st.text(min_size=1, max_size=1200))
def test_zone_file_rdata_parses_back_to_the_same_value(value: str) -> None:
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, zone_file_txt_rdata(value))
    assert all(len(s) <= 255 for s in rdata.strings)  # type: ignore[attr-defined]
    assert b"".join(rdata.strings).decode() == value  # type: ignore[attr-defined]


def test_wire_content_quotes_txt_only() -> None:
    txt = RecordSpec("a.example", RecordType.TXT, "v=DMARC1; p=none", 300, Purpose.DMARC)
    cname = RecordSpec("b.example", RecordType.CNAME, "c.example", 300, Purpose.TRACKING)
    assert wire_content(txt) == '"v=DMARC1; p=none"'
    assert wire_content(cname) == "c.example"


def test_zone_file_line_for_mx_has_priority_and_absolute_target() -> None:
    mx = RecordSpec(
        "bounce.a.example", RecordType.MX, "feedback.example", 600, Purpose.RETURN_PATH, 10
    )
    assert zone_file_line(mx) == "bounce.a.example. 600 IN MX 10 feedback.example."
