"""The DNS wire format for the few questions the analyzers ask (RFC 1035 §4, RFC 6891).

:class:`sendlanes.dns.resolver.Resolver` sends tens of thousands of questions in a large verify
run; building and parsing each message with dnspython's general machinery costs ~0.3 ms,
fifteen times the round trip to a server on the same host. This module builds a query in a
few microseconds and reads only what the analyzers use from an answer: the header, the
question (to match the answer to the query) and the answer section's A, AAAA, TXT, CNAME,
NS, PTR and MX records.

Reading is as strict as dnspython's (RFC 1035, RFC 6891), which the tests use as its judge:
any message dnspython rejects as malformed raises :class:`WireError` here too, apart from
the contents of record types this module never reads (see ``_READ_ANY_CLASS``). Names follow
:mod:`sendlanes.dns.names`; each record's data must be exactly what its type holds; counts
may not promise more than the message holds; no octet may follow the last record; at most
one OPT, in the additional section, owned by the root, and its extended RCODE is part of the
answer's rcode. Work is bounded by the message's length. :func:`response_matches` is the
cheaper check made *before* decoding: is this the answer to the query we sent?
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from sendlanes.dns.names import NameCache, WireError, encode_name, read_name

__all__ = [
    "CLASS_IN",
    "EDNS_PAYLOAD",
    "FLAG_AA",
    "FLAG_QR",
    "FLAG_RD",
    "FLAG_TC",
    "QTYPES",
    "RCODE_NAMES",
    "RCODE_NOERROR",
    "RCODE_NXDOMAIN",
    "RCODE_REFUSED",
    "RCODE_SERVFAIL",
    "TYPE_NAMES",
    "TYPE_OPT",
    "WireAnswer",
    "WireError",
    "decode_response",
    "encode_name",
    "encode_query",
    "response_matches",
]

QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}
TYPE_NAMES = {number: name for name, number in QTYPES.items()}
CLASS_IN = 1
TYPE_OPT = 41
TYPE_SOA = 6
TYPE_TSIG = 250
#: EDNS(0) UDP payload size: the DNS Flag Day 2020 value, safe from IP fragmentation.
EDNS_PAYLOAD = 1232

FLAG_QR = 0x8000
FLAG_AA = 0x0400
FLAG_TC = 0x0200
FLAG_RD = 0x0100
_OPCODE_MASK = 0x7800

RCODE_NOERROR = 0
RCODE_SERVFAIL = 2
RCODE_NXDOMAIN = 3
RCODE_REFUSED = 5
RCODE_NAMES = {
    0: "NOERROR",
    1: "FORMERR",
    2: "SERVFAIL",
    3: "NXDOMAIN",
    4: "NOTIMP",
    5: "REFUSED",
    16: "BADVERS",  # RFC 6891 §9: only through OPT's extended RCODE
    23: "BADCOOKIE",  # RFC 7873 §8
}

_HEADER = struct.Struct("!HHHHHH")
_RR_FIXED = struct.Struct("!HHIH")
_TYPE_CLASS = struct.Struct("!HH")
_UINT16 = struct.Struct("!H")
#: the smallest question (root name, type, class) and record (root owner, fixed fields)
_MIN_QUESTION = 5
_MIN_RECORD = 11
#: RFC 2181 §8: a TTL with the top bit set is read as zero (as dnspython does).
_MAX_TTL = 0x7FFFFFFF
#: Types whose data is checked in any class: dnspython reads them class-independently.
#: A and AAAA are checked in class IN only (their layout elsewhere is another type's);
#: the data of other types is never read, only bounded by the message.
_READ_ANY_CLASS = frozenset({2, 5, 6, 12, 15, 16})


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
    #: the TTL of each of *records*, in the same order (RFC 2181 §8: over 2^31-1 reads as 0)
    ttls: tuple[int, ...] = ()

    @property
    def truncated(self) -> bool:
        return bool(self.flags & FLAG_TC)

    @property
    def authoritative(self) -> bool:
        return bool(self.flags & FLAG_AA)


def response_matches(
    message: bytes, txid: int, qname: bytes, qtype: int, qclass: int = CLASS_IN
) -> bool:
    """Whether *message* claims to answer the query (*txid*, *qname*, *qtype*, *qclass*).

    *qname* is the query's name as :func:`encode_name` returns it. True only for a response
    (QR set) to a standard query (opcode 0) with the query's ID and exactly one question
    whose name equals *qname* (ASCII case folded, label by label, with no compression
    pointer), type and class. Checked before any record is decoded (RFC 5452 §9.1), in work
    proportional to the question's length; never raises.
    """
    end = _HEADER.size + len(qname)
    if len(message) < end + _TYPE_CLASS.size:
        return False
    qid, flags, qdcount = struct.unpack_from("!HHH", message)
    if qid != txid or not flags & FLAG_QR or flags & _OPCODE_MASK or qdcount != 1:
        return False
    # Length octets (< 64) are below "A", so folding leaves them alone and the labels must
    # line up octet for octet; a pointer (0xC0..) can never equal a length octet.
    if message[_HEADER.size : end].lower() != qname.lower():
        return False
    return _TYPE_CLASS.unpack_from(message, end) == (qtype, qclass)


def decode_response(message: bytes) -> WireAnswer:
    """Read a response to one question: header, question, answer records, rcode.

    Every record of every section is walked and its owner checked; the data of the types in
    ``_READ_ANY_CLASS`` (and A/AAAA in class IN) is checked whatever its section; the answer
    section's IN records of those types are returned.

    :raises WireError: the message is not a well-formed response to one IN question, with
        a short reason.
    """
    size = len(message)
    if size < _HEADER.size:
        raise WireError("shorter than a DNS header")
    qid, flags, qdcount, ancount, nscount, arcount = _HEADER.unpack_from(message)
    if not flags & FLAG_QR:
        raise WireError("not a response (QR clear)")
    if flags & _OPCODE_MASK:
        raise WireError(f"opcode {(flags & _OPCODE_MASK) >> 11} is not QUERY")
    if qdcount != 1:
        raise WireError(f"{qdcount} questions (a response has exactly one)")
    total = ancount + nscount + arcount
    if _HEADER.size + _MIN_QUESTION + _MIN_RECORD * total > size:
        raise WireError("section counts promise more records than the message holds")
    known: NameCache = {}
    qname, offset = read_name(message, _HEADER.size, size, known)
    if offset + _TYPE_CLASS.size > size:
        raise WireError("question runs past the end of the message")
    qtype, qclass = _TYPE_CLASS.unpack_from(message, offset)
    if qclass != CLASS_IN:
        raise WireError(f"question class {qclass} is not IN")
    offset += _TYPE_CLASS.size
    records: list[tuple[str, int, str]] = []
    ttls: list[int] = []
    extended_rcode = -1
    for index in range(total):
        owner, offset = read_name(message, offset, size, known)
        if offset + _RR_FIXED.size > size:
            raise WireError("record header runs past the end of the message")
        rtype, rclass, ttl, length = _RR_FIXED.unpack_from(message, offset)
        offset += _RR_FIXED.size
        end = offset + length
        if end > size:
            raise WireError("record data runs past the end of the message")
        if rtype == TYPE_OPT:
            if index < ancount + nscount:
                raise WireError("OPT outside the additional section (RFC 6891 §6.1.1)")
            if extended_rcode >= 0:
                raise WireError("more than one OPT (RFC 6891 §6.1.1)")
            if owner:
                raise WireError("OPT owner is not the root (RFC 6891 §6.1.2)")
            _check_options(message, offset, end)
            extended_rcode = ttl >> 24
        elif rtype == TYPE_TSIG:
            raise WireError("TSIG-signed response to an unsigned query")
        elif rtype in _READ_ANY_CLASS or (rclass == CLASS_IN and rtype in (1, 28)):
            text = _rdata_text(message, rtype, offset, end, known)
            if index < ancount and rclass == CLASS_IN and rtype != TYPE_SOA:
                records.append((owner, rtype, text))
                ttls.append(ttl if ttl <= _MAX_TTL else 0)
        offset = end
    if offset != size:
        raise WireError(f"{size - offset} octets after the last record")
    rcode = flags & 0x000F
    if extended_rcode > 0:
        rcode |= extended_rcode << 4  # RFC 6891 §6.1.3: the upper 8 of 12 bits
    return WireAnswer(qid, flags, rcode, qname, qtype, tuple(records), tuple(ttls))


def _rdata_text(message: bytes, rtype: int, start: int, end: int, known: NameCache) -> str:
    """The data of one record as text; it must fill exactly *start*..*end*."""
    length = end - start
    if rtype == 16:
        strings = bytearray()
        offset = start
        while offset < end:
            size = message[offset]
            strings += message[offset + 1 : offset + 1 + size]
            offset += 1 + size
        if offset != end or length == 0:
            raise WireError("TXT strings do not fill the record exactly")
        # RFC 7208 §3.3: strings are joined with no separator; bad UTF-8 is shown, not fatal.
        return strings.decode("utf-8", errors="replace")
    if rtype == 1:
        if length != 4:
            raise WireError(f"A record of {length} octets (RFC 1035 §3.4.1: 4)")
        return socket.inet_ntop(socket.AF_INET, message[start:end])
    if rtype == 28:
        if length != 16:
            raise WireError(f"AAAA record of {length} octets (RFC 3596 §2.2: 16)")
        return socket.inet_ntop(socket.AF_INET6, message[start:end])
    if rtype == 15:
        if length < 3:
            raise WireError("MX record shorter than a preference and a name")
        exchange = _name_filling(message, start + 2, end, known)
        return f"{_UINT16.unpack_from(message, start)[0]} {exchange}"
    if rtype == TYPE_SOA:
        _, offset = read_name(message, start, end, known)
        _, offset = read_name(message, offset, end, known)
        if end - offset != 20:
            raise WireError("SOA record data is not two names and 20 octets")
        return ""
    return _name_filling(message, start, end, known)  # NS, CNAME, PTR


def _name_filling(message: bytes, start: int, end: int, known: NameCache) -> str:
    name, offset = read_name(message, start, end, known)
    if offset != end:
        raise WireError("record data does not end with its name")
    return name


def _check_options(message: bytes, offset: int, end: int) -> None:
    """EDNS options (code, length, data) must fill the OPT record exactly (RFC 6891 §6.1.2)."""
    while offset < end:
        if offset + 4 > end:
            raise WireError("EDNS option header overruns the OPT record")
        offset += 4 + _UINT16.unpack_from(message, offset + 2)[0]
    if offset != end:
        raise WireError("EDNS option overruns the OPT record")
