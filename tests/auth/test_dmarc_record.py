"""DMARC record text: RFC 9989 §4.7–4.8, with RFC 7489 differences reported."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendlanes.auth.dmarc import (
    AlignmentMode,
    DmarcParseError,
    DmarcRecord,
    DmarcSpec,
    DmarcStatus,
    FailureOption,
    Policy,
    PsdFlag,
    ReportUri,
    analyze_dmarc_record,
    format_dmarc_record,
    is_dmarc_record,
    parse_dmarc_record,
    parse_report_uri,
)

RUA = "mailto:dmarc@acme.example"


def test_every_rfc_9989_tag_is_parsed_into_typed_fields() -> None:
    record = parse_dmarc_record(
        "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; "
        "rua=mailto:agg@acme.example; ruf=mailto:fail@acme.example; fo=d:s; t=y; psd=n"
    )
    assert record == DmarcRecord(
        p=Policy.REJECT,
        sp=Policy.QUARANTINE,
        np=Policy.REJECT,
        adkim=AlignmentMode.STRICT,
        aspf=AlignmentMode.RELAXED,
        rua=(ReportUri("mailto:agg@acme.example", "mailto", "agg@acme.example", "acme.example"),),
        ruf=(ReportUri("mailto:fail@acme.example", "mailto", "fail@acme.example", "acme.example"),),
        fo=(FailureOption.DKIM, FailureOption.SPF),
        t=True,
        psd=PsdFlag.NO,
    )


def test_absent_tags_take_the_rfc_9989_defaults() -> None:
    record = parse_dmarc_record("v=DMARC1; p=quarantine")
    assert record.subdomain_policy is Policy.QUARANTINE
    assert record.nonexistent_policy is Policy.QUARANTINE
    assert record.dkim_alignment is AlignmentMode.RELAXED
    assert record.spf_alignment is AlignmentMode.RELAXED
    assert record.psd_flag is PsdFlag.UNKNOWN
    assert record.failure_options == (FailureOption.ALL_FAIL,)
    assert not record.testing


def test_np_falls_back_to_sp_before_p() -> None:
    record = parse_dmarc_record("v=DMARC1; p=reject; sp=none")
    assert record.nonexistent_policy is Policy.NONE


# -- version and syntax -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "v=DMARC2; p=none", "v=dmarc1; p=none", " v=DMARC1; p=none", "p=none; v=DMARC1"],
)
def test_record_not_starting_with_v_dmarc1_is_ignored_by_receivers(text: str) -> None:
    analysis = analyze_dmarc_record(text)
    assert analysis.status is DmarcStatus.INVALID
    assert analysis.record is None
    assert not is_dmarc_record(text)


def test_tag_names_and_keywords_are_case_insensitive_but_dmarc1_is_not() -> None:
    assert parse_dmarc_record("V=DMARC1; P=ReJeCt; ADKIM=S").adkim is AlignmentMode.STRICT
    assert parse_dmarc_record("V=DMARC1; P=ReJeCt").p is Policy.REJECT


def test_whitespace_around_separators_is_allowed() -> None:
    record = parse_dmarc_record(
        "v = DMARC1 ;\tp\t=\treject ; "
        "rua = mailto:a@acme.example , mailto:b@acme.example ; fo = d : s ;"
    )
    assert record.p is Policy.REJECT
    assert [uri.address for uri in record.rua] == ["a@acme.example", "b@acme.example"]
    assert record.fo == (FailureOption.DKIM, FailureOption.SPF)


def test_tag_without_a_value_is_a_syntax_error() -> None:
    with pytest.raises(DmarcParseError, match="not name=value"):
        parse_dmarc_record("v=DMARC1; p")


def test_duplicate_tag_invalidates_the_whole_record() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; p=reject; p=none")
    assert analysis.status is DmarcStatus.INVALID
    assert analysis.record is None
    assert "appears more than once" in analysis.errors[0]


def test_second_version_tag_suggests_two_records_run_together() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; p=reject; v=DMARC1; p=none")
    assert any("run together" in error for error in analysis.errors)


def test_unknown_tags_are_ignored_with_a_note() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; p=reject; xyz=1")
    assert analysis.status is DmarcStatus.VALID
    assert analysis.notes == ("unknown tag xyz= ignored (RFC 9989 §4.7)",)


def test_empty_tag_between_separators_is_only_a_warning() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; p=reject;; adkim=s")
    assert analysis.status is DmarcStatus.VALID
    assert any("empty" in warning for warning in analysis.warnings)


def test_non_ascii_in_a_value_is_an_error() -> None:
    with pytest.raises(DmarcParseError, match=r"U\+00E9"):
        parse_dmarc_record("v=DMARC1; p=reject; rua=mailto:caf\u00e9@acme.example")


def test_all_errors_are_reported_together() -> None:
    with pytest.raises(DmarcParseError) as raised:
        parse_dmarc_record("v=DMARC1; p=reject; adkim=x; aspf=y; t=maybe; psd=q")
    assert len(raised.value.problems) == 4


# -- policies and the p=none fallback ---------------------------------------------------


def test_missing_p_means_none_with_a_warning_for_rfc_7489_receivers() -> None:
    analysis = analyze_dmarc_record(f"v=DMARC1; rua={RUA}")
    assert analysis.status is DmarcStatus.VALID
    assert analysis.record is not None and analysis.record.p is Policy.NONE
    assert any("RFC 7489 receivers require p=" in warning for warning in analysis.warnings)


def test_p_after_other_tags_is_valid_but_warned_about() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; sp=none; p=reject")
    assert analysis.status is DmarcStatus.VALID
    assert any("right after v=" in warning for warning in analysis.warnings)


def test_invalid_p_with_a_valid_rua_falls_back_to_p_none() -> None:
    analysis = analyze_dmarc_record(f"v=DMARC1; p=rejected; rua={RUA}")
    assert analysis.status is DmarcStatus.INVALID
    assert analysis.downgraded
    assert analysis.record is not None and analysis.record.p is Policy.NONE
    assert any("act as if p=none" in error for error in analysis.errors)


def test_invalid_sp_with_a_valid_rua_also_drops_the_valid_p_to_none() -> None:
    analysis = analyze_dmarc_record(f"v=DMARC1; p=reject; sp=strict; rua={RUA}")
    assert analysis.downgraded
    assert analysis.record is not None
    assert (analysis.record.p, analysis.record.sp) == (Policy.NONE, None)


def test_invalid_policy_without_a_usable_rua_disables_dmarc() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; p=reject; np=bogus")
    assert analysis.status is DmarcStatus.INVALID
    assert analysis.record is None and not analysis.downgraded
    assert any("no DMARC processing" in error for error in analysis.errors)


def test_invalid_alignment_keeps_the_record_with_the_default() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; p=reject; adkim=x")
    assert analysis.status is DmarcStatus.INVALID
    assert analysis.record is not None
    assert analysis.record.p is Policy.REJECT and analysis.record.adkim is None


# -- tags removed by RFC 9989 -----------------------------------------------------------


@pytest.mark.parametrize("tag", ["pct=100", "rf=afrf", "ri=86400"])
def test_rfc_7489_only_tags_are_warnings(tag: str) -> None:
    analysis = analyze_dmarc_record(f"v=DMARC1; p=reject; {tag}")
    assert analysis.status is DmarcStatus.VALID
    assert len(analysis.warnings) == 1
    assert "removed in RFC 9989" in analysis.warnings[0]


def test_removed_tag_with_a_bad_value_warns_that_old_receivers_reject_it() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; p=reject; pct=150")
    assert analysis.status is DmarcStatus.VALID
    assert "RFC 7489 receivers reject it" in analysis.warnings[0]


def test_rfc_7489_judges_removed_tags_as_errors() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; p=reject; pct=150", DmarcSpec.RFC7489)
    assert analysis.status is DmarcStatus.INVALID
    assert analysis.errors == ("pct=150 is not an integer 0-100 (RFC 7489 §6.3)",)


def test_rfc_7489_requires_p_right_after_v() -> None:
    assert analyze_dmarc_record("v=DMARC1; sp=none; p=reject", DmarcSpec.RFC7489).errors
    analysis = analyze_dmarc_record(f"v=DMARC1; rua={RUA}", DmarcSpec.RFC7489)
    assert analysis.downgraded and analysis.errors[0].startswith("p= is missing")


def test_rfc_7489_does_not_know_the_rfc_9989_tags() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; p=reject; np=bogus; psd=q", DmarcSpec.RFC7489)
    assert analysis.status is DmarcStatus.VALID
    assert len(analysis.notes) == 2


# -- failure options --------------------------------------------------------------------


def test_fo_zero_and_one_are_mutually_exclusive_in_rfc_9989() -> None:
    assert analyze_dmarc_record("v=DMARC1; p=none; fo=0:1").status is DmarcStatus.INVALID
    assert analyze_dmarc_record("v=DMARC1; p=none; fo=d:d").status is DmarcStatus.INVALID
    rfc7489 = analyze_dmarc_record("v=DMARC1; p=none; fo=0:1:1", DmarcSpec.RFC7489)
    assert rfc7489.status is DmarcStatus.VALID


def test_fo_without_ruf_gets_a_note() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; p=none; fo=1")
    assert analysis.notes == ("fo= has no effect without ruf= (RFC 9989 §4.7)",)


# -- report URIs ------------------------------------------------------------------------


def test_mailto_uri_yields_its_address_and_domain() -> None:
    uri = parse_report_uri("MAILTO:Reports@ACME.Example.")
    assert (uri.scheme, uri.address, uri.domain) == (
        "mailto",
        "Reports@acme.example",
        "acme.example",
    )


def test_percent_encoded_mailto_address_is_decoded() -> None:
    assert parse_report_uri("mailto:d%2Bmarc@acme.example").address == "d+marc@acme.example"


@pytest.mark.parametrize(
    ("suffix", "octets"),
    [("1", 1), ("10k", 10240), ("10m", 10 * 2**20), ("2G", 2 * 2**30), ("1t", 2**40)],
)
def test_size_suffix_units_are_powers_of_1024(suffix: str, octets: int) -> None:
    uri = parse_report_uri(f"mailto:dmarc@acme.example!{suffix}")
    assert uri.size_limit == octets
    assert str(uri) == f"mailto:dmarc@acme.example!{suffix}"


def test_size_suffix_is_obsolete_in_rfc_9989() -> None:
    analysis = analyze_dmarc_record(f"v=DMARC1; p=none; rua={RUA}!10m")
    assert analysis.status is DmarcStatus.VALID
    assert any("obsolete" in warning for warning in analysis.warnings)


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("dmarc@acme.example", "needs a scheme"),
        ("__mailto:dmarc@acme.example", "needs a scheme"),
        ("mailto://acme.example", "needs an address"),
        ("mailto:dmarc@acme.example!am", "size suffix"),
        ("mailto:dmarc@-acme.example", "not a valid domain"),
        ("mailto:dm arc@acme.example", "percent-encoded"),
        ("mailto:dm..arc@acme.example", "not a valid local part"),
    ],
)
def test_bad_report_uris_are_errors_that_name_the_uri(uri: str, problem: str) -> None:
    with pytest.raises(DmarcParseError, match=problem) as raised:
        parse_report_uri(uri)
    assert repr(uri) in str(raised.value)
    analysis = analyze_dmarc_record(f"v=DMARC1; p=reject; rua={uri},{RUA}")
    assert analysis.status is DmarcStatus.INVALID
    # The good URI still gets reports: receivers ignore only the broken one.
    assert analysis.record is not None and [u.uri for u in analysis.record.rua] == [RUA]


def test_other_uri_schemes_are_valid_but_warned_about() -> None:
    analysis = analyze_dmarc_record("v=DMARC1; p=none; rua=https://reports.acme.example/dmarc")
    assert analysis.status is DmarcStatus.VALID
    assert "not mailto:" in analysis.warnings[0]


# -- format_dmarc_record ----------------------------------------------------------------


def test_format_writes_tags_in_the_fixed_order() -> None:
    record = DmarcRecord(
        p=Policy.REJECT,
        t=False,
        fo=(FailureOption.ANY_FAIL,),
        ruf=(parse_report_uri("mailto:f@acme.example"),),
        rua=(parse_report_uri(RUA), parse_report_uri("mailto:x@report.example!10m")),
        aspf=AlignmentMode.STRICT,
        adkim=AlignmentMode.RELAXED,
        np=Policy.REJECT,
        sp=Policy.QUARANTINE,
    )
    assert format_dmarc_record(record) == (
        "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=r; aspf=s; "
        f"rua={RUA},mailto:x@report.example!10m; ruf=mailto:f@acme.example; fo=1; t=n"
    )


def test_format_of_a_default_record_is_the_minimal_record() -> None:
    assert format_dmarc_record(DmarcRecord()) == "v=DMARC1; p=none"


def test_format_normalizes_case_and_spacing() -> None:
    messy = "V = DMARC1;P=Reject;  ADKIM=S ; psd=N"
    assert format_dmarc_record(parse_dmarc_record(messy)) == "v=DMARC1; p=reject; adkim=s; psd=n"


_TAG_VALUES = {
    "p": ["none", "quarantine", "reject", "Reject", "bogus"],
    "sp": ["none", "reject", "x"],
    "np": ["quarantine", "?"],
    "adkim": ["r", "s", "q"],
    "aspf": ["r", "S"],
    "rua": [RUA, f"{RUA}!10m", f"{RUA},mailto:b@other.example", "ftp://x", "bob", "mailto:"],
    "ruf": [RUA, "mailto://x"],
    "fo": ["0", "1", "d:s", "0:1", "x"],
    "t": ["y", "n", "maybe"],
    "psd": ["y", "n", "u", "?"],
    "pct": ["100", "500"],
    "ri": ["86400", "x"],
    "rf": ["afrf", "iodef"],
    "zz": ["1"],
}
_DMARCISH = st.lists(
    st.sampled_from(sorted(_TAG_VALUES)).flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.sampled_from(["=", " = "]),
            st.one_of(st.sampled_from(_TAG_VALUES[name]), st.text(max_size=8)),
        ).map("".join)
    ),
    max_size=8,
).map(lambda tags: "; ".join(["v=DMARC1", *tags]))


@given(_DMARCISH)
def test_valid_records_round_trip_through_the_canonical_form(text: str) -> None:
    analysis = analyze_dmarc_record(text)
    if analysis.status is DmarcStatus.VALID:
        assert analysis.record is not None
        assert parse_dmarc_record(format_dmarc_record(analysis.record)) == analysis.record


@given(st.one_of(st.text(), _DMARCISH))
def test_arbitrary_text_never_raises_anything_but_the_parse_error(text: str) -> None:
    for spec in DmarcSpec:
        analysis = analyze_dmarc_record(text, spec)
        assert (analysis.status is DmarcStatus.INVALID) == bool(analysis.errors)
        try:
            record = parse_dmarc_record(text, spec)
        except DmarcParseError as error:
            assert error.problems == analysis.errors
        else:
            assert record == analysis.record


@given(st.text())
def test_arbitrary_uri_text_never_raises_anything_but_the_parse_error(text: str) -> None:
    try:
        uri = parse_report_uri(text)
    except DmarcParseError as error:
        assert error.problems
    else:
        assert uri.scheme
