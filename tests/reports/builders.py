"""DMARC aggregate reports written the way different receivers write them, for the tests."""

from __future__ import annotations

import email.message
import gzip
import io
import zipfile
from dataclasses import dataclass, field

DAY = 86400
DEC_1 = 1796083200  # 2026-12-01T00:00:00Z


@dataclass(frozen=True)
class Dkim:
    domain: str
    selector: str | None
    result: str = "pass"


@dataclass(frozen=True)
class RowSpec:
    ip: str
    count: int
    header_from: str
    dkim: str = "pass"  # policy_evaluated
    spf: str = "pass"
    disposition: str = "none"
    envelope_from: str | None = None
    spf_domain: str | None = None
    signatures: tuple[Dkim, ...] = ()


@dataclass(frozen=True)
class ReportSpec:
    org: str
    report_id: str
    rows: tuple[RowSpec, ...]
    begin: int = DEC_1
    end: int = DEC_1 + DAY - 1
    domain: str = "acme.example"
    style: str = "google"  # google | yahoo | microsoft | dmarc2
    extra: dict[str, str] = field(default_factory=dict)


def _row_xml(row: RowSpec, style: str) -> str:
    upper = style == "yahoo"

    def res(value: str) -> str:
        return value.upper() if upper else value

    identifiers = f"<header_from>{row.header_from}</header_from>"
    if row.envelope_from is not None:
        identifiers = f"<envelope_from>{row.envelope_from}</envelope_from>" + identifiers
    if style == "microsoft":
        identifiers = f"<envelope_to>example.com</envelope_to>{identifiers}"
    signatures = "".join(
        "<dkim><domain>{}</domain>{}<result>{}</result></dkim>".format(
            s.domain, f"<selector>{s.selector}</selector>" if s.selector else "", res(s.result)
        )
        for s in row.signatures
    )
    spf_domain = row.spf_domain or row.envelope_from or row.header_from
    spf = (
        f"<spf><domain>{spf_domain}</domain>"
        + ("<scope>mfrom</scope>" if style != "yahoo" else "")
        + f"<result>{res('pass' if row.spf == 'pass' else 'softfail')}</result></spf>"
    )
    pad = "\n      " if style in ("google", "dmarc2") else ""
    return (
        f"<record>{pad}<row><source_ip>{row.ip}</source_ip><count> {row.count} </count>"
        f"<policy_evaluated><disposition>{res(row.disposition)}</disposition>"
        f"<dkim>{res(row.dkim)}</dkim><spf>{res(row.spf)}</spf></policy_evaluated></row>"
        f"<identifiers>{identifiers}</identifiers>"
        f"<auth_results>{signatures}{spf}</auth_results></record>\n"
    )


def report_xml(report: ReportSpec) -> bytes:
    style = report.style
    rows = "".join(_row_xml(row, style) for row in report.rows)
    if style == "dmarc2":
        head = '<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">\n<version>1.0</version>\n'
        policy = (
            f"<policy_published><domain>{report.domain}</domain><p>reject</p><sp>reject</sp>"
            "<np>reject</np><testing>n</testing><discovery_method>treewalk</discovery_method>"
            "</policy_published>"
        )
    else:
        attrs = (
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' if style == "microsoft" else ""
        )
        version = "" if style == "yahoo" else "<version>1.0</version>"
        head = f"<feedback{attrs}>{version}"
        policy = (
            f"<policy_published><domain>{report.domain}</domain><adkim>r</adkim><aspf>r</aspf>"
            "<p>quarantine</p><sp>quarantine</sp><pct>100</pct></policy_published>"
        )
    metadata = (
        f"<report_metadata><org_name>  {report.org}  </org_name><email>noreply@{report.org}</email>"
        f"<report_id>{report.report_id}</report_id><date_range><begin>{report.begin}</begin>"
        f"<end>{report.end}</end></date_range></report_metadata>"
    )
    text = f'<?xml version="1.0" encoding="UTF-8" ?>\n{head}{metadata}{policy}\n{rows}</feedback>\n'
    return text.encode()


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def message_with(
    attachments: dict[str, bytes], subject: str = "Report Domain: acme.example"
) -> bytes:
    message = email.message.EmailMessage()
    message["From"] = "noreply-dmarc-support@google.com"
    message["To"] = "dmarc@acme.example"
    message["Subject"] = subject
    message.set_content("This is an aggregate report.")
    for name, data in attachments.items():
        maintype, subtype = (
            ("application", "zip")
            if name.endswith(".zip")
            else ("application", "gzip")
            if name.endswith(".gz")
            else ("text", "xml")
        )
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)
