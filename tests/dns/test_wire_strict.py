"""The codec reads responses as strictly as dnspython does (RFC 1035, RFC 6891).

Each malformation of issue 17 (items 1 and 5) is built by hand on a well-formed answer and
must raise WireError; where dnspython reads the same octets, it must reject them too, so
the rule is the standard's and not ours alone.
"""

from __future__ import annotations

import random
import struct

import dns.message
import pytest

from sendlanes.dns.wire import (
    CLASS_IN,
    WireError,
    decode_response,
    encode_name,
    response_matches,
)
from tests.dns.wire_messages import (
    AAAA,
    CNAME,
    MX,
    NS,
    PRIVATE_TYPE,
    QNAME,
    SOA,
    TO_QNAME,
    TSIG,
    TXT,
    A,
    good_txt_answer,
    header,
    opt,
    question,
    response,
    rr,
    txt,
)

DNSPYTHON_REJECTS = "both"  # dnspython must reject the message too
ONLY_US = "ours"  # a rule for responses that dnspython's general reader does not make

LONG_PREFIX = b"".join(b"\x3f" + b"x" * 63 for _ in range(4))  # 256 octets of labels


def _assert_rejected(message: bytes, judge: str, reason: str) -> None:
    with pytest.raises(WireError, match=reason):
        decode_response(message)
    if judge == DNSPYTHON_REJECTS:
        with pytest.raises(Exception):  # noqa: B017 - any of dnspython's reasons
            dns.message.from_wire(message)


def test_well_formed_answer_is_read_by_both() -> None:
    message = good_txt_answer()
    answer = decode_response(message)
    assert answer.records == (("s1._domainkey.mail.acme.example", TXT, "v=DKIM1; k=rsa; p=MIIB"),)
    assert answer.ttls == (300,)
    assert dns.message.from_wire(message).answer


def _pointer_chain(records: int) -> bytes:
    """Records whose owners are "a" + a pointer to the previous owner (the first: to the
    question's name), so the n-th owner takes n pointers to read."""
    first = 12 + len(QNAME) + 4
    chain = []
    for n in range(records):
        target = 12 if n == 0 else first + 14 * (n - 1)
        chain.append(rr(b"\x01a" + struct.pack("!H", 0xC000 | target), PRIVATE_TYPE, b""))
    return b"".join(chain)


def test_sixteen_pointers_in_one_name_are_read() -> None:
    message = header(counts=(1, 16, 0, 0)) + question() + _pointer_chain(16)
    assert decode_response(message).qname == "s1._domainkey.mail.acme.example"
    dns.message.from_wire(message)


