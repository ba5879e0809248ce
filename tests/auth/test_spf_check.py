"""check_host() against a real DNS server on 127.0.0.1 (RFC 7208 §4–§7)."""

from __future__ import annotations

from typing import Any

import pytest

from sendlanes.auth.spf import SpfResult, SpfResultCode, check_host
from tests.auth.conftest import Serve
from tests.support.dictdns import DictDnsServer, ZoneData

PASS, FAIL, SOFTFAIL, NEUTRAL = "pass", "fail", "softfail", "neutral"
NONE, PERMERROR, TEMPERROR = "none", "permerror", "temperror"


def txt(value: str) -> dict[str, Any]:
    return {"TXT": value}


def check(serve: Serve, zone: ZoneData, ip: str, domain: str = "example.com") -> SpfResult:
    return check_host(ip, domain, f"alice@{domain}", "mail.example.net", serve(zone))


def test_matching_ip4_passes_and_names_the_mechanism(serve: Serve) -> None:
    result = check(serve, {"example.com": [txt("v=spf1 ip4:192.0.2.0/24 -all")]}, "192.0.2.7")
    assert (result.result, result.mechanism) == (PASS, "ip4:192.0.2.0/24")


def test_first_matching_term_decides(serve: Serve) -> None:
    zone = {"example.com": [txt("v=spf1 -ip4:192.0.2.7 ip4:192.0.2.0/24 -all")]}
    assert check(serve, zone, "192.0.2.7").result == FAIL


def test_no_match_and_no_all_is_neutral(serve: Serve) -> None:
    zone = {"example.com": [txt("v=spf1 ip4:192.0.2.0/24")]}
    assert check(serve, zone, "198.51.100.1").result == NEUTRAL


def test_domain_without_record_is_none_with_a_reason(serve: Serve) -> None:
    result = check(serve, {"example.com": [txt("google-site-verification=x")]}, "192.0.2.1")
    assert result.result == NONE
    assert result.error == "example.com has no SPF record (RFC 7208 §4.5)"


def test_nonexistent_domain_is_none(serve: Serve) -> None:
    assert check(serve, {}, "192.0.2.1").result == NONE


def test_two_spf_records_are_a_permerror(serve: Serve) -> None:
    zone = {"example.com": [txt("v=spf1 -all"), txt("v=spf1 +all")]}
    result = check(serve, zone, "192.0.2.1")
    assert result.result == PERMERROR
    error = result.error or ""
    assert error.startswith("example.com has 2 SPF records (") and error.endswith("§4.5)")
    assert '"v=spf1 -all"' in error and '"v=spf1 +all"' in error


def test_ipv4_mapped_client_is_matched_as_ipv4(serve: Serve) -> None:
    zone = {"example.com": [txt("v=spf1 ip4:192.0.2.7 -all")]}
    assert check(serve, zone, "::ffff:192.0.2.7").result == PASS


def test_a_mechanism_uses_aaaa_for_an_ipv6_client_with_its_prefix(serve: Serve) -> None:
    zone = {
        "example.com": [
            txt("v=spf1 a/24//64 -all"),
            {"A": "192.0.2.10"},
            {"AAAA": "2001:db8:1::10"},
        ]
    }
    assert check(serve, zone, "2001:db8:1::ffff").result == PASS
    assert check(serve, zone, "2001:db8:2::1").result == FAIL
    assert check(serve, zone, "192.0.2.200").result == PASS


def test_mx_mechanism_matches_the_exchanges_addresses_and_skips_a_null_mx(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 mx -all"), {"MX": [0, ""]}, {"MX": [10, "mx.example.com"]}],
        "mx.example.com": [{"A": "192.0.2.25"}],
    }
    assert check(serve, zone, "192.0.2.25").result == PASS


def test_more_than_ten_mx_names_is_a_permerror(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 mx -all")]
        + [{"MX": [n, f"mx{n}.example.com"]} for n in range(11)],
    }
    result = check(serve, zone, "192.0.2.25")
    assert result.result == PERMERROR
    assert "11 MX records" in (result.error or "")


