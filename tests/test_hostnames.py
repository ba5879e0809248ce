"""Host names: one validator for config fields and command-line arguments."""

from __future__ import annotations

import pytest

from sendlanes.config.load import parse_stack_config
from sendlanes.errors import UsageError
from sendlanes.lanes.hostnames import domain_name, host_name, relative_name, server_host
from tests.support.pulumi_mocks import PROJECT_ROOT

PROD_TEXT = (PROJECT_ROOT / "Pulumi.prod.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("given", "a_labels"),
    [
        ("acme.example", "acme.example"),
        ("Acme.Example.", "acme.example"),
        ("bücher.test", "xn--bcher-kva.test"),
        ("BÜCHER.test", "xn--bcher-kva.test"),
        ("Straße.example", "xn--strae-oqa.example"),
        ("xn--bcher-kva.test", "xn--bcher-kva.test"),
        ("123.example", "123.example"),
    ],
)
def test_domains_come_out_as_lower_case_a_labels(given: str, a_labels: str) -> None:
    assert domain_name(given) == a_labels


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("192.0.2.1", "is an IP address, not a domain name"),
        ("2001:db8::1", "is an IP address"),
        ("[192.0.2.1]", "is an IP address"),
        ("acme.123", "the last label '123' is all digits"),
        ("xn--zz.example", "label 'xn--zz' is an invalid A-label"),
        ("xn--ls8h.example", "label 'xn--ls8h' is an invalid A-label"),
        ("\N{PILE OF POO}.example", "is not IDNA 2008"),
        ("acme.\N{GRINNING FACE}", "is not IDNA 2008"),
        ("a" * 64 + ".example", "is 64 octets (max 63"),
        (".".join(["a" * 63] * 4), "is 255 octets (max 253"),
        ("acme..example", "has an empty label"),
        ("-acme.example", "inner hyphens"),
        ("acme_x.example", "inner hyphens"),
        ("acme", "at least two labels"),
        ("", "non-empty"),
    ],
)
def test_names_that_are_not_domains_are_refused_with_the_reason(given: str, reason: str) -> None:
    with pytest.raises(ValueError, match="") as raised:
        domain_name(given)
    assert reason in str(raised.value)


def test_a_host_may_be_one_label_but_not_a_number() -> None:
    assert host_name("localhost") == "localhost"
    with pytest.raises(ValueError, match="all digits"):
        host_name("123")


def test_relative_names_may_end_in_digits_and_selectors_hold_underscores() -> None:
    assert relative_name("em5945") == "em5945"
    assert relative_name("2024") == "2024"
    assert relative_name("s1._domainkey", allow_underscore=True) == "s1._domainkey"
    assert relative_name("Post.Bücher") == "post.xn--bcher-kva"
    with pytest.raises(ValueError, match="invalid A-label"):
        relative_name("xn--zz")


@pytest.mark.parametrize(
    "domain", ["192.0.2.1", "acme.123", "xn--zz.example", "\N{GRINNING FACE}.example"]
)
def test_a_brand_domain_that_is_not_a_domain_is_a_config_error(domain: str) -> None:
    text = PROD_TEXT.replace("domain: acme.example", f"domain: '{domain}'", 1)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.strip().startswith("domain:"))
    with pytest.raises(UsageError) as raised:
        parse_stack_config(text, "s.yaml")
    (problem,) = raised.value.lines()
    assert problem.startswith(f"s.yaml:{line}: brands[0].domain: ")


def test_a_unicode_brand_domain_is_planned_in_a_labels() -> None:
    text = PROD_TEXT.replace("domain: acme.example", "domain: bücher.test", 1)
    text = text.replace("mailto:dmarc@acme.example", "mailto:dmarc@xn--bcher-kva.test")
    config = parse_stack_config(text, "s.yaml")
    assert config.brands[0].domain == "xn--bcher-kva.test"


def test_a_server_may_be_an_ip_address_but_a_domain_may_not() -> None:
    assert server_host("127.0.0.1") == "127.0.0.1"
    assert server_host("[2001:DB8::1]") == "2001:db8::1"
    assert server_host("SMTP.Bücher.test") == "smtp.xn--bcher-kva.test"
    with pytest.raises(ValueError, match="all digits"):
        server_host("mail.123")
    with pytest.raises(ValueError, match="is an IP address"):
        host_name("127.0.0.1")
