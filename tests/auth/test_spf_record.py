"""The SPF record parser: RFC 7208 §4.5, §4.6, §5, §6 and §7.1, one behaviour per test."""

from __future__ import annotations

import contextlib
import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendlanes.auth.spf import (
    Mechanism,
    MechanismKind,
    Modifier,
    Qualifier,
    SpfSyntaxError,
    count_lookup_terms,
    is_spf_record,
    parse_spf_record,
)


def only_mechanism(text: str) -> Mechanism:
    record = parse_spf_record(f"v=spf1 {text}")
    (term,) = record.terms
    assert isinstance(term, Mechanism)
    return term


def syntax_error(text: str) -> SpfSyntaxError:
    with pytest.raises(SpfSyntaxError) as caught:
        parse_spf_record(text)
    return caught.value


# -- version and term separation --------------------------------------------------------


def test_version_tag_is_case_insensitive() -> None:
    assert parse_spf_record("V=SpF1 -all").mechanisms[0].kind is MechanismKind.ALL


def test_version_must_be_followed_by_a_space_or_the_end() -> None:
    assert is_spf_record("v=spf1")
    assert is_spf_record("v=spf1 -all")
    assert not is_spf_record("v=spf10")
    assert not is_spf_record("v=spf1mx")


def test_text_that_is_not_an_spf_record_is_a_syntax_error_citing_4_5() -> None:
    assert syntax_error("v=DMARC1; p=none").section == "4.5"


def test_empty_record_has_no_terms() -> None:
    assert parse_spf_record("v=spf1").terms == ()


def test_terms_may_be_separated_by_several_spaces_and_followed_by_spaces() -> None:
    record = parse_spf_record("v=spf1 a   mx -all  ")
    assert [m.kind for m in record.mechanisms] == ["a", "mx", "all"]


def test_a_tab_between_terms_is_a_syntax_error() -> None:
    error = syntax_error("v=spf1 a\t-all")
    assert error.term == "a\t-all"
    assert error.section == "4.6.1"


def test_non_ascii_term_is_a_syntax_error_shown_escaped() -> None:
    error = syntax_error("v=spf1 a:\ufeffgarbage.example.net -all")
    assert "\\ufeff" in str(error)


# -- qualifiers and mechanisms ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [("all", "+"), ("+all", "+"), ("-all", "-"), ("~all", "~"), ("?all", "?")],
)
def test_qualifier_defaults_to_pass(text: str, qualifier: str) -> None:
    assert only_mechanism(text).qualifier is Qualifier(qualifier)


def test_mechanism_names_are_case_insensitive() -> None:
    assert only_mechanism("Include:_spf.example.com").kind is MechanismKind.INCLUDE


def test_unknown_mechanism_is_a_syntax_error_naming_it() -> None:
    error = syntax_error("v=spf1 ip4:192.0.2.1 -all moo")
    assert error.term == "moo"
    assert "unknown mechanism 'moo'" in str(error)


def test_redirect_written_like_a_mechanism_is_an_error_that_says_so() -> None:
    assert "redirect is a modifier" in str(syntax_error("v=spf1 redirect:example.com"))


def test_all_takes_no_argument() -> None:
    assert syntax_error("v=spf1 -all:example.com").section == "5.1"
    assert syntax_error("v=spf1 -all/8").section == "5.1"


def test_include_needs_a_domain() -> None:
    assert syntax_error("v=spf1 include -all").section == "5.2"
    assert syntax_error("v=spf1 include: -all").section == "7.1"


def test_include_takes_no_cidr_length() -> None:
    syntax_error("v=spf1 include:_spf.example.com/24 -all")


def test_exists_needs_a_domain() -> None:
    assert syntax_error("v=spf1 exists").section == "5.7"


def test_ptr_target_is_optional_and_takes_no_cidr() -> None:
    assert only_mechanism("ptr").target is None
    target = only_mechanism("ptr:example.com").target
    assert target is not None and target.text == "example.com"
    assert syntax_error("v=spf1 ptr/24").section == "5.5"


# -- a and mx: domain-spec and dual CIDR --------------------------------------------------


def test_a_without_arguments_uses_full_prefixes() -> None:
    a = only_mechanism("a")
    assert (a.target, a.ip4_prefix, a.ip6_prefix) == (None, 32, 128)