def test_include_pass_matches_and_its_fail_does_not(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 include:_spf.example.net ~all")],
        "_spf.example.net": [txt("v=spf1 ip4:192.0.2.0/24 -all")],
    }
    assert check(serve, zone, "192.0.2.1").result == PASS
    assert check(serve, zone, "198.51.100.1").result == SOFTFAIL


def test_include_of_a_domain_without_record_is_a_permerror(serve: Serve) -> None:
    zone = {"example.com": [txt("v=spf1 include:_spf.example.net -all")]}
    result = check(serve, zone, "192.0.2.1")
    assert result.result == PERMERROR
    assert result.error == (
        "include:_spf.example.net: _spf.example.net has no SPF record (RFC 7208 §5.2)"
    )


def test_redirect_is_followed_when_nothing_matches(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 ip4:198.51.100.1 redirect=_spf.example.net")],
        "_spf.example.net": [txt("v=spf1 a -all"), {"A": "192.0.2.9"}],
    }
    result = check(serve, zone, "192.0.2.9")
    assert (result.result, result.mechanism) == (PASS, "a")


def test_redirect_to_a_domain_without_record_is_a_permerror(serve: Serve) -> None:
    zone = {"example.com": [txt("v=spf1 redirect=_spf.example.net")]}
    assert check(serve, zone, "192.0.2.1").result == PERMERROR


def test_ten_lookups_are_allowed_and_the_eleventh_is_a_permerror(serve: Serve) -> None:
    ten = {"example.com": [txt("v=spf1" + " a" * 10 + " -all"), {"A": "198.51.100.1"}]}
    result = check(serve, ten, "192.0.2.1")
    assert (result.result, result.lookups) == (FAIL, 10)
    eleven = {"example.com": [txt("v=spf1" + " a" * 11 + " -all"), {"A": "198.51.100.1"}]}
    result = check(serve, eleven, "192.0.2.1")
    assert (result.result, result.lookups) == (PERMERROR, 11)
    assert "more than 10 DNS-querying terms (RFC 7208 §4.6.4)" in (result.error or "")


def test_evaluation_stops_before_an_unreached_eleventh_lookup(serve: Serve) -> None:
    zone = {"example.com": [txt("v=spf1 ip4:192.0.2.1" + " a" * 11 + " -all")]}
    assert check(serve, zone, "192.0.2.1").result == PASS


def test_two_void_lookups_are_allowed_and_the_third_is_a_permerror(serve: Serve) -> None:
    two = {"example.com": [txt("v=spf1 a:x1.example.com a:x2.example.com -all")]}
    result = check(serve, two, "192.0.2.1")
    assert (result.result, result.void_lookups) == (FAIL, 2)
    three = {"example.com": [txt("v=spf1 a:x1.example.com mx:x2.example.com exists:x3.x -all")]}
    assert check(serve, three, "192.0.2.1").result == PERMERROR


def test_name_with_a_label_over_63_characters_does_not_exist(serve: Serve) -> None:
    zone = {"example.com": [txt(f"v=spf1 a:{'x' * 64}.example.com -all")]}
    result = check(serve, zone, "192.0.2.1")
    assert (result.result, result.void_lookups) == (FAIL, 1)


def test_ptr_matches_a_validated_name_under_the_domain(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 ptr -all")],
        "7.2.0.192.in-addr.arpa": [{"PTR": "host.example.org"}, {"PTR": "mail.example.com"}],
        "mail.example.com": [{"A": "192.0.2.7"}],
        "host.example.org": [{"A": "192.0.2.7"}],
    }
    assert check(serve, zone, "192.0.2.7").result == PASS


def test_ptr_name_that_does_not_resolve_back_does_not_match(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 ptr -all")],
        "7.2.0.192.in-addr.arpa": [{"PTR": "mail.example.com"}],
        "mail.example.com": [{"A": "192.0.2.8"}],
    }
    assert check(serve, zone, "192.0.2.7").result == FAIL


