"""Read one DMARC aggregate report, streamed, DTDs refused (RFC 7489 §7.2, RFC 9990).

Reports arrive by email from anyone who knows a ``rua`` address, so the XML is hostile input.
A DMARC report never needs a document type declaration, and one can only stand before the
root element: a small expat parser reads that prolog first and refuses any ``<!DOCTYPE`` the
moment it sees it, before an entity can be declared — internal entities (billion laughs) are
never expanded and external ones (XXE) never read; undefined entity references are then plain
XML errors. The document itself goes through ElementTree's C pull parser, and each
``<record>`` is checked and dropped as soon as it ends (the C parser does the per-element
work, which is what makes this several times faster than per-element Python callbacks).

A report with one bad row is rejected whole, so counts are never half-applied. Accepted
deviations seen from real receivers: no ``<version>``, any or no namespace (the RFC 9990
namespace marks the 2.0 format), surrounding whitespace, upper-case results, several DKIM and
SPF results per row, fractional POSIX times, an address where a domain belongs, and an
``envelope_from`` left out.
"""

from __future__ import annotations

import itertools
import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from xml.parsers import expat

from sendlanes.reports.model import DMARC2_NAMESPACE, DkimResult, Report, Row, SpfResult

# expat before 2.6 re-scans an unfinished token from its start on every feed: one comment or
# text of 64 MiB costs minutes (CVE-2023-52425). In a report no element comes near this size.
MAX_SILENT_BYTES = 1024 * 1024
#: Reports up to this size are parsed whole (one call to the C parser, so no rescans either).
WHOLE_REPORT_BYTES = 1024 * 1024
MAX_FIELD_CHARS = 1024  # the longest field is a domain (253) or an org name / report id
MAX_TIME = 253402300799  # 9999-12-31T23:59:59Z, the last second datetime can show
MAX_COUNT = 10**12  # messages from one IP in one report; more is not a real report
DISPOSITIONS = frozenset({"none", "quarantine", "reject", "pass"})  # RFC 9990 adds "pass"
_SPACE = re.compile(r"\s")
_TAGS = (
    "record",
    "row",
    "source_ip",
    "count",
    "policy_evaluated",
    "disposition",
    "dkim",
    "spf",
    "identifiers",
    "header_from",
    "envelope_from",
    "auth_results",
    "domain",
    "selector",
    "result",
    "scope",
    "report_metadata",
    "org_name",
    "report_id",
    "date_range",
    "begin",
    "end",
    "policy_published",
)


class ReportError(Exception):
    """The file is not a usable aggregate report; the message is one line, for a person."""


class _RootSeen(Exception):
    pass


class _Prolog:
    """expat over the bytes before the root element: refuses a DTD, names the root."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate(namespace_separator="}")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.StartElementHandler = self._start
        self.root: tuple[str, str] | None = None  # (namespace, local name)

    @staticmethod
    def _doctype(*_: object) -> None:
        raise ReportError(
            "DTD refused: a DMARC report has no <!DOCTYPE>, entities are not expanded"
        )

    def _start(self, name: str, _attributes: object) -> None:
        namespace, _, local = name.rpartition("}")
        self.root = (namespace, local)
        raise _RootSeen

    def finish(self) -> None:
        """End the input: the parser's own error for what it read (truncated, not XML)."""
        try:
            self.parser.Parse(b"", True)
        except _RootSeen:
            return
        except expat.ExpatError as error:
            raise _malformed(error) from None

    def feed(self, chunk: bytes) -> bool:
        """Feed *chunk*; True once the root element has been seen."""
        try:
            self.parser.Parse(chunk, False)
        except _RootSeen:
            return True
        except expat.ExpatError as error:
            raise _malformed(error) from None
        return False


def _malformed(error: expat.ExpatError | ET.ParseError) -> ReportError:
    line = error.position[0] if isinstance(error, ET.ParseError) else error.lineno
    reason = (
        str(error).split(":", 1)[0]
        if isinstance(error, ET.ParseError)
        else (expat.ErrorString(error.code) if error.code is not None else str(error))
    )
    return ReportError(f"malformed or truncated XML (line {line}: {reason})")


#: Where a field sits, for messages built only when one is wrong: (record number or 0 for the
#: report's own fields, the path before the field's name).
Where = tuple[int, str]


def _where(where: Where) -> str:
    number, path = where
    return f"record {number}: {path}" if number else path