def test_dual_cidr_length_sets_both_prefixes() -> None:
    a = only_mechanism("a/24//64")
    assert (a.ip4_prefix, a.ip6_prefix) == (24, 64)


def test_ip6_cidr_alone_keeps_the_ip4_default() -> None:
    mx = only_mechanism("mx//48")
    assert (mx.ip4_prefix, mx.ip6_prefix) == (32, 48)


def test_domain_and_cidr_are_separated() -> None:
    mx = only_mechanism("mx:mail.example.com/26")
    assert mx.target is not None and mx.target.text == "mail.example.com"
    assert mx.ip4_prefix == 26


def test_colon_and_slash_may_be_part_of_a_domain_spec() -> None:
    a = only_mechanism("a:foo:bar/baz.example.com")
    assert a.target is not None and a.target.text == "foo:bar/baz.example.com"
    assert a.ip4_prefix == 32


def test_single_slash_before_ip6_length_is_an_error() -> None:
    assert syntax_error("v=spf1 a/24/64 -all").section == "5.3"


@pytest.mark.parametrize("text", ["a/33", "mx//129", "a/024"])
def test_out_of_range_or_zero_padded_cidr_is_an_error(text: str) -> None:
    syntax_error(f"v=spf1 {text}")


# -- ip4 and ip6 ------------------------------------------------------------------------


def test_ip4_network_keeps_its_prefix_and_allows_host_bits() -> None:
    assert only_mechanism("ip4:192.0.2.77/24").network == ipaddress.ip_network("192.0.2.0/24")


def test_ip4_without_prefix_is_one_address() -> None:
    assert only_mechanism("ip4:192.0.2.1").network == ipaddress.ip_network("192.0.2.1/32")


@pytest.mark.parametrize(
    "text",
    [
        "ip4",
        "ip4:192.0.2",
        "ip4:192.0.2.1:25",
        "ip4:192.0.2.01",
        "ip4:192.0.2.1/33",
        "ip4:192.0.2.1/032",
        "ip4:192.0.2.1//32",
        "ip4:2001:db8::1",
    ],
)
def test_malformed_ip4_is_an_error_citing_5_6(text: str) -> None:
    assert syntax_error(f"v=spf1 {text} -all").section == "5.6"


def test_ip6_accepts_embedded_ipv4_notation() -> None:
    assert only_mechanism("ip6:::ffff:192.0.2.1").network == ipaddress.ip_network(
        "::ffff:192.0.2.1/128"
    )


@pytest.mark.parametrize(
    "text", ["ip6", "ip6::CAFE::BABE", "ip6:2001:db8::/129", "ip6:fe80::1%eth0", "ip6:::1//64"]
)
def test_malformed_ip6_is_an_error(text: str) -> None:
    syntax_error(f"v=spf1 {text}")


# -- domain-spec --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["museum", "museum.", "abc.123", "192.0.2.1", "example.-com", "foo-bar", "example.com:8080"],
)
def test_domain_spec_must_end_in_a_dot_and_a_top_label(target: str) -> None:
    assert syntax_error(f"v=spf1 a:{target}").section == "7.1"


@pytest.mark.parametrize(
    "target", ["example.com.", "foo.example.xn--zckzah", "%{d}", "_spf.%{d2}", "x.%{ir}.%{v}.arpa"]
)
def test_domain_spec_may_end_in_a_top_label_with_dot_or_a_macro(target: str) -> None:
    assert only_mechanism(f"include:{target}").target is not None


def test_ip4_written_as_a_domain_gets_a_hint() -> None:
    assert "ip4:" in str(syntax_error("v=spf1 a:192.0.2.1"))


@pytest.mark.parametrize("letter", ["c", "r", "t"])
def test_explanation_only_macro_letters_are_errors_in_a_domain_spec(letter: str) -> None:
    assert syntax_error(f"v=spf1 exists:%{{{letter}}}.example.com").section == "7.2"


@pytest.mark.parametrize(
    "target",
    ["%(ir).example.com", "foo%.example.com", "%{a}.example.com", "%{d.example.com", "%{d0}.x.com"],
)
def test_malformed_macro_is_an_error(target: str) -> None:
    syntax_error(f"v=spf1 exists:{target}")


# -- modifiers --------------------------------------------------------------------------


