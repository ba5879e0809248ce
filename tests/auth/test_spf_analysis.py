"""analyze_spf(): the static verdict on a domain's record, over a real DNS server."""

from __future__ import annotations

import time
from typing import Any

from sendlanes.auth.spf import SpfAnalysis, analyze_spf
from sendlanes.dns.resolver import MxHost
from tests.auth.conftest import Serve
from tests.support.dictdns import DictDnsServer, ZoneData


def txt(value: str) -> dict[str, Any]:
    return {"TXT": value}


def analyze(serve: Serve, zone: ZoneData, domain: str = "example.com") -> SpfAnalysis:
    return analyze_spf(domain, serve(zone))


PROVIDER = {"_spf.example.net": [txt("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all")]}


def test_valid_record_reports_status_counts_and_no_error(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 mx include:_spf.example.net -all"), {"MX": [10, "mx.x"]}],
        **PROVIDER,
    }
    result = analyze(serve, zone)
    assert (result.status, result.lookups, result.void_lookups, result.error) == (
        "valid",
        2,
        0,
        None,
    )
    assert result.record == "v=spf1 mx include:_spf.example.net -all"


def test_json_document_has_the_contract_keys(serve: Serve) -> None:
    document = analyze(serve, {"example.com": [txt("v=spf1 -all")]}).to_json()
    assert list(document) == [
        "domain",
        "record",
        "status",
        "lookups",
        "void_lookups",
        "error",
        "warnings",
    ]
    assert document["status"] == "valid"


def test_domain_without_spf_record_is_none(serve: Serve) -> None:
    result = analyze(serve, {"example.com": [txt("v=DMARC1; p=none")]})
    assert (result.status, result.record) == ("none", None)
    assert result.error == "example.com has no SPF record (RFC 7208 §4.5)"


def test_nonexistent_domain_is_none(serve: Serve) -> None:
    assert analyze(serve, {}).status == "none"


def test_malformed_domain_is_none_without_asking_dns(
    serve: Serve, dns_server: DictDnsServer
) -> None:
    result = analyze(serve, {}, "mail..example.com")
    assert result.status == "none"
    assert "empty label" in (result.error or "")
    assert dns_server.queries == []


def test_second_spf_record_is_a_permerror(serve: Serve) -> None:
    result = analyze(serve, {"example.com": [txt("v=spf1 -all"), txt("v=spf1 mx -all")]})
    assert result.status == "permerror"
    assert "2 SPF records" in (result.error or "") and "§4.5" in (result.error or "")


def test_syntax_error_is_a_permerror_naming_the_term(serve: Serve) -> None:
    result = analyze(serve, {"example.com": [txt("v=spf1 ip4:192.0.2.1/33 -all")]})
    assert result.status == "permerror"
    assert result.record == "v=spf1 ip4:192.0.2.1/33 -all"
    assert result.error == (
        'example.com: "ip4:192.0.2.1/33": CIDR length /33 is more than 32 (RFC 7208 §5.6)'
    )


def test_include_of_a_domain_without_spf_is_a_permerror(serve: Serve) -> None:
    result = analyze(serve, {"example.com": [txt("v=spf1 include:_spf.example.net -all")]})
    assert result.status == "permerror"
    assert result.error == (
        "example.com: include:_spf.example.net: _spf.example.net has no SPF record (RFC 7208 §5.2)"
    )


def test_broken_included_record_is_a_permerror_naming_where(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 include:_spf.example.net -all")],
        "_spf.example.net": [txt("v=spf1 ip4:192.0.2 -all")],
    }
    error = analyze(serve, zone).error or ""
    assert error.startswith('example.com: include:_spf.example.net: _spf.example.net: "ip4:')


def test_include_loop_is_a_permerror_showing_the_loop(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 include:a.example.net -all")],
        "a.example.net": [txt("v=spf1 include:b.example.net -all")],
        "b.example.net": [txt("v=spf1 include:a.example.net -all")],
    }
    result = analyze(serve, zone)
    assert result.status == "permerror"
    assert "loop a.example.net → b.example.net → a.example.net" in (result.error or "")


def test_redirect_to_itself_is_a_permerror(serve: Serve) -> None:
    result = analyze(serve, {"example.com": [txt("v=spf1 redirect=example.com")]})
    assert result.status == "permerror"


def test_redirect_to_a_domain_without_spf_is_a_permerror(serve: Serve) -> None:
    result = analyze(serve, {"example.com": [txt("v=spf1 redirect=_spf.example.net")]})
    assert (result.status, result.lookups) == ("permerror", 1)
    assert "§6.1" in (result.error or "")


