"""Hand-built DNS messages for the codec tests: every octet where a test needs it."""

from __future__ import annotations

import struct

from sendlanes.dns.wire import encode_name

QNAME = encode_name("s1._domainkey.mail.acme.example")
TO_QNAME = b"\xc0\x0c"  # a pointer to the question's name
A, NS, CNAME, SOA, MX, TXT, AAAA, OPT, TSIG = 1, 2, 5, 6, 15, 16, 28, 41, 250
PRIVATE_TYPE = 65280  # RFC 6895 private use: data nobody reads
RESPONSE_FLAGS = 0x8400  # QR, AA, opcode QUERY, NOERROR


def header(
    qid: int = 0x1234,
    flags: int = RESPONSE_FLAGS,
    counts: tuple[int, int, int, int] = (1, 1, 0, 1),
) -> bytes:
    return struct.pack("!HHHHHH", qid, flags, *counts)


def question(name: bytes = QNAME, qtype: int = TXT, qclass: int = 1) -> bytes:
    return name + struct.pack("!HH", qtype, qclass)


def rr(
    owner: bytes, rtype: int, rdata: bytes, *, rclass: int = 1, ttl: int = 300, length: int = -1
) -> bytes:
    """One record; *length* overrides the RDLENGTH field (by default, the data's length)."""
    rdlength = len(rdata) if length < 0 else length
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, rdlength) + rdata


def opt(rcode_high: int = 0, options: bytes = b"", owner: bytes = b"\x00") -> bytes:
    """An OPT pseudo-record (RFC 6891 §6.1.2): payload 1232, extended RCODE in the TTL."""
    return rr(owner, OPT, options, rclass=1232, ttl=rcode_high << 24)


def txt(*strings: bytes) -> bytes:
    return b"".join(bytes((len(s),)) + s for s in strings)


def response(
    answers: list[bytes],
    *,
    authority: list[bytes] | None = None,
    additional: list[bytes] | None = None,
    flags: int = RESPONSE_FLAGS,
    the_question: bytes | None = None,
    qdcount: int = 1,
    qid: int = 0x1234,
) -> bytes:
    """A response to QNAME TXT IN; the additional section is one OPT unless given."""
    authority = authority or []
    additional = [opt()] if additional is None else additional
    counts = (qdcount, len(answers), len(authority), len(additional))
    body = question() if the_question is None else the_question
    return header(qid, flags, counts) + body + b"".join(answers + authority + additional)


def good_txt_answer() -> bytes:
    return response([rr(TO_QNAME, TXT, txt(b"v=DKIM1; k=rsa; p=MIIB"))])
