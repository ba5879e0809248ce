"""Desired DNS records (:class:`RecordSpec`) and TXT canonical forms.

A TXT record's *logical* value (what SPF/DKIM/DMARC parsers read) is one string; on the wire it
is a sequence of ≤255-octet character-strings (RFC 1035 §3.3.14) that receivers join with no
separator (RFC 7208 §3.3, RFC 6376 §3.6.2.2). Cloudflare returns TXT content in the quoted,
chunked presentation form, so sending exactly that form keeps ``pulumi up`` re-runs free of
diffs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

TXT_CHUNK_OCTETS = 255


class RecordType(StrEnum):
    TXT = "TXT"
    CNAME = "CNAME"
    MX = "MX"


class Purpose(StrEnum):
    """Why a record exists; rules and verify select records by purpose, never by name."""

    SPF = "spf"
    DKIM = "dkim"
    DMARC = "dmarc"
    RETURN_PATH = "return-path"
    TRACKING = "tracking"
    CUSTOMERIO_TRACKING = "customerio-tracking"
    VERIFICATION = "verification"
    INBOUND = "inbound"
    DMARC_REPORT_AUTHORIZATION = "dmarc-report-authorization"


@dataclass(frozen=True)
class RecordSpec:
    """One record to publish. ``name`` is an FQDN without the trailing dot."""

    name: str
    type: RecordType
    content: str
    ttl: int
    purpose: Purpose
    priority: int | None = None

    def to_json(self) -> dict[str, object]:
        document: dict[str, object] = {"name": self.name, "type": str(self.type)}
        document["content"] = self.content
        if self.priority is not None:
            document["priority"] = self.priority
        document["ttl"] = self.ttl
        document["purpose"] = str(self.purpose)
        return document


def txt_chunks(value: str) -> list[bytes]:
    """Split *value* into ≤255-octet character-strings (RFC 1035 §3.3.14).

    Splits never cut a UTF-8 sequence in half, so every chunk decodes on its own.
    """
    data = value.encode("utf-8")
    chunks: list[bytes] = []
    start = 0
    while start < len(data):
        end = min(start + TXT_CHUNK_OCTETS, len(data))
        # Step back off UTF-8 continuation bytes (0b10xxxxxx).
        while end < len(data) and end > start and data[end] & 0xC0 == 0x80:
            end -= 1
        chunks.append(data[start:end])
        start = end
    return chunks or [b""]


def _quote_for_cloudflare(chunk: bytes) -> str:
    text = chunk.decode("utf-8")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quote_for_zone_file(chunk: bytes) -> str:
    # RFC 1035 §5.1: quote, escape `"` and `\`, and write non-printable octets as \DDD.
    parts = []
    for octet in chunk:
        if octet in (0x22, 0x5C):
            parts.append("\\" + chr(octet))
        elif 0x20 <= octet < 0x7F:
            parts.append(chr(octet))
        else:
            parts.append(f"\\{octet:03d}")
    return '"' + "".join(parts) + '"'


def cloudflare_txt_content(value: str) -> str:
    """The quoted, chunked TXT content Cloudflare stores and returns for *value*."""
    return " ".join(_quote_for_cloudflare(chunk) for chunk in txt_chunks(value))


def zone_file_txt_rdata(value: str) -> str:
    """The TXT RDATA for a BIND zone file, split into ≤255-octet strings."""
    return " ".join(_quote_for_zone_file(chunk) for chunk in txt_chunks(value))


def wire_content(record: RecordSpec) -> str:
    """The content as sent to Cloudflare: TXT canonical-quoted, others unchanged."""
    if record.type is RecordType.TXT:
        return cloudflare_txt_content(record.content)
    return record.content


def zone_file_line(record: RecordSpec) -> str:
    """One BIND master-file line for *record* (absolute owner and targets)."""
    owner = f"{record.name}."
    if record.type is RecordType.TXT:
        rdata = zone_file_txt_rdata(record.content)
    elif record.type is RecordType.MX:
        rdata = f"{record.priority if record.priority is not None else 10} {record.content}."
    else:
        rdata = f"{record.content}."
    return f"{owner} {record.ttl} IN {record.type} {rdata}"