MALFORMED = {
    "owner-over-255-octets": (
        response([rr(LONG_PREFIX + TO_QNAME, TXT, txt(b"x"))]),
        DNSPYTHON_REJECTS,
        "longer than 255",
    ),
    "name-over-127-labels": (
        response([rr(b"\x01a" * 128 + b"\x00", TXT, txt(b"x"))]),
        DNSPYTHON_REJECTS,
        "longer than 255",
    ),
    "cname-target-over-255-octets": (
        response([rr(TO_QNAME, CNAME, LONG_PREFIX + TO_QNAME)]),
        DNSPYTHON_REJECTS,
        "longer than 255",
    ),
    "forward-compression-pointer": (
        response([rr(b"\xc0\x40", TXT, txt(b"x"))]),
        DNSPYTHON_REJECTS,
        "backwards",
    ),
    "pointer-to-itself": (
        header(counts=(1, 0, 0, 1)) + b"\xc0\x0c" + struct.pack("!HH", TXT, 1) + opt(),
        DNSPYTHON_REJECTS,
        "backwards",
    ),
    "pointer-target-overlapping-the-name": (
        # the owner "\x01x" + pointer back to its own first label: the target runs into it
        response([rr(b"\x01x\xc0" + bytes((12 + len(QNAME) + 4,)), TXT, txt(b"x"))]),
        DNSPYTHON_REJECTS,
        "backwards|runs past",
    ),
    "seventeen-pointers-in-one-name": (
        header(counts=(1, 17, 0, 0)) + question() + _pointer_chain(17),
        DNSPYTHON_REJECTS,
        "16 compression pointers",
    ),
    "extended-label-type-0x40": (
        response([rr(b"\x41x" + TO_QNAME, TXT, txt(b"x"))]),
        DNSPYTHON_REJECTS,
        "label type",
    ),
    "extended-label-type-0x80": (
        response([rr(b"\x81x" + TO_QNAME, TXT, txt(b"x"))]),
        DNSPYTHON_REJECTS,
        "label type",
    ),
    "a-record-of-5-octets": (
        response([rr(TO_QNAME, A, b"\xc0\x00\x02\x01\x00")]),
        DNSPYTHON_REJECTS,
        "A record of 5",
    ),
    "aaaa-record-of-15-octets": (
        response([rr(TO_QNAME, AAAA, b"\x20\x01\x0d\xb8" + b"\x00" * 11)]),
        DNSPYTHON_REJECTS,
        "AAAA record of 15",
    ),
    "cname-rdata-shorter-than-its-name": (
        response([rr(TO_QNAME, CNAME, b"\x03www" + TO_QNAME, length=4)]),
        DNSPYTHON_REJECTS,
        "runs past|name",
    ),
    "cname-rdata-longer-than-its-name": (
        response([rr(TO_QNAME, CNAME, b"\x03www" + TO_QNAME + b"\x00")]),
        DNSPYTHON_REJECTS,
        "does not end with its name",
    ),
    "mx-with-junk-after-its-name": (
        response([rr(TO_QNAME, MX, b"\x00\x0a" + TO_QNAME + b"!")]),
        DNSPYTHON_REJECTS,
        "does not end with its name",
    ),
    "ns-in-authority-with-junk-after-its-name": (
        response([], authority=[rr(b"\x00", NS, TO_QNAME + b"!")]),
        DNSPYTHON_REJECTS,
        "does not end with its name",
    ),
    "soa-in-authority-too-short": (
        response([], authority=[rr(b"\x00", SOA, TO_QNAME + TO_QNAME + b"\x00" * 19)]),
        DNSPYTHON_REJECTS,
        "SOA",
    ),
    "txt-string-overrunning-the-record": (
        response([rr(TO_QNAME, TXT, b"\x09v=spf1")]),
        DNSPYTHON_REJECTS,
        "TXT",
    ),
    "txt-strings-not-filling-the-record": (
        response([rr(TO_QNAME, TXT, txt(b"v=spf1 -all"), length=5)]),
        DNSPYTHON_REJECTS,
        "TXT",
    ),
    "txt-with-no-string": (
        response([rr(TO_QNAME, TXT, b"")]),
        DNSPYTHON_REJECTS,
        "TXT",
    ),
    "record-data-past-the-end": (
        response([rr(TO_QNAME, PRIVATE_TYPE, b"abc", length=300)], additional=[]),
        DNSPYTHON_REJECTS,
        "past the end",
    ),
    "answer-count-beyond-the-message": (
        header(counts=(1, 40, 0, 1)) + question() + rr(TO_QNAME, TXT, txt(b"x")) + opt(),
        DNSPYTHON_REJECTS,
        "counts promise more",
    ),
    "answer-count-one-too-many": (
        header(counts=(1, 2, 0, 0)) + question() + rr(TO_QNAME, TXT, txt(b"x")),
        DNSPYTHON_REJECTS,
        "runs past|past its end|counts",
    ),
    "trailing-junk": (good_txt_answer() + b"\x00", DNSPYTHON_REJECTS, "after the last record"),
    "opt-in-the-answer-section": (
        response([rr(TO_QNAME, TXT, txt(b"x")), opt()], additional=[]),
        DNSPYTHON_REJECTS,
        "OPT outside",
    ),
    "two-opts": (
        response([rr(TO_QNAME, TXT, txt(b"x"))], additional=[opt(), opt()]),
        DNSPYTHON_REJECTS,
        "more than one OPT",
    ),
    "opt-length-overrunning-the-message": (
        response([rr(TO_QNAME, TXT, txt(b"x"))], additional=[opt()[:-2] + b"\x00\x08"]),
        DNSPYTHON_REJECTS,
        "past the end",
    ),
    "opt-option-overrunning-the-opt": (
        response([], additional=[opt(options=b"\x00\x03\x00\x09nsid")]),
        DNSPYTHON_REJECTS,
        "EDNS option",
    ),
    "opt-owner-not-root": (
        response([], additional=[opt(owner=TO_QNAME)]),
        DNSPYTHON_REJECTS,
        "OPT owner",
    ),
    "tsig-on-an-unsigned-query": (
        response([], additional=[rr(b"\x00", TSIG, b"", rclass=255)]),
        DNSPYTHON_REJECTS,
        "TSIG",
    ),
    "no-question": (
        header(counts=(0, 0, 0, 1)) + opt(),
        ONLY_US,
        "0 questions",
    ),
    "two-questions": (
        response([], the_question=question() + question(), qdcount=2),
        ONLY_US,
        "2 questions",
    ),
    "question-of-another-class": (
        response([], the_question=question(qclass=3)),
        ONLY_US,
        "class 3",
    ),
    "opcode-notify-in-a-response": (
        response([], flags=0x8000 | (4 << 11)),
        ONLY_US,
        "opcode 4",
    ),
    "dot-inside-a-label": (
        # one label "s1._domainkey.mail.acme" would read as the four labels asked
        response([rr(b"\x17s1._domainkey.mail.acme\x07example\x00", TXT, txt(b"forged"))]),
        ONLY_US,
        "holds a dot",
    ),
    "a-query-not-a-response": (response([], flags=0x0100), ONLY_US, "QR clear"),
    "shorter-than-a-header": (b"\x12\x34\x84\x00", DNSPYTHON_REJECTS, "header"),
}