def _domain(text: str, where: Where) -> str:
    value = text.strip().rstrip(".").lower()
    if "@" in value:  # a few receivers write the address instead of its domain
        value = value.rpartition("@")[2]
    if not value or len(value) > 253 or len(value.split()) != 1:  # no whitespace inside
        raise ReportError(f"{_where(where).rstrip()} {text[:60]!r} is not a domain")
    return value


def _epoch(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise ReportError(f"{what} {text[:40]!r} is not a POSIX time") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ReportError(f"{what} {text[:40]!r} is not a POSIX time")
    return int(value)


class _Reader:
    """Turns the pull parser's ``end`` events into checked rows and report metadata."""

    def __init__(self, namespace: str) -> None:
        prefix = f"{{{namespace}}}" if namespace else ""
        self.tag = {name: prefix + name for name in _TAGS}
        self.rows: list[Row] = []
        self.metadata: ET.Element | None = None
        self.policy: ET.Element | None = None
        self.root: ET.Element | None = None
        self.depth = 0

    def text(self, parent: ET.Element | None, name: str, where: Where) -> str:
        value = "" if parent is None else parent.findtext(self.tag[name])
        value = (value or "").strip()
        if len(value) > MAX_FIELD_CHARS:
            raise ReportError(
                f"{_where(where)}<{name}> is longer than {MAX_FIELD_CHARS} characters"
            )
        return value

    def required(self, parent: ET.Element | None, name: str, where: Where) -> str:
        value = self.text(parent, name, where)
        if not value:
            raise ReportError(f"{_where(where)}<{name}> is missing or empty")
        return value

    def record(self, element: ET.Element) -> None:
        tag = self.tag
        number = len(self.rows) + 1
        where: Where = (number, "")
        row = element.find(tag["row"])
        evaluated = None if row is None else row.find(tag["policy_evaluated"])
        identifiers = element.find(tag["identifiers"])
        source_text = self.required(row, "source_ip", where)
        family = socket.AF_INET6 if ":" in source_text else socket.AF_INET
        try:  # cheaper than ipaddress, and it normalises IPv6 the same way
            source_ip = socket.inet_ntop(family, socket.inet_pton(family, source_text))
        except (OSError, ValueError):
            raise ReportError(
                f"{_where(where)}source_ip {source_text[:60]!r} is not an IP address"
            ) from None
        count_text = self.required(row, "count", where)
        # isascii: "²" is a digit to isdigit() and not to int()
        if not (count_text.isascii() and count_text.isdigit()) or int(count_text) > MAX_COUNT:
            raise ReportError(f"{_where(where)}count {count_text[:40]!r} is not a message count")
        disposition = self.required(evaluated, "disposition", where).lower()
        if disposition not in DISPOSITIONS:
            raise ReportError(
                f"{_where(where)}disposition {disposition[:40]!r} is not none, quarantine, "
                "reject or pass"
            )
        envelope_from = self.text(identifiers, "envelope_from", where)
        dkim: list[DkimResult] = []
        spf: list[SpfResult] = []
        auth = element.find(tag["auth_results"])
        dkim_tag, spf_tag = tag["dkim"], tag["spf"]
        for result in () if auth is None else auth:
            if result.tag == dkim_tag:
                label: Where = (number, "auth_results/dkim ")
                domain = _domain(self.required(result, "domain", label), label)
                outcome = self.required(result, "result", label).lower()
                selector = self.text(result, "selector", label).lower() or None
                dkim.append(DkimResult(domain, selector, outcome))
            elif result.tag == spf_tag:
                label = (number, "auth_results/spf ")
                domain = _domain(self.required(result, "domain", label), label)
                outcome = self.required(result, "result", label).lower()
                scope = self.text(result, "scope", label).lower() or None
                spf.append(SpfResult(domain, scope, outcome))
        self.rows.append(
            Row(
                source_ip=source_ip,
                messages=int(count_text),
                disposition=disposition,
                dkim=self.required(evaluated, "dkim", where).lower(),
                spf=self.required(evaluated, "spf", where).lower(),
                header_from=_domain(
                    self.required(identifiers, "header_from", where), (number, "header_from")
                ),
                envelope_from=_domain(envelope_from, (number, "envelope_from"))
                if envelope_from
                else None,
                dkim_results=tuple(dkim),
                spf_results=tuple(spf),
            )
        )

    def child(self, element: ET.Element) -> None:
        """Take one child of the root: a record, the metadata or the published policy."""
        name = element.tag
        if name == self.tag["record"]:
            self.record(element)
        elif name == self.tag["report_metadata"]:
            self.metadata = element
        elif name == self.tag["policy_published"]:
            self.policy = element

    def report(self, namespace: str) -> Report:
        metadata = self.metadata
        dates = None if metadata is None else metadata.find(self.tag["date_range"])
        begin = _epoch(self.required(dates, "begin", (0, "")), "date_range begin")
        end = _epoch(self.required(dates, "end", (0, "")), "date_range end")
        if end < begin:
            raise ReportError("date_range ends before it begins")
        if begin < 0 or end > MAX_TIME:
            raise ReportError("date_range is outside 1970-9999")
        return Report(
            format="dmarc-2.0" if namespace == DMARC2_NAMESPACE else "rfc7489",
            org_name=self.required(metadata, "org_name", (0, "")),
            report_id=self.required(metadata, "report_id", (0, "")),
            begin=begin,
            end=end,
            policy_domain=_domain(
                self.required(self.policy, "domain", (0, "")), (0, "policy_published domain")
            ),
            rows=tuple(self.rows),
        )


def parse_report(chunks: Iterable[bytes]) -> Report:
    """Parse one report from its XML bytes, fed in chunks.

    A report of up to :data:`WHOLE_REPORT_BYTES` (every real one: a day's rows are a few
    kilobytes) is parsed in one call and its tree read child by child; a larger one is
    streamed, one child of the root in memory at a time. The two read the same fields.

    :raises ReportError: a DTD, malformed or truncated XML, a missing or invalid field.
    """
    pending = iter(chunks)
    head: list[bytes] = []
    size = 0
    for chunk in pending:
        head.append(chunk)
        size += len(chunk)
        if size > WHOLE_REPORT_BYTES:
            return _parse_streamed(itertools.chain(head, pending))
    return _parse_whole(b"".join(head))


def _parse_whole(data: bytes) -> Report:
    """One report held whole: the prolog checked first, then the tree built by the C parser
    (what the pull parser does too, without handing each element to Python)."""
    prolog = _Prolog()
    try:
        if not prolog.feed(data):
            prolog.finish()
            raise ReportError("malformed or truncated XML (no root element)")
        assert prolog.root is not None
        namespace, local = prolog.root
        if local != "feedback":
            raise ReportError(f"not a DMARC aggregate report (root element <{local}>)")
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise _malformed(error) from None
    except LookupError as error:  # the XML declaration names an encoding Python does not know
        raise ReportError(f"unsupported encoding ({str(error)[:80]})") from None
    reader = _Reader(namespace)
    for child in root:
        reader.child(child)
    return reader.report(namespace)


def _parse_streamed(chunks: Iterable[bytes]) -> Report:
    prolog: _Prolog | None = _Prolog()
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    reader: _Reader | None = None
    silent = 0
    try:
        for chunk in chunks:
            if prolog is not None:
                if not prolog.feed(chunk):
                    silent += len(chunk)
                    if silent > MAX_SILENT_BYTES:
                        raise ReportError("no root element in the first 1024 KiB")
                    parser.feed(chunk)
                    continue
                assert prolog.root is not None
                namespace, local = prolog.root
                if local != "feedback":
                    raise ReportError(f"not a DMARC aggregate report (root element <{local}>)")
                reader, prolog = _Reader(namespace), None
            parser.feed(chunk)
            assert reader is not None
            silent = _drain(parser, reader, silent + len(chunk))
            if silent > MAX_SILENT_BYTES:
                raise ReportError("no element ends within 1024 KiB (a giant comment or text?)")
        parser.close()
    except ET.ParseError as error:
        raise _malformed(error) from None
    except LookupError as error:  # the XML declaration names an encoding Python does not know
        raise ReportError(f"unsupported encoding ({str(error)[:80]})") from None
    if prolog is not None:
        if prolog.root is None:
            raise ReportError("malformed or truncated XML (no root element)")
        namespace, local = prolog.root
        raise ReportError(f"not a DMARC aggregate report (root element <{local}>)")
    assert reader is not None
    _drain(parser, reader, 0)
    return reader.report(namespace)


def _drain(parser: ET.XMLPullParser[ET.Element], reader: _Reader, silent: int) -> int:
    """Handle the events so far; each child of the root is dropped from it when it ends."""
    depth = reader.depth
    # "start" and "end" events carry elements (typeshed also allows namespace events)
    events: Iterator[tuple[str, ET.Element]] = parser.read_events()  # type: ignore[assignment]
    for event, element in events:
        silent = 0
        if event == "start":
            depth += 1
            if depth == 1:
                reader.root = element
            continue
        depth -= 1
        if depth != 1:
            continue
        reader.child(element)
        assert reader.root is not None
        del reader.root[-1]  # the child that just ended: memory holds one child at a time
    reader.depth = depth
    return silent