def test_redirect_and_exp_are_parsed_as_modifiers() -> None:
    record = parse_spf_record("v=spf1 exp=explain.%{d} redirect=_spf.example.com")
    assert record.redirect is not None and record.redirect.value.text == "_spf.example.com"
    assert record.explanation is not None and record.explanation.value.text == "explain.%{d}"


def test_modifier_names_are_case_insensitive() -> None:
    assert parse_spf_record("v=spf1 Redirect=_spf.example.com").redirect is not None


def test_unknown_modifiers_are_allowed() -> None:
    record = parse_spf_record("v=spf1 moo.cow-far_out=man:dog/cat -all")
    (modifier,) = record.modifiers
    assert isinstance(modifier, Modifier) and modifier.name == "moo.cow-far_out"


@pytest.mark.parametrize("term", ["1up=foo", "=all", "moo.cow/far_out=x", "moo.cow:far_out=x"])
def test_modifier_name_must_start_with_a_letter_and_hold_no_slash_or_colon(term: str) -> None:
    syntax_error(f"v=spf1 {term}")


def test_unknown_modifier_value_must_be_a_valid_macro_string() -> None:
    syntax_error("v=spf1 foo=%abc")


@pytest.mark.parametrize("name", ["redirect", "exp"])
def test_modifier_needs_a_domain(name: str) -> None:
    syntax_error(f"v=spf1 {name}=")


@pytest.mark.parametrize("name", ["redirect", "exp"])
def test_repeated_redirect_or_exp_is_an_error_citing_section_6(name: str) -> None:
    error = syntax_error(f"v=spf1 {name}=a.example.com {name}=b.example.com")
    assert error.term == f"{name}=b.example.com"
    assert error.section == "6"


# -- errors ---------------------------------------------------------------------------


def test_every_bad_term_is_reported_together() -> None:
    error = syntax_error("v=spf1 a:museum ip4:192.0.2 moo -all")
    assert [p.term for p in error.problems] == ["a:museum", "ip4:192.0.2", "moo"]
    assert str(error).count("RFC 7208 §") == 3


def test_error_message_names_the_term_and_the_rfc_section() -> None:
    assert str(syntax_error("v=spf1 ip4:192.0.2.1/33")) == (
        '"ip4:192.0.2.1/33": CIDR length /33 is more than 32 (RFC 7208 §5.6)'
    )


# -- lookup counting ------------------------------------------------------------------


def test_count_lookup_terms_counts_querying_mechanisms_and_redirect() -> None:
    record = parse_spf_record(
        "v=spf1 ip4:192.0.2.0/24 a mx ptr exists:%{i}.x.example include:_spf.example.net"
        " redirect=_spf.example.org"
    )
    assert count_lookup_terms(record) == 6


def test_count_lookup_terms_ignores_terms_after_all_and_an_overridden_redirect() -> None:
    record = parse_spf_record("v=spf1 a -all include:_spf.example.net redirect=_spf.example.org")
    assert count_lookup_terms(record) == 1


# -- properties -----------------------------------------------------------------------


@given(st.one_of(st.text(), st.text().map(lambda tail: "v=spf1 " + tail)))
@settings(max_examples=400)
def test_arbitrary_text_raises_nothing_but_spf_syntax_error(text: str) -> None:
    with contextlib.suppress(SpfSyntaxError):
        parse_spf_record(text)


NAMES = ["a", "mx", "ptr", "all", "include", "exists", "ip4", "ip6", "redirect", "exp", "x"]
PUNCTUATION = [":", "/", "//", "=", ".", "%", "{", "}", "-", "+", "~", "?", "\x00", "\u00e9"]
VALUES = ["0", "24", "129", "1.2.3.4", "::1", "example.com", "%{d}", "%{ir}", "%{L2r-}", "%_"]
TERM_PIECES = st.sampled_from([*NAMES, *PUNCTUATION, *VALUES, "%-", "%%"])


@given(st.lists(st.lists(TERM_PIECES, min_size=1, max_size=6).map("".join), max_size=8))
@settings(max_examples=250)
def test_records_built_from_spf_fragments_raise_nothing_but_spf_syntax_error(
    terms: list[str],
) -> None:
    try:
        record = parse_spf_record("v=spf1 " + " ".join(terms))
    except SpfSyntaxError as error:
        assert error.problems
    else:
        assert count_lookup_terms(record) <= len(record.terms)