def test_lookups_of_included_records_are_added(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 a include:_spf.example.net -all"), {"A": "192.0.2.1"}],
        "_spf.example.net": [txt("v=spf1 include:_a.example.net include:_b.example.net -all")],
        "_a.example.net": [txt("v=spf1 ip4:192.0.2.0/24 -all")],
        "_b.example.net": [txt("v=spf1 ip4:198.51.100.0/24 -all")],
    }
    assert analyze(serve, zone).lookups == 4


def test_eleven_lookups_are_a_permerror_even_if_an_earlier_term_would_match(
    serve: Serve,
) -> None:
    zone = {"example.com": [txt("v=spf1 ip4:192.0.2.1" + " a" * 11 + " -all"), {"A": "192.0.2.2"}]}
    result = analyze(serve, zone)
    assert (result.status, result.lookups) == ("permerror", 11)
    assert result.error == (
        "11 DNS-querying terms (include, a, mx, ptr, exists, redirect); the limit is 10"
        " (RFC 7208 §4.6.4)"
    )


def test_nine_or_ten_lookups_are_valid_with_a_warning(serve: Serve) -> None:
    zone = {"example.com": [txt("v=spf1" + " a" * 9 + " -all"), {"A": "192.0.2.2"}]}
    result = analyze(serve, zone)
    assert result.status == "valid"
    assert "9 of 10 DNS lookups used (RFC 7208 §4.6.4)" in result.warnings


def test_terms_after_all_are_not_counted_and_are_warned_about(serve: Serve) -> None:
    result = analyze(serve, {"example.com": [txt("v=spf1 -all include:_spf.example.net")]})
    assert (result.status, result.lookups) == ("valid", 0)
    assert "example.com: terms after -all are never evaluated" in result.warnings


def test_redirect_beside_all_is_ignored_with_a_warning(serve: Serve) -> None:
    result = analyze(serve, {"example.com": [txt("v=spf1 ~all redirect=_spf.example.net")]})
    assert (result.status, result.lookups) == ("valid", 0)
    assert any("is ignored because the record has an all" in w for w in result.warnings)


def test_three_void_lookups_are_a_permerror(serve: Serve) -> None:
    zone = {"example.com": [txt("v=spf1 a:x1.example.com mx:x2.example.com exists:x3.x -all")]}
    result = analyze(serve, zone)
    assert (result.status, result.void_lookups) == ("permerror", 3)


def test_name_with_only_an_aaaa_record_is_not_void(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 a:v6.example.com -all")],
        "v6.example.com": [{"AAAA": "2001:db8::25"}],
    }
    assert analyze(serve, zone).void_lookups == 0


def test_more_than_ten_mx_names_is_a_permerror(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 mx -all")]
        + [{"MX": [n, f"mx{n}.example.com"]} for n in range(11)],
    }
    result = analyze(serve, zone)
    assert result.status == "permerror"
    assert "11 MX records; at most 10 may be looked up" in (result.error or "")


def test_include_that_times_out_is_a_temperror(serve: Serve) -> None:
    zone: ZoneData = {
        "example.com": [txt("v=spf1 include:_spf.example.net -all")],
        "_spf.example.net": ["TIMEOUT"],
    }
    result = analyze(serve, zone)
    assert result.status == "temperror"
    assert (result.error or "").startswith(
        "example.com: include:_spf.example.net: _spf.example.net TXT: no answer"
    )


def test_permanent_error_outranks_a_dns_failure(serve: Serve) -> None:
    zone: ZoneData = {
        "example.com": [txt("v=spf1 include:_spf.example.net include:_none.example.net -all")],
        "_spf.example.net": ["TIMEOUT"],
        "_none.example.net": [txt("not spf")],
    }
    result = analyze(serve, zone)
    assert result.status == "permerror"
    error = result.error or ""
    assert "_none.example.net has no SPF record" in error and "_spf.example.net TXT" in error


def test_servfail_on_the_domain_is_a_temperror(serve: Serve, dns_server: DictDnsServer) -> None:
    resolver = serve({"example.com": [txt("v=spf1 -all")]})
    dns_server.servfail("example.com", "TXT")
    result = analyze_spf("example.com", resolver)
    assert result.status == "temperror"
    assert "SERVFAIL" in (result.error or "")


def test_ptr_is_warned_about(serve: Serve) -> None:
    result = analyze(serve, {"example.com": [txt("v=spf1 ptr -all")]})
    assert (result.status, result.lookups) == ("valid", 1)
    assert any("ptr is slow and unreliable" in w and "§5.5" in w for w in result.warnings)