@pytest.mark.parametrize(("message", "judge", "reason"), MALFORMED.values(), ids=MALFORMED)
def test_malformed_response_is_a_wire_error(message: bytes, judge: str, reason: str) -> None:
    _assert_rejected(message, judge, reason)


def test_extended_rcode_from_opt_joins_the_rcode() -> None:
    message = response([rr(TO_QNAME, TXT, txt(b"v=spf1 -all"))], additional=[opt(rcode_high=1)])
    answer = decode_response(message)
    assert answer.rcode == 16  # BADVERS (RFC 6891 §9): not NOERROR although the header says 0
    assert answer.rcode == dns.message.from_wire(message).rcode()


def test_unread_record_types_are_bounded_but_not_read() -> None:
    message = response(
        [rr(TO_QNAME, PRIVATE_TYPE, b"\xff" * 7), rr(TO_QNAME, TXT, txt(b"ok"))],
        authority=[rr(b"\x00", A, b"\x00" * 5, rclass=3)],  # CH A: another layout, not ours
    )
    assert decode_response(message).records == (("s1._domainkey.mail.acme.example", TXT, "ok"),)


def test_label_octets_other_than_dots_are_read_as_asked() -> None:
    label = b"macro%percent  space"  # RFC 7208 macros can ask such names
    owner = bytes((len(label),)) + label + b"\x07example\x00"
    message = response([rr(owner, TXT, txt(b"v=spf1 -all"))], the_question=question(owner))
    answer = decode_response(message)
    assert answer.qname == answer.records[0][0] == "macro%percent  space.example"
    assert encode_name(answer.qname) == owner


def test_ttl_with_the_top_bit_set_reads_as_zero() -> None:
    answer = decode_response(response([rr(TO_QNAME, TXT, txt(b"x"), ttl=0x80000000)]))
    assert answer.ttls == (0,)