def test_ptr_lookup_that_times_out_does_not_match_and_is_not_void(serve: Serve) -> None:
    zone: ZoneData = {
        "example.com": [txt("v=spf1 ptr ~all")],
        "7.2.0.192.in-addr.arpa": ["TIMEOUT"],
    }
    result = check(serve, zone, "192.0.2.7")
    assert (result.result, result.void_lookups) == (SOFTFAIL, 0)


def test_ptr_without_names_is_a_void_lookup(serve: Serve) -> None:
    result = check(serve, {"example.com": [txt("v=spf1 ptr ~all")]}, "192.0.2.7")
    assert (result.result, result.void_lookups) == (SOFTFAIL, 1)


def test_exists_queries_a_even_for_an_ipv6_client(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 exists:%{ir}.%{v}._spf.%{d} -all")],
        ("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com"): [
            {"A": "127.0.0.2"}
        ],
    }
    assert check(serve, zone, "2001:db8::1").result == PASS


def test_exists_with_ipv4_reverses_the_address(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all")],
        "3.2.0.192.in-addr._spf.example.com": [{"A": "127.0.0.2"}],
    }
    assert check(serve, zone, "192.0.2.3").result == PASS


def test_explanation_is_given_for_fail_with_macros_expanded(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 ip4:198.51.100.0/24 -all exp=why.%{d}")],
        "why.example.com": [txt("%{i} may not send for %{d}; see %{r}")],
    }
    result = check_host("192.0.2.1", "example.com", "a@example.com", "h", serve(zone))
    assert result.explanation == "192.0.2.1 may not send for example.com; see unknown"


def test_explanation_is_not_fetched_for_softfail(serve: Serve, dns_server: DictDnsServer) -> None:
    zone = {"example.com": [txt("v=spf1 ~all exp=why.example.com")]}
    result = check(serve, zone, "192.0.2.1")
    assert (result.result, result.explanation) == (SOFTFAIL, None)
    assert "why.example.com" not in {q.name for q in dns_server.queries}


def test_explanation_lookup_does_not_count_as_a_void_lookup(serve: Serve) -> None:
    zone = {"example.com": [txt("v=spf1 a:x1.example.com a:x2.example.com -all exp=x3.example")]}
    result = check(serve, zone, "192.0.2.1")
    assert (result.result, result.explanation) == (FAIL, None)


def test_t_macro_uses_the_injected_clock(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 -all exp=why.example.com")],
        "why.example.com": [txt("refused at %{t}")],
    }
    result = check_host(
        "192.0.2.1", "example.com", "", "h", serve(zone), clock=lambda: 1_700_000_000.9
    )
    assert result.explanation == "refused at 1700000000"


def test_empty_sender_becomes_postmaster_at_the_domain(serve: Serve) -> None:
    zone = {
        "example.com": [txt("v=spf1 exists:%{l}.%{o}.users.example.net -all")],
        "postmaster.example.com.users.example.net": [{"A": "127.0.0.2"}],
    }
    assert check_host("192.0.2.1", "example.com", "", "h", serve(zone)).result == PASS


def test_txt_timeout_is_a_temperror(serve: Serve) -> None:
    result = check(serve, {"example.com": ["TIMEOUT"]}, "192.0.2.1")
    assert result.result == TEMPERROR
    assert "example.com TXT" in (result.error or "")


def test_malformed_domain_is_none_without_a_query(serve: Serve, dns_server: DictDnsServer) -> None:
    result = check_host("192.0.2.1", "[192.0.2.1]", "a@[192.0.2.1]", "h", serve({}))
    assert result.result == NONE
    assert dns_server.queries == []


def test_invalid_client_ip_raises_value_error(serve: Serve) -> None:
    with pytest.raises(ValueError):
        check_host("192.0.2.300", "example.com", "", "h", serve({}))


def test_result_codes_are_the_rfc_names() -> None:
    assert [code.value for code in SpfResultCode] == [
        "pass",
        "fail",
        "softfail",
        "neutral",
        "none",
        "permerror",
        "temperror",
    ]