def test_plus_all_is_warned_about_even_in_an_include(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 include:_spf.example.net -all")],
        "_spf.example.net": [txt("v=spf1 +all")],
    }
    warnings = analyze(serve, zone).warnings
    assert "_spf.example.net: +all lets every host on the internet pass" in warnings


def test_neutral_all_is_warned_about_at_the_top_only(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 include:_spf.example.net ?all")],
        "_spf.example.net": [txt("v=spf1 ip4:192.0.2.0/24 ?all")],
    }
    warnings = analyze(serve, zone).warnings
    assert warnings == ("example.com: ?all asserts nothing about unlisted hosts",)


def test_record_without_all_or_redirect_is_warned_about(serve: Serve) -> None:
    warnings = analyze(serve, {"example.com": [txt("v=spf1 ip4:192.0.2.0/24")]}).warnings
    assert any("no all mechanism or redirect" in w for w in warnings)


def test_redirect_targets_all_counts_as_the_domains_own(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 redirect=_spf.example.net")],
        "_spf.example.net": [txt("v=spf1 ip4:192.0.2.0/24 ?all")],
    }
    warnings = analyze(serve, zone).warnings
    assert warnings == ("_spf.example.net: ?all asserts nothing about unlisted hosts",)


def test_include_target_using_the_domain_macro_is_followed(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 include:_spf.%{d} -all")],
        "_spf.example.com": [txt("v=spf1 a:x1.example.com -all")],
    }
    result = analyze(serve, zone)
    assert (result.lookups, result.void_lookups) == (2, 1)


def test_include_target_depending_on_the_message_is_counted_not_followed(serve: Serve) -> None:
    result = analyze(serve, {"example.com": [txt("v=spf1 include:%{ir}.%{v}._spf.%{d} -all")]})
    assert (result.status, result.lookups) == ("valid", 1)
    assert any("depends on the message checked" in w for w in result.warnings)


def test_explanation_with_two_txt_records_is_warned_about(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 -all exp=why.example.com")],
        "why.example.com": [txt("one"), txt("two")],
    }
    result = analyze(serve, zone)
    assert result.status == "valid"
    assert any("why.example.com has 2 TXT records" in w for w in result.warnings)


def test_same_include_twice_is_counted_twice_but_asked_for_once(
    serve: Serve, dns_server: DictDnsServer
) -> None:
    zone = {
        "example.com": [txt("v=spf1 include:_a.example.net include:_b.example.net -all")],
        "_a.example.net": [txt("v=spf1 include:_spf.example.net a:x1.example.com -all")],
        "_b.example.net": [txt("v=spf1 include:_spf.example.net a:x1.example.com -all")],
        **PROVIDER,
    }
    result = analyze(serve, zone)
    assert (result.lookups, result.void_lookups) == (6, 2)
    asked = [(q.name, q.rdtype) for q in dns_server.queries]
    assert len(asked) == len(set(asked))


def test_doubling_include_tree_is_walked_in_linear_time(
    serve: Serve, dns_server: DictDnsServer
) -> None:
    # Level n includes level n+1 twice: 2**16 include evaluations, 17 distinct records.
    levels = 16
    zone: dict[str, list[Any]] = {
        f"l{n}.example.net": [
            txt(f"v=spf1 include:l{n + 1}.example.net include:l{n + 1}.example.net")
        ]
        for n in range(levels)
    }
    zone[f"l{levels}.example.net"] = [txt("v=spf1 ip4:192.0.2.1")]
    zone["example.com"] = [txt("v=spf1 include:l0.example.net -all")]
    started = time.monotonic()
    result = analyze(serve, zone)
    assert time.monotonic() - started < 1.0
    assert result.status == "permerror"
    assert result.lookups == 1 + sum(2**n for n in range(1, levels + 1))
    assert len(dns_server.queries) == levels + 2


class ExplodingLookup:
    """An injected look-up that fails in a way no DnsLookup should: analysis must not crash."""

    def txt(self, name: str) -> tuple[str, ...]:
        if name == "example.com":
            return ("v=spf1 a mx include:_spf.example.net -all",)
        raise RuntimeError("socket went away")

    def a(self, name: str) -> tuple[str, ...]:
        raise OSError("network unreachable")

    def aaaa(self, name: str) -> tuple[str, ...]:
        return ()

    def mx(self, name: str) -> tuple[MxHost, ...]:
        raise ValueError("bad answer")

    def ptr(self, address: str) -> tuple[str, ...]:
        return ()

    def cname(self, name: str) -> str | None:
        return None


def test_unexpected_lookup_exceptions_become_a_temperror_not_a_crash() -> None:
    result = analyze_spf("example.com", ExplodingLookup())
    assert result.status == "temperror"
    assert "socket went away" in (result.error or "")
