"""Macro strings (RFC 7208 §7): the RFC's own examples (§7.4) and the expansion rules."""

from __future__ import annotations

import pytest

from sendlanes.auth.spf_macro import (
    MacroSyntaxError,
    expand,
    expand_domain,
    parse_domain_spec,
    parse_explanation,
    parse_macro_string,
)

# RFC 7208 §7.4: sender strong-bad@email.example.com, client 192.0.2.3.
VALUES = {
    "s": "strong-bad@email.example.com",
    "l": "strong-bad",
    "o": "email.example.com",
    "d": "email.example.com",
    "i": "192.0.2.3",
    "v": "in-addr",
    "h": "mx.example.org",
    "c": "192.0.2.3",
    "r": "receiver.example.net",
    "t": "1700000000",
    "p": "mx.example.org",
}


def expanded(text: str, values: dict[str, str] = VALUES) -> str:
    return expand_domain(parse_domain_spec(text), values.__getitem__)


@pytest.mark.parametrize(
    ("macro", "expansion"),
    [
        ("%{s}.x.example", "strong-bad@email.example.com.x.example"),
        ("%{o}", "email.example.com"),
        ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}.x.example", "strong-bad.x.example"),
        ("%{l-}.x.example", "strong.bad.x.example"),
        ("%{lr}.x.example", "strong-bad.x.example"),
        ("%{lr-}.x.example", "bad.strong.x.example"),
        ("%{l1r-}.x.example", "strong.x.example"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
        ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
        ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
    ],
)
def test_rfc_7208_section_7_4_examples(macro: str, expansion: str) -> None:
    assert expanded(macro) == expansion


def test_several_delimiters_split_together() -> None:
    values = {**VALUES, "l": "foo-bar+zip+quux"}
    assert expanded("%{l2r+-}.user.%{d2}", values) == "bar.foo.user.example.com"


def test_uppercase_letter_is_url_escaped() -> None:
    values = {**VALUES, "l": "~jack&jill=up-a_b3.c"}
    text = parse_explanation("why.html?l=%{L}")
    assert expand(text, values.__getitem__) == "why.html?l=~jack%26jill%3Dup-a_b3.c"


def test_escapes_give_percent_space_and_encoded_space() -> None:
    assert expanded("macro%%percent%_%_space%-url-space.example.com") == (
        "macro%percent  space%20url-space.example.com"
    )


def test_trailing_dot_is_dropped_from_a_domain() -> None:
    assert expanded("%{d}.d.spf.example.com.") == "email.example.com.d.spf.example.com"


def test_trailing_dot_is_kept_in_explanation_text() -> None:
    assert expand(parse_explanation("This is a test."), VALUES.__getitem__) == "This is a test."


def test_long_expansion_loses_labels_from_the_left_until_253_characters() -> None:
    values = {**VALUES, "o": "somewhat.long.exp.example.com"}
    name = expanded("foobar." + "%{o}." * 8 + "example.com", values)
    assert len(name) <= 253
    assert name == ("somewhat.long.exp.example.com." * 8) + "example.com"


def test_explanation_text_may_hold_spaces_and_c_r_t() -> None:
    text = parse_explanation("%{c} is not allowed by %{r} at %{t}")
    assert expand(text, VALUES.__getitem__) == (
        "192.0.2.3 is not allowed by receiver.example.net at 1700000000"
    )


def test_explanation_text_must_be_ascii() -> None:
    with pytest.raises(MacroSyntaxError):
        parse_explanation("\ufeffExplanation")


def test_unknown_modifier_values_may_be_empty_or_use_any_letter() -> None:
    assert parse_macro_string("").tokens == ()
    assert parse_macro_string("%{r}").letters == {"r"}


@pytest.mark.parametrize("text", ["%", "%x", "%{", "%{d", "%{q}", "%{d0}", "%{d!}"])
def test_malformed_macros_are_errors(text: str) -> None:
    with pytest.raises(MacroSyntaxError):
        parse_macro_string(text)
