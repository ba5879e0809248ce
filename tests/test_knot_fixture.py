"""The Knot DNS test server answers what the test wrote, and follows changes to it."""

from __future__ import annotations

from pathlib import Path

import dns.rcode
import dns.tsig
import pytest

from sendlanes.dns.resolver import NxDomain, Resolver
from tests.support.knot import KnotServer, TsigKey, knot_fixture, txt_strings, zone_text

LONG_KEY = "p=" + "A" * 400  # longer than one 255-octet character-string


def test_txt_record_is_served_and_long_values_are_joined(tmp_path: Path) -> None:
    zone = zone_text(
        "acme.example",
        [
            ("mail.acme.example", "TXT", "v=spf1 include:_spf.example.net ~all", 300, None),
            ("s1._domainkey.mail.acme.example", "TXT", f"v=DKIM1; k=rsa; {LONG_KEY}", 300, None),
            ("mail.acme.example", "MX", "mx.example.net", 300, 20),
            ("links.acme.example", "CNAME", "e.customeriomail.com", 300, None),
        ],
    )
    with KnotServer.start(tmp_path, {"acme.example": zone}) as knot:
        resolver = Resolver(nameservers=[("127.0.0.1", knot.port)], timeout=0.5, lifetime=2)
        assert resolver.txt("mail.acme.example") == ("v=spf1 include:_spf.example.net ~all",)
        assert resolver.txt("s1._domainkey.mail.acme.example") == (f"v=DKIM1; k=rsa; {LONG_KEY}",)
        assert [(m.preference, m.host) for m in resolver.mx("mail.acme.example")] == [
            (20, "mx.example.net")
        ]
        assert resolver.cname("links.acme.example") == "e.customeriomail.com"
        with pytest.raises(NxDomain):
            resolver.txt("nothing.acme.example")
        assert knot.nameserver == f"127.0.0.1:{knot.port}"


def test_replaced_zone_is_served_without_serial_change(tmp_path: Path) -> None:
    before = zone_text("acme.example", [("acme.example", "TXT", "before", 60, None)])
    after = zone_text("acme.example", [("acme.example", "TXT", "after", 60, None)])
    with KnotServer.start(tmp_path, {"acme.example": before}) as knot:
        assert Resolver(nameservers=[knot.address]).txt("acme.example") == ("before",)
        knot.replace_zone("acme.example", after)
        # A fresh resolver: each Resolver caches for its own lifetime.
        assert Resolver(nameservers=[knot.address]).txt("acme.example") == ("after",)


def test_signed_update_is_applied_and_unsigned_is_refused(tmp_path: Path) -> None:
    key = TsigKey.generate()
    zone = zone_text("acme.example")
    with KnotServer.start(tmp_path, {"acme.example": zone}, update_key=key) as knot:
        unsigned = knot.update("acme.example", signed=False)
        unsigned.add("x", 60, "TXT", '"unsigned"')
        assert knot.send(unsigned).rcode() == dns.rcode.NOTAUTH

        signed = knot.update("acme.example")
        signed.add("x", 60, "TXT", '"signed"')
        assert knot.send(signed).rcode() == dns.rcode.NOERROR
        assert Resolver(nameservers=[knot.address]).txt("x.acme.example") == ("signed",)

        wrong = TsigKey(key.name, TsigKey.generate().secret)
        forged = knot.update("acme.example", signed=False)
        forged.use_tsig(wrong.keyring(), keyname=wrong.name, algorithm=wrong.algorithm)
        forged.add("y", 60, "TXT", '"forged"')
        with pytest.raises(dns.tsig.PeerBadSignature):
            knot.send(forged)


def test_txt_strings_split_at_255_octets_and_escape_quotes() -> None:
    assert txt_strings('say "hi"\\') == '"say \\"hi\\"\\\\"'
    chunks = txt_strings("a" * 300)
    assert chunks == '"' + "a" * 255 + '" "' + "a" * 45 + '"'
    # Never split inside a UTF-8 sequence: 254 ASCII octets then a 2-octet character.
    assert txt_strings("a" * 254 + "é") == '"' + "a" * 254 + '" "\\195\\169"'


shared_knot = knot_fixture(
    lambda: {"example.org": zone_text("example.org", [("example.org", "TXT", "shared", 60, None)])}
)


def test_module_fixture_serves_its_zones(shared_knot: KnotServer) -> None:
    assert Resolver(nameservers=[shared_knot.address]).txt("example.org") == ("shared",)
