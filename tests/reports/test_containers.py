"""Finding report XML in files, archives and mail, with hostile containers rejected by name."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest

from sendlanes.reports.containers import MIB, Limits, Rejected, SourceReader, XmlSource
from sendlanes.reports.parse import ReportError, parse_report
from tests.reports.builders import ReportSpec, RowSpec, gz, message_with, report_xml, zipped


def _xml(report_id: str) -> bytes:
    return report_xml(ReportSpec("google.com", report_id, (RowSpec("192.0.2.1", 1, "a.example"),)))


def _read(paths: list[Path], limits: Limits | None = None) -> list[tuple[str, str]]:
    """(name, report id or 'rejected: reason') for every source, consuming each in turn."""
    results = []
    for source in SourceReader(limits).read_paths(paths):
        if isinstance(source, Rejected):
            results.append((source.name, f"rejected: {source.error}"))
            continue
        assert isinstance(source, XmlSource)
        try:
            results.append((source.name, parse_report(source.chunks).report_id))
        except Exception as error:  # ContainerError or ReportError, as collect handles them
            results.append((source.name, f"rejected: {error}"))
    return results


def test_plain_gzip_and_zip_files_in_a_directory_tree(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.xml").write_bytes(_xml("a"))
    (tmp_path / "sub" / "b.xml.gz").write_bytes(gz(_xml("b")))
    (tmp_path / "sub" / "c.zip").write_bytes(zipped({"c.xml": _xml("c"), "d.xml": _xml("d")}))
    (tmp_path / ".hidden.xml").write_bytes(_xml("hidden"))
    assert _read([tmp_path]) == [
        (str(tmp_path / "a.xml"), "a"),
        (str(tmp_path / "sub" / "b.xml.gz"), "b"),
        (f"{tmp_path / 'sub' / 'c.zip'}: c.xml", "c"),
        (f"{tmp_path / 'sub' / 'c.zip'}: d.xml", "d"),
    ]


def test_multi_member_gzip_is_one_stream(tmp_path: Path) -> None:
    xml = _xml("m")
    (tmp_path / "m.gz").write_bytes(gz(xml[:100]) + gz(xml[100:]))
    assert _read([tmp_path / "m.gz"]) == [(str(tmp_path / "m.gz"), "m")]


def test_eml_with_zip_gzip_and_xml_attachments(tmp_path: Path) -> None:
    raw = message_with(
        {
            "one.zip": zipped({"one.xml": _xml("1")}),
            "two.xml.gz": gz(_xml("2")),
            "three.xml": _xml("3"),
        }
    )
    (tmp_path / "report.eml").write_bytes(raw)
    name = str(tmp_path / "report.eml")
    assert _read([tmp_path / "report.eml"]) == [
        (f"{name}: attachment one.zip: one.xml", "1"),
        (f"{name}: attachment two.xml.gz", "2"),
        (f"{name}: attachment three.xml", "3"),
    ]


def test_message_without_a_report_is_rejected_by_name(tmp_path: Path) -> None:
    (tmp_path / "hello.eml").write_bytes(b"From: a@example.com\nSubject: hi\n\nhello\n")
    assert _read([tmp_path / "hello.eml"]) == [
        (
            str(tmp_path / "hello.eml"),
            "rejected: message has no report attachment (.xml, .gz or .zip)",
        )
    ]


def test_mbox_messages_are_split_and_numbered(tmp_path: Path) -> None:
    first = message_with({"a.xml.gz": gz(_xml("a"))})
    second = message_with({"b.zip": zipped({"b.xml": _xml("b")})})
    mbox = b"From MAILER-DAEMON Tue Dec  1 00:00:00 2026\n" + first + b"\n>From the body\n\n"
    mbox += b"From MAILER-DAEMON Tue Dec  1 00:00:01 2026\n" + second + b"\n"
    (tmp_path / "export.mbox").write_bytes(mbox)
    name = str(tmp_path / "export.mbox")
    assert _read([tmp_path / "export.mbox"]) == [
        (f"{name}: message 1: attachment a.xml.gz", "a"),
        (f"{name}: message 2: attachment b.zip: b.xml", "b"),
    ]


def test_maildir_reads_cur_and_new_and_skips_tmp(tmp_path: Path) -> None:
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    (box / "cur" / "1733.M1.host:2,S").write_bytes(message_with({"a.xml": _xml("a")}))
    (box / "new" / "1734.M2.host").write_bytes(message_with({"b.xml.gz": gz(_xml("b"))}))
    (box / "tmp" / "1735.M3.host").write_bytes(b"partial delivery")
    (box / "dovecot-uidlist").write_bytes(b"3 V1 N3\n")
    results = _read([box])
    assert [report for _, report in results] == ["a", "b"]


def test_gzip_bomb_is_rejected_after_the_cap(tmp_path: Path) -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    spaces = (b"<x>" + b" " * 1017 + b"</x>") * 1024  # 1 MiB, well-formed: only the cap stops it
    bomb = compressor.compress(b"<feedback>")
    bomb += b"".join(compressor.compress(spaces) for _ in range(20)) + compressor.flush()
    assert len(bomb) < 50_000
    (tmp_path / "bomb.xml.gz").write_bytes(bomb)
    (tmp_path / "fine.xml").write_bytes(_xml("fine"))
    results = _read([tmp_path], Limits(report_bytes=2 * MIB))
    assert results == [
        (str(tmp_path / "bomb.xml.gz"), "rejected: the report is larger than 2 MiB inflated"),
        (str(tmp_path / "fine.xml"), "fine"),
    ]


def test_zip_bomb_member_and_archive_totals_are_capped(tmp_path: Path) -> None:
    unit = b"<x>" + b" " * 1017 + b"</x>"
    bomb = b"<feedback>" + unit * 5 * 1024
    (tmp_path / "one.zip").write_bytes(zipped({"big.xml": bomb}))
    members = {f"m{i}.xml": b"<feedback>" + unit * 1024 for i in range(4)}
    (tmp_path / "many.zip").write_bytes(zipped(members))
    results = _read([tmp_path], Limits(report_bytes=2 * MIB, archive_bytes=3 * MIB))
    assert results[-1] == (
        f"{tmp_path / 'one.zip'}: big.xml",
        "rejected: the report is larger than 2 MiB inflated",
    )
    assert results[:3] == [
        (f"{tmp_path / 'many.zip'}: m{i}.xml", r)
        for i, r in enumerate(
            [
                "rejected: malformed or truncated XML (line 1: no element found)",
                "rejected: malformed or truncated XML (line 1: no element found)",
                "rejected: the archive or message inflates to more than its limit",
            ]
        )
    ]


def test_zip_with_too_many_members_is_rejected_before_reading_its_directory(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for i in range(5000):
            archive.writestr(f"{i}.xml", b"")
    (tmp_path / "members.zip").write_bytes(buffer.getvalue())
    assert _read([tmp_path / "members.zip"]) == [
        (str(tmp_path / "members.zip"), "rejected: zip lists 5000 members (limit 100)")
    ]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        (
            "picture.png",
            b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
            "not a report: neither XML, gzip, zip nor a mail message",
        ),
        ("cut.xml.gz", gz(b"<feedback>" + b"x" * 5000)[:40], "truncated gzip data"),
        ("corrupt.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 64, "corrupt gzip data"),
        (
            "broken.zip",
            b"PK\x03\x04" + b"\0" * 64,
            "not a zip archive (no end-of-central-directory record)",
        ),
        (
            "nested.zip",
            zipped({"inner.zip": zipped({"a.xml": b"<feedback/>"})}),
            "not a report: an archive inside an archive",
        ),
    ],
    ids=["not-a-report", "truncated-gzip", "corrupt-gzip", "broken-zip", "nested-zip"],
)
def test_broken_containers_are_rejected_with_the_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(data)
    ((source_name, result),) = _read([tmp_path / name])
    assert source_name.startswith(str(tmp_path / name))
    assert result.startswith(f"rejected: {reason}")


def test_report_error_is_what_a_non_report_xml_gives() -> None:
    with pytest.raises(ReportError):
        parse_report([b"<feedback/>"])


def test_zip_whose_directory_is_larger_than_its_count_allows_is_rejected(tmp_path: Path) -> None:
    import struct

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for i in range(30000):
            archive.writestr(f"{i:040d}.xml", b"")
    data = bytearray(buffer.getvalue())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 1, 1)  # the end record lies: "one member"
    (tmp_path / "liar.zip").write_bytes(bytes(data))
    ((_, result),) = _read([tmp_path / "liar.zip"])
    assert result.startswith("rejected: zip central directory of ")