def test_decompression_bomb_fails_on_its_first_owner() -> None:
    """Issue 17 item 2: 64 KB, a 10,000-label name, thousands of owners pointing at it."""
    bomb_name = b"\x01a" * 10_000 + b"\x00"  # 20,001 octets
    owners = 3_400
    start = 12 + len(QNAME) + 4 + 12  # the data of the first record
    pointer = struct.pack("!H", 0xC000 | start)
    records = [rr(TO_QNAME, PRIVATE_TYPE, bomb_name)]
    records += [rr(pointer, PRIVATE_TYPE, b"") for _ in range(owners)]
    message = header(counts=(1, owners + 1, 0, 0)) + question() + b"".join(records)
    assert 60_000 < len(message) <= 65_535
    with pytest.raises(WireError, match="longer than 255"):
        decode_response(message)
    with pytest.raises(dns.name.NameTooLong):
        dns.message.from_wire(message)


def test_decompression_bomb_in_the_question_fails_at_once() -> None:
    bomb_name = b"\x01a" * 10_000 + b"\x00"
    owners = 3_000
    records = [rr(TO_QNAME, TXT, txt(b"x")) for _ in range(owners)]
    message = header(counts=(1, owners, 0, 0)) + question(bomb_name) + b"".join(records)
    assert len(message) <= 65_535
    with pytest.raises(WireError, match="longer than 255"):
        decode_response(message)


# -- response_matches: the check before decoding -------------------------------------------------


def _matches(message: bytes, **overrides: object) -> bool:
    arguments: dict[str, object] = {
        "txid": 0x1234,
        "qname": encode_name("S1._domainkey.mail.acme.example"),
        "qtype": TXT,
        "qclass": CLASS_IN,
    }
    arguments.update(overrides)
    return response_matches(message, **arguments)  # type: ignore[arg-type]


def test_answer_to_the_query_matches_whatever_the_case_of_its_name() -> None:
    mixed = encode_name("s1._DomainKey.MAIL.acme.example")
    assert _matches(response([], the_question=question(mixed)))
    assert _matches(dns.message.make_response(_dnspython_query()).to_wire())


def _dnspython_query() -> dns.message.Message:
    query = dns.message.make_query("s1._domainkey.mail.ACME.example", "TXT")
    query.id = 0x1234
    return query


MISMATCHED = {
    "another-id": (good_txt_answer(), {"txid": 0x1235}),
    "another-name": (good_txt_answer(), {"qname": encode_name("s2._domainkey.mail.acme.example")}),
    "a-longer-name": (
        good_txt_answer(),
        {"qname": encode_name("x.s1._domainkey.mail.acme.example")},
    ),
    "another-type": (good_txt_answer(), {"qtype": A}),
    "another-class": (response([], the_question=question(qclass=3)), {}),
    "a-query": (response([], flags=0x0100), {}),
    "opcode-notify": (response([], flags=0x8000 | (4 << 11)), {}),
    "two-questions": (response([], the_question=question() + question(), qdcount=2), {}),
    "no-question": (header(counts=(0, 0, 0, 0)) + question(), {}),
    "compressed-question-name": (
        header(counts=(1, 0, 0, 0)) + question(b"\x02s1" + b"\xc0\x00"),
        {},
    ),
    "shorter-than-a-header": (b"\x12\x34\x84", {}),
    "question-cut-short": (good_txt_answer()[: 12 + len(QNAME) + 3], {}),
    "a-label-folded-outside-ascii": (
        response([], the_question=question(QNAME.replace(b"acme", b"\xc1cme"))),
        {},
    ),
}


@pytest.mark.parametrize(("message", "overrides"), MISMATCHED.values(), ids=MISMATCHED)
def test_answer_to_another_query_does_not_match(
    message: bytes, overrides: dict[str, object]
) -> None:
    assert not _matches(message, **overrides)


def test_response_matches_never_raises_on_garbage() -> None:
    chooser = random.Random(17)
    base = good_txt_answer()
    for size in range(0, 80):
        assert not _matches(bytes(chooser.randrange(256) for _ in range(size)))
        # the check reads the header and the question only: the records are decoding's job
        assert _matches(base[:size]) == (size >= 12 + len(QNAME) + 4)
    assert _matches(base, qname=b"") is False
