"""Read one DMARC aggregate report with expat, streamed, DTDs refused (RFC 7489 §7.2, RFC 9990).

Reports arrive by email from anyone who knows a ``rua`` address, so the XML is hostile input.
A DMARC report never needs a document type declaration: any ``<!DOCTYPE`` is refused the moment
expat sees it, before an entity can be declared, so internal entities (billion laughs) are
never expanded and external ones (XXE) never read. Undefined entity references are then plain
XML errors. Structure is checked as the rows are read; a report with one bad row is rejected
whole, so counts are never half-applied.

Accepted deviations seen from real receivers: no ``<version>``, any or no namespace (the RFC
9990 namespace marks the 2.0 format), surrounding whitespace, upper-case results, several DKIM
and SPF results per row, fractional POSIX times, and an ``envelope_from`` left out.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from xml.parsers import expat

from sendlanes.reports.model import DMARC2_NAMESPACE, DkimResult, Report, Row, SpfResult

MAX_DEPTH = 32
# expat before 2.6 re-scans an unfinished token from its start on every feed: one comment or
# tag of 64 MiB costs minutes (CVE-2023-52425). Reports have no token near this size.
MAX_TOKEN_BYTES = 1024 * 1024
MAX_FIELD_CHARS = 1024  # the longest field is a domain (253) or an org name / report id
MAX_COUNT = 10**12  # messages from one IP in one report; more is not a real report
DISPOSITIONS = frozenset({"none", "quarantine", "reject", "pass"})  # RFC 9990 adds "pass"
_MAX_TEXT_PIECES = 64


class ReportError(Exception):
    """The file is not a usable aggregate report; the message is one line, for a person."""


def _domain(text: str, what: str) -> str:
    value = text.strip().rstrip(".").lower()
    if "@" in value:  # a few receivers write the address instead of its domain
        value = value.rpartition("@")[2]
    if not value or len(value) > 253 or any(c.isspace() for c in value):
        raise ReportError(f"{what} {text[:60]!r} is not a domain")
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


class _ReportReader:
    """expat callbacks that build a :class:`Report`, checking each row as it ends."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.text: list[str] = []
        self.namespace: str | None = None
        self.meta: dict[str, str] = {}
        self.fields: dict[str, str] = {}
        self.auth: dict[str, str] = {}
        self.dkim: list[DkimResult] = []
        self.spf: list[SpfResult] = []
        self.rows: list[Row] = []
        self.in_record = False

    # -- refused constructs -----------------------------------------------------------------
    def doctype(self, *_: object) -> None:
        raise ReportError(
            "DTD refused: a DMARC report has no <!DOCTYPE>, entities are not expanded"
        )

    def entity(self, *_: object) -> None:  # pragma: no cover - doctype() fires first
        raise ReportError("entity declarations refused")

    def external(self, *_: object) -> int:  # pragma: no cover - doctype() fires first
        raise ReportError("external entities refused")

    # -- elements ---------------------------------------------------------------------------
    def start(self, name: str, _attributes: object) -> None:
        namespace, _, local = name.rpartition("}")
        stack = self.stack
        if not stack:
            if local != "feedback":
                raise ReportError(f"not a DMARC aggregate report (root element <{local}>)")
            self.namespace = namespace
        elif len(stack) >= MAX_DEPTH:
            raise ReportError(f"elements nested deeper than {MAX_DEPTH}")
        if local == "record" and len(stack) == 1:
            self.in_record = True
            self.fields = {}
            self.dkim = []
            self.spf = []
        elif local in ("dkim", "spf") and stack[-1] == "auth_results":
            self.auth = {}
        stack.append(local)
        self.text = []

    def data(self, text: str) -> None:
        pieces = self.text
        pieces.append(text)
        if len(pieces) > _MAX_TEXT_PIECES:
            raise ReportError(f"<{self.stack[-1]}> text is too long")

    def end(self, _name: str) -> None:
        stack = self.stack
        local = stack.pop()
        pieces = self.text
        self.text = []
        parent = stack[-1] if stack else ""
        if self.in_record:
            if parent in ("row", "policy_evaluated", "identifiers"):
                self.fields[local] = self._field(pieces, local)
            elif parent in ("dkim", "spf") and len(stack) >= 2 and stack[-2] == "auth_results":
                self.auth[local] = self._field(pieces, local)
            elif parent == "auth_results":
                self._auth_result(local)
            elif local == "record" and len(stack) == 1:
                self.in_record = False
                self.rows.append(self._row())
        elif parent in ("report_metadata", "date_range", "policy_published"):
            self.meta[f"{parent}/{local}"] = self._field(pieces, local)

    @staticmethod
    def _field(pieces: list[str], local: str) -> str:
        text = "".join(pieces).strip()
        if len(text) > MAX_FIELD_CHARS:
            raise ReportError(f"<{local}> is longer than {MAX_FIELD_CHARS} characters")
        return text

    def _auth_result(self, kind: str) -> None:
        auth = self.auth
        domain = auth.get("domain", "")
        result = auth.get("result", "").lower()
        where = f"record {len(self.rows) + 1}: auth_results/{kind}"
        if not domain or not result:
            raise ReportError(f"{where} lacks its domain or result")
        if kind == "dkim":
            selector = auth.get("selector") or None
            self.dkim.append(
                DkimResult(_domain(domain, where), selector and selector.lower(), result)
            )
        elif kind == "spf":
            scope = auth.get("scope", "").lower() or None
            self.spf.append(SpfResult(_domain(domain, where), scope, result))

    def _row(self) -> Row:
        fields = self.fields
        where = f"record {len(self.rows) + 1}"
        for required in ("source_ip", "count", "disposition", "dkim", "spf", "header_from"):
            if not fields.get(required):
                raise ReportError(f"{where}: <{required}> is missing or empty")
        try:
            source_ip = str(ipaddress.ip_address(fields["source_ip"]))
        except ValueError:
            raise ReportError(
                f"{where}: source_ip {fields['source_ip'][:60]!r} is not an IP address"
            ) from None
        count_text = fields["count"]
        if not count_text.isdigit() or int(count_text) > MAX_COUNT:
            raise ReportError(f"{where}: count {count_text[:40]!r} is not a message count")
        disposition = fields["disposition"].lower()
        if disposition not in DISPOSITIONS:
            raise ReportError(
                f"{where}: disposition {disposition[:40]!r} is not none, quarantine, reject or pass"
            )
        envelope_from = fields.get("envelope_from")
        return Row(
            source_ip=source_ip,
            count=int(count_text),
            disposition=disposition,
            dkim=fields["dkim"].lower(),
            spf=fields["spf"].lower(),
            header_from=_domain(fields["header_from"], f"{where}: header_from"),
            envelope_from=_domain(envelope_from, f"{where}: envelope_from")
            if envelope_from
            else None,
            dkim_results=tuple(self.dkim),
            spf_results=tuple(self.spf),
        )

    def report(self) -> Report:
        meta = self.meta
        for required in (
            "report_metadata/org_name",
            "report_metadata/report_id",
            "date_range/begin",
            "date_range/end",
            "policy_published/domain",
        ):
            if not meta.get(required):
                raise ReportError(f"<{required.rpartition('/')[2]}> is missing or empty")
        begin = _epoch(meta["date_range/begin"], "date_range begin")
        end = _epoch(meta["date_range/end"], "date_range end")
        if end < begin:
            raise ReportError("date_range ends before it begins")
        return Report(
            format="dmarc-2.0" if self.namespace == DMARC2_NAMESPACE else "rfc7489",
            org_name=meta["report_metadata/org_name"],
            report_id=meta["report_metadata/report_id"],
            begin=begin,
            end=end,
            policy_domain=_domain(meta["policy_published/domain"], "policy_published domain"),
            rows=tuple(self.rows),
        )


def parse_report(chunks: Iterable[bytes]) -> Report:
    """Parse one report from its XML bytes, fed in chunks.

    :raises ReportError: a DTD, malformed or truncated XML, a missing or invalid field.
    """
    reader = _ReportReader()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = reader.doctype
    parser.EntityDeclHandler = reader.entity
    parser.ExternalEntityRefHandler = reader.external
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.data
    parser.buffer_text = True
    fed = 0
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            fed += len(chunk)
            if fed - max(parser.CurrentByteIndex, 0) > MAX_TOKEN_BYTES:
                raise ReportError(
                    f"an XML token (comment, tag or attribute) is longer than "
                    f"{MAX_TOKEN_BYTES // 1024} KiB"
                )
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        reason = expat.ErrorString(error.code) if error.code is not None else str(error)
        raise ReportError(f"malformed or truncated XML (line {error.lineno}: {reason})") from None
    return reader.report()
