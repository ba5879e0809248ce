"""The DNS wire format for the few questions the analyzers ask (RFC 1035 §4, RFC 6891).

:class:`sendlanes.dns.resolver.Resolver` sends tens of thousands of questions in a large verify
run; building and parsing each message with dnspython's general machinery costs ~0.3 ms,
fifteen times the round trip to a server on the same host. This module builds a query in a
few microseconds and reads only what the analyzers use from an answer: the header, the
question (to match the answer to the query) and the answer section's A, AAAA, TXT, CNAME,
NS, PTR and MX records. Anything unusual (a name that is not plain ASCII labels, a
malformed message) raises :class:`WireError`; callers treat that like any bad answer.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}
TYPE_NAMES = {number: name for name, number in QTYPES.items()}
CLASS_IN = 1
TYPE_OPT = 41
#: EDNS(0) UDP payload size: the DNS Flag Day 2020 value, safe from IP fragmentation.
EDNS_PAYLOAD = 1232

FLAG_QR = 0x8000
FLAG_AA = 0x0400
FLAG_TC = 0x0200
FLAG_RD = 0x0100

RCODE_NOERROR = 0
RCODE_SERVFAIL = 2
RCODE_NXDOMAIN = 3
RCODE_REFUSED = 5
RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}

_HEADER = struct.Struct("!HHHHHH")
_RR_FIXED = struct.Struct("!HHIH")
_MAX_POINTERS = 64


class WireError(ValueError):
    """A name cannot be put on the wire, or a message cannot be read."""


def encode_name(name: str) -> bytes:
    """*name* (no trailing dot needed) as uncompressed wire labels (RFC 1035 §3.1).

    :raises WireError: a label is empty, over 63 octets or not ASCII, or the name is over
        255 octets.
    """
    text = name.rstrip(".")
    if not text:
        return b"\x00"
    try:
        labels = text.encode("ascii").split(b".")
    except UnicodeEncodeError:
        raise WireError(f"{name!r} is not ASCII (give IDNs as A-labels)") from None
    for label in labels:
        if not 0 < len(label) < 64:
            raise WireError(f"{name!r}: label {label!r} must be 1-63 octets (RFC 1035 §2.3.4)")
    wire = b"".join([bytes((len(label),)) + label for label in labels]) + b"\x00"
    if len(wire) > 255:
        raise WireError(f"{name!r}: longer than 255 octets (RFC 1035 §2.3.4)")
    return wire


def encode_query(qid: int, qname: bytes, qtype: int, *, recursion_desired: bool) -> bytes:
    """A query for (*qname* wire labels, *qtype*) IN with an EDNS(0) OPT record."""
    flags = FLAG_RD if recursion_desired else 0
    header = _HEADER.pack(qid, flags, 1, 0, 0, 1)
    opt = b"\x00" + struct.pack("!HHIH", TYPE_OPT, EDNS_PAYLOAD, 0, 0)
    return header + qname + struct.pack("!HH", qtype, CLASS_IN) + opt


@dataclass(frozen=True)
class WireAnswer:
    """What a response says, in the terms the resolver needs."""

    qid: int
    flags: int
    rcode: int
    qname: str  # lower case, no trailing dot
    qtype: int
    #: (owner, type, presentation text) of the answer section, owners in lower case
    records: tuple[tuple[str, int, str], ...]

    @property
    def truncated(self) -> bool:
        return bool(self.flags & FLAG_TC)

    @property
    def authoritative(self) -> bool:
        return bool(self.flags & FLAG_AA)


def _read_name(message: bytes, offset: int, known: dict[int, str] | None = None) -> tuple[str, int]:
    """The name at *offset* (following compression pointers) and the offset after it.

    *known* maps offsets of names already read in this message to their text: answers point
    back to the question's name again and again.
    """
    if known is not None and offset + 1 < len(message) and message[offset] & 0xC0 == 0xC0:
        target = ((message[offset] & 0x3F) << 8) | message[offset + 1]
        if target in known:
            return known[target], offset + 2
    labels: list[str] = []
    end = -1
    pointers = 0
    while True:
        if offset >= len(message):
            raise WireError("name runs past the end of the message")
        length = message[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(message):
                raise WireError("truncated compression pointer")
            if end < 0:
                end = offset + 2
            pointers += 1
            if pointers > _MAX_POINTERS:
                raise WireError("compression pointer loop")
            offset = ((length & 0x3F) << 8) | message[offset + 1]
            continue
        if length & 0xC0:
            raise WireError(f"unknown label type {length:#x}")
        offset += 1
        if length == 0:
            break
        labels.append(message[offset : offset + length].decode("ascii", "replace").lower())
        offset += length
    return ".".join(labels), end if end >= 0 else offset


def _rdata_text(message: bytes, rtype: int, start: int, length: int) -> str | None:
    end = start + length
    if rtype == 1 and length == 4:
        return socket.inet_ntop(socket.AF_INET, message[start:end])
    if rtype == 28 and length == 16:
        return socket.inet_ntop(socket.AF_INET6, message[start:end])
    if rtype == 16:
        strings = bytearray()
        offset = start
        while offset < end:
            size = message[offset]
            strings += message[offset + 1 : offset + 1 + size]
            offset += 1 + size
        if offset != end:
            raise WireError("TXT strings overrun the record")
        # RFC 7208 §3.3: strings are joined with no separator; bad UTF-8 is shown, not fatal.
        return strings.decode("utf-8", errors="replace")
    if rtype in (2, 5, 12):
        return _read_name(message, start)[0]
    if rtype == 15 and length >= 3:
        preference = struct.unpack_from("!H", message, start)[0]
        return f"{preference} {_read_name(message, start + 2)[0]}"
    return None


def decode_response(message: bytes) -> WireAnswer:
    """Read the header, the question and the answer section of a response.

    :raises WireError: the message is not a well-formed response with one question.
    """
    try:
        qid, flags, qdcount, ancount, _ns, _ar = _HEADER.unpack_from(message, 0)
        if not flags & FLAG_QR or qdcount != 1:
            raise WireError("not a response to one question")
        qname, offset = _read_name(message, _HEADER.size)
        known = {_HEADER.size: qname}
        qtype = struct.unpack_from("!H", message, offset)[0]
        offset += 4
        records: list[tuple[str, int, str]] = []
        for _ in range(ancount):
            owner, offset = _read_name(message, offset, known)
            rtype, rclass, _ttl, length = _RR_FIXED.unpack_from(message, offset)
            offset += _RR_FIXED.size
            if offset + length > len(message):
                raise WireError("record data runs past the end of the message")
            if rclass == CLASS_IN:
                text = _rdata_text(message, rtype, offset, length)
                if text is not None:
                    records.append((owner, rtype, text))
            offset += length
    except (struct.error, IndexError) as error:
        raise WireError(f"malformed message: {error}") from error
    return WireAnswer(qid, flags, flags & 0x000F, qname, qtype, tuple(records))


def response_matches(
    message: bytes, txid: int, qname: bytes, qtype: int, qclass: int = CLASS_IN
) -> bool:
    """Whether *message* answers the query (*txid*, *qname* wire labels, *qtype*, *qclass*).

    Checked before anything of the message is decoded (RFC 5452 §9.1): the ID, QR set,
    opcode QUERY, one question, and that question — the name compared without regard to
    ASCII case, uncompressed as every server writes it. Never raises.
    """
    end = _HEADER.size + len(qname)
    if len(message) < end + 4 or message[0] << 8 | message[1] != txid:
        return False
    flags = message[2] << 8 | message[3]
    if not flags & FLAG_QR or flags & 0x7800 or message[4:6] != b"\x00\x01":
        return False
    # Length octets are at most 63, below b"A": lower() changes only label characters.
    if message[_HEADER.size : end].lower() != qname.lower():
        return False
    return struct.unpack_from("!HH", message, end) == (qtype, qclass)
