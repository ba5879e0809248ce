"""Benchmark: the wire codec (`sendlanes.dns.wire`) against dnspython's `from_wire`.

    python bench/dns_codec.py            # markdown table on stdout, µs per message

Messages are built with dnspython (names compressed as a server would), then each decoder
reads each message many times; the best of several rounds is shown, per message:

- typical: a DKIM-style TXT answer (one 2-string TXT record, OPT), as verify reads thousands;
- large: a CNAME, 40 A and 20 TXT records with an SOA in authority and OPT (~1.6 KB, a TCP
  answer);
- negative: NXDOMAIN with an SOA in authority.

`response_matches` (the check made before decoding) is timed on the typical answer.
"""

from __future__ import annotations

import os
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import dns.rrset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sendlanes.dns import wire

KEY = "v=DKIM1; k=rsa; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" * 9


def _response(qname: str, qtype: str) -> dns.message.Message:
    query = dns.message.make_query(qname, qtype, use_edns=0, payload=1232)
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    return response


def typical() -> bytes:
    response = _response("s1._domainkey.mail.acme.example", "TXT")
    strings = f'"{KEY[:255]}" "{KEY[255:]}"'
    response.answer = [
        dns.rrset.from_text("s1._domainkey.mail.acme.example.", 300, "IN", "TXT", strings)
    ]
    return response.to_wire()


def large() -> bytes:
    response = _response("links.acme.example", "A")
    target = "e.customeriomail.example."
    addresses = [f"192.0.2.{n}" for n in range(1, 41)]
    texts = [f'"v=spf1 ip4:198.51.100.{n} -all"' for n in range(20)]
    response.answer = [
        dns.rrset.from_text("links.acme.example.", 300, "IN", "CNAME", target),
        dns.rrset.from_text_list(target, 300, "IN", "A", addresses),
        dns.rrset.from_text_list(target, 300, "IN", "TXT", texts),
    ]
    response.authority = [_soa()]
    return response.to_wire(max_size=65535)


def negative() -> bytes:
    response = _response("nope.acme.example", "TXT")
    response.set_rcode(dns.rcode.NXDOMAIN)
    response.authority = [_soa()]
    return response.to_wire()


def _soa() -> dns.rrset.RRset:
    return dns.rrset.from_text(
        "acme.example.", 300, "IN", "SOA", "ns1.acme.example. hostmaster.acme.example. 1 2 3 4 5"
    )


def _microseconds(call: Callable[[], object]) -> float:
    timer = timeit.Timer(call)
    number, _ = timer.autorange()
    best = min(timer.repeat(repeat=5, number=number))
    return best / number * 1e6


def main() -> None:
    messages = {"typical TXT": typical(), "large": large(), "NXDOMAIN": negative()}
    print("| message | octets | sendlanes µs | dnspython from_wire µs | ratio |")
    print("|---|---:|---:|---:|---:|")
    for label, message in messages.items():
        ours = _microseconds(lambda m=message: wire.decode_response(m))
        theirs = _microseconds(lambda m=message: dns.message.from_wire(m))
        print(f"| {label} | {len(message)} | {ours:.1f} | {theirs:.1f} | {theirs / ours:.0f}× |")
    matches = getattr(wire, "response_matches", None)
    if matches is not None:
        message = messages["typical TXT"]
        qname = wire.encode_name("s1._domainkey.mail.acme.example")
        txid = int.from_bytes(message[:2], "big")
        check = _microseconds(lambda: matches(message, txid, qname, 16))
        print(f"| response_matches (typical TXT) | {len(message)} | {check:.2f} | – | – |")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nload average: {load}")


if __name__ == "__main__":
    main()
