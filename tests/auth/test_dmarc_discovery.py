"""DMARC over DNS: the RFC 9989 §4.10 Tree Walk, policy discovery, alignment and external
report authorization, against a small in-test DNS (the real-server tests live with
``sendlanes verify``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pytest

from sendlanes.auth.dmarc import (
    MAX_TREE_WALK_QUERIES,
    AlignmentMode,
    AuthorizationStatus,
    DiscoveryStatus,
    Policy,
    PolicySource,
    check_report_authorization,
    discover_policy,
    is_aligned,
    organizational_domain,
    tree_walk,
    tree_walk_targets,
)
from sendlanes.dns.resolver import DnsLookup, DnsTemporaryError, MxHost, NxDomain


@dataclass
class ZoneDns:
    """A :class:`DnsLookup` answering from dicts, with RFC 8020 existence: a name exists when
    it or a name below it has data (empty non-terminals answer NODATA, not NXDOMAIN).
    Names in *failing* time out. Every question is logged in *queries*."""

    txt_records: Mapping[str, Sequence[str]] = field(default_factory=dict)
    a_records: Mapping[str, Sequence[str]] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    queries: list[tuple[str, str]] = field(default_factory=list)

    def _answer(
        self, table: Mapping[str, Sequence[str]], name: str, rdtype: str
    ) -> tuple[str, ...]:
        self.queries.append((rdtype, name))
        if name in self.failing:
            raise DnsTemporaryError(name, rdtype, "timeout (test)")
        if name in table:
            return tuple(table[name])
        names = [*self.txt_records, *self.a_records]
        if any(known == name or known.endswith(f".{name}") for known in names):
            return ()
        raise NxDomain(name, rdtype)

    def txt(self, name: str) -> tuple[str, ...]:
        return self._answer(self.txt_records, name, "TXT")

    def a(self, name: str) -> tuple[str, ...]:
        return self._answer(self.a_records, name, "A")

    def aaaa(self, name: str) -> tuple[str, ...]:
        return self._answer({}, name, "AAAA")

    def mx(self, name: str) -> tuple[MxHost, ...]:
        self._answer({}, name, "MX")
        return ()

    def ptr(self, address: str) -> tuple[str, ...]:
        return self._answer({}, address, "PTR")

    def cname(self, name: str) -> str | None:
        self._answer({}, name, "CNAME")
        return None

    @property
    def txt_names(self) -> list[str]:
        return [name for rdtype, name in self.queries if rdtype == "TXT"]


def _conforms(lookup: DnsLookup) -> DnsLookup:
    return lookup  # `mypy --strict tests/auth` checks here that ZoneDns is a DnsLookup


ORG = "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@acme.example"


# -- the walk ---------------------------------------------------------------------------


def test_deep_name_walk_asks_the_rfc_9989_eight_names() -> None:
    assert tree_walk_targets("a.b.c.d.e.f.g.h.i.j.mail.example.com") == (
        "a.b.c.d.e.f.g.h.i.j.mail.example.com",
        "g.h.i.j.mail.example.com",
        "h.i.j.mail.example.com",
        "i.j.mail.example.com",
        "j.mail.example.com",
        "mail.example.com",
        "example.com",
        "com",
    )


def test_short_name_walk_removes_one_label_at_a_time_up_to_the_tld() -> None:
    assert tree_walk_targets("a.mail.example.com") == (
        "a.mail.example.com",
        "mail.example.com",
        "example.com",
        "com",
    )


def test_walk_never_makes_more_than_eight_queries() -> None:
    dns = ZoneDns()
    walk = tree_walk("x." * 40 + "example.com", _conforms(dns))
    assert len(dns.queries) == MAX_TREE_WALK_QUERIES == len(walk.queried)
    assert walk.queried[-1] == "_dmarc.com"


def test_walk_stops_at_a_psd_flag() -> None:
    dns = ZoneDns({"_dmarc.mail.example.com": ["v=DMARC1; p=none; psd=n"]})
    walk = tree_walk("a.b.mail.example.com", dns)
    assert dns.txt_names == [
        "_dmarc.a.b.mail.example.com",
        "_dmarc.b.mail.example.com",
        "_dmarc.mail.example.com",
    ]
    assert walk.organizational_domain == "mail.example.com"


def test_non_dmarc_txt_records_at_dmarc_names_are_skipped() -> None:
    dns = ZoneDns({"_dmarc.example.com": ["v=spf1 -all", "google-site-verification=x", ORG]})
    assert [found.domain for found in tree_walk("example.com", dns).records] == ["example.com"]


def test_several_dmarc_records_at_one_name_are_all_discarded_and_reported() -> None:
    dns = ZoneDns(
        {"_dmarc.mail.example.com": [ORG, "v=DMARC1; p=none"], "_dmarc.example.com": [ORG]}
    )
    walk = tree_walk("mail.example.com", dns)
    assert [found.domain for found in walk.records] == ["example.com"]
    assert "2 DMARC records" in walk.problems[0]


# -- Organizational Domain (RFC 9989 §4.10.2 and Appendix B.4) -------------------------


def test_organizational_domain_is_the_shortest_name_with_a_record() -> None:
    dns = ZoneDns({"_dmarc.mail.example.com": [ORG], "_dmarc.example.com": [ORG]})
    assert organizational_domain("a.mail.example.com", dns) == "example.com"


def test_psd_n_makes_its_domain_the_organizational_domain() -> None:
    dns = ZoneDns(
        {"_dmarc.mail.example.com": ["v=DMARC1; p=none; psd=n"], "_dmarc.example.com": [ORG]}
    )
    assert organizational_domain("a.mail.example.com", dns) == "mail.example.com"


def test_psd_y_makes_the_name_one_label_below_it_the_organizational_domain() -> None:
    dns = ZoneDns({"_dmarc.com": ["v=DMARC1; p=reject; psd=y"]})
    assert organizational_domain("a.mail.example.com", dns) == "example.com"


def test_bank_example_of_rfc_9989_appendix_b_4_3() -> None:
    dns = ZoneDns(
        {
            "_dmarc.bank.example": ["v=DMARC1; p=reject; psd=y"],
            "_dmarc.giant.bank.example": ["v=DMARC1; p=quarantine"],
        }
    )
    assert organizational_domain("giant.bank.example", dns) == "giant.bank.example"
    assert organizational_domain("mail.giant.bank.example", dns) == "giant.bank.example"
    assert organizational_domain("mail.mega.bank.example", dns) == "mega.bank.example"


def test_psd_y_at_the_starting_name_leaves_it_its_own_organizational_domain() -> None:
    dns = ZoneDns({"_dmarc.bank.example": ["v=DMARC1; p=reject; psd=y"]})
    assert organizational_domain("bank.example", dns) == "bank.example"


def test_name_with_no_record_anywhere_is_its_own_organizational_domain() -> None:
    assert organizational_domain("Mail.Example.COM.", ZoneDns()) == "mail.example.com"


def test_organizational_domain_raises_on_dns_failure_rather_than_guess() -> None:
    dns = ZoneDns({"_dmarc.example.com": [ORG]}, failing={"_dmarc.example.com"})
    with pytest.raises(DnsTemporaryError):
        organizational_domain("mail.example.com", dns)


# -- policy discovery (RFC 9989 §4.10.1) ------------------------------------------------


def test_record_at_the_sending_name_applies_with_its_p() -> None:
    dns = ZoneDns(
        {"_dmarc.receipts.acme.example": ["v=DMARC1; p=reject"], "_dmarc.acme.example": [ORG]}
    )
    found = discover_policy("receipts.acme.example", dns)
    assert (found.status, found.policy, found.policy_source) == (
        DiscoveryStatus.FOUND,
        Policy.REJECT,
        PolicySource.P,
    )
    assert found.record_domain == "receipts.acme.example"
    assert found.organizational_domain == "acme.example"


def test_existing_subdomain_without_a_record_gets_the_organizational_sp() -> None:
    dns = ZoneDns({"_dmarc.acme.example": [ORG]}, a_records={"mail.acme.example": ["192.0.2.1"]})
    found = discover_policy("mail.acme.example", dns)
    assert (found.policy, found.policy_source) == (Policy.QUARANTINE, PolicySource.SP)
    assert (found.record_domain, found.record_text) == ("acme.example", ORG)
    assert ("A", "mail.acme.example") not in dns.queries  # no np=: existence does not matter


def test_non_existent_subdomain_gets_np() -> None:
    dns = ZoneDns({"_dmarc.acme.example": ["v=DMARC1; p=none; sp=quarantine; np=reject"]})
    found = discover_policy("typo.acme.example", dns)
    assert (found.policy, found.policy_source) == (Policy.REJECT, PolicySource.NP)


def test_existing_subdomain_gets_sp_even_when_np_is_set() -> None:
    dns = ZoneDns(
        {"_dmarc.acme.example": ["v=DMARC1; p=none; sp=quarantine; np=reject"]},
        a_records={"mail.acme.example": []},  # exists, but has no A record (NODATA)
    )
    found = discover_policy("mail.acme.example", dns)
    assert (found.policy, found.policy_source) == (Policy.QUARANTINE, PolicySource.SP)


def test_records_between_the_name_and_the_organizational_domain_do_not_apply() -> None:
    dns = ZoneDns(
        {"_dmarc.eu.acme.example": ["v=DMARC1; p=none; sp=none"], "_dmarc.acme.example": [ORG]}
    )
    found = discover_policy("shop.eu.acme.example", dns)
    assert (found.record_domain, found.policy) == ("acme.example", Policy.QUARANTINE)


def test_public_suffix_record_applies_when_the_organizational_domain_has_none() -> None:
    dns = ZoneDns({"_dmarc.bank.example": ["v=DMARC1; p=reject; sp=quarantine; psd=y"]})
    found = discover_policy("mail.giant.bank.example", dns)
    assert found.organizational_domain == "giant.bank.example"
    assert (found.record_domain, found.policy) == ("bank.example", Policy.QUARANTINE)


def test_public_suffix_record_does_not_apply_when_the_organizational_domain_has_one() -> None:
    dns = ZoneDns(
        {
            "_dmarc.bank.example": ["v=DMARC1; p=reject; psd=y"],
            "_dmarc.giant.bank.example": ["v=DMARC1; p=none"],
        }
    )
    found = discover_policy("mail.giant.bank.example", dns)
    assert (found.record_domain, found.policy) == ("giant.bank.example", Policy.NONE)


def test_no_record_anywhere_means_dmarc_does_not_apply() -> None:
    found = discover_policy("receipts.acme.example", ZoneDns())
    assert (found.status, found.policy, found.record) == (DiscoveryStatus.NONE, None, None)
    assert found.organizational_domain == "receipts.acme.example"
    assert len(found.queried) == 3


def test_dns_timeout_is_an_error_never_a_policy() -> None:
    dns = ZoneDns({"_dmarc.acme.example": [ORG]}, failing={"_dmarc.acme.example"})
    found = discover_policy("mail.acme.example", dns)
    assert found.status is DiscoveryStatus.ERROR
    assert found.policy is None
    assert found.error is not None and "_dmarc.acme.example" in found.error


def test_dns_timeout_on_the_existence_check_is_an_error() -> None:
    dns = ZoneDns(
        {"_dmarc.acme.example": ["v=DMARC1; p=none; np=reject"]}, failing={"mail.acme.example"}
    )
    found = discover_policy("mail.acme.example", dns)
    assert (found.status, found.policy, found.record_domain) == (
        DiscoveryStatus.ERROR,
        None,
        "acme.example",
    )


def test_unusable_record_at_the_name_disables_dmarc_instead_of_falling_back() -> None:
    dns = ZoneDns({"_dmarc.mail.acme.example": ["v=DMARC1; p=bogus"], "_dmarc.acme.example": [ORG]})
    found = discover_policy("mail.acme.example", dns)
    assert (found.status, found.record_domain, found.policy) == (
        DiscoveryStatus.INVALID,
        "mail.acme.example",
        None,
    )
    assert any("p=bogus" in problem for problem in found.problems)


def test_invalid_policy_with_rua_is_found_with_the_p_none_fallback() -> None:
    dns = ZoneDns({"_dmarc.acme.example": ["v=DMARC1; p=bogus; rua=mailto:d@acme.example"]})
    found = discover_policy("acme.example", dns)
    assert (found.status, found.policy) == (DiscoveryStatus.FOUND, Policy.NONE)
    assert found.analysis is not None and found.analysis.downgraded


def test_duplicate_records_at_the_name_fall_back_to_the_organizational_domain() -> None:
    dns = ZoneDns(
        {
            "_dmarc.mail.acme.example": ["v=DMARC1; p=reject", "v=DMARC1; p=none"],
            "_dmarc.acme.example": [ORG],
        },
        a_records={"mail.acme.example": ["192.0.2.1"]},
    )
    found = discover_policy("mail.acme.example", dns)
    assert (found.record_domain, found.policy_source) == ("acme.example", PolicySource.SP)
    assert "discard all" in found.problems[0]


def test_testing_flag_enforces_one_level_below_the_policy() -> None:
    dns = ZoneDns({"_dmarc.acme.example": ["v=DMARC1; p=reject; t=y"]})
    found = discover_policy("acme.example", dns)
    assert (found.policy, found.enforced_policy) == (Policy.REJECT, Policy.QUARANTINE)


def test_malformed_name_is_an_error() -> None:
    found = discover_policy("bad..example", ZoneDns())
    assert found.status is DiscoveryStatus.ERROR and "label" in (found.error or "")


# -- alignment --------------------------------------------------------------------------


ALIGNMENT_DNS = ZoneDns(
    {
        "_dmarc.acme.example": [ORG],
        "_dmarc.eu.acme.example": ["v=DMARC1; p=none; psd=n"],
    }
)


def _org(name: str) -> str:
    return organizational_domain(name, ALIGNMENT_DNS)


@pytest.mark.parametrize(
    ("author", "identifier", "mode", "aligned"),
    [
        ("acme.example", "ACME.example.", AlignmentMode.STRICT, True),
        ("acme.example", "mail.acme.example", AlignmentMode.STRICT, False),
        ("news.acme.example", "bounce.acme.example", AlignmentMode.RELAXED, True),
        ("news.acme.example", "acme.example", AlignmentMode.RELAXED, True),
        ("news.acme.example", "acme.example.net", AlignmentMode.RELAXED, False),
        ("shop.eu.acme.example", "acme.example", AlignmentMode.RELAXED, False),
        ("shop.eu.acme.example", "mail.eu.acme.example", AlignmentMode.RELAXED, True),
    ],
)
def test_alignment_is_equality_or_the_same_organizational_domain(
    author: str, identifier: str, mode: AlignmentMode, aligned: bool
) -> None:
    assert is_aligned(author, identifier, mode, _org) is aligned


def test_relaxed_alignment_raises_when_dns_fails() -> None:
    dns = ZoneDns(failing={"_dmarc.b.acme.example"})
    with pytest.raises(DnsTemporaryError):
        is_aligned(
            "a.acme.example",
            "b.acme.example",
            AlignmentMode.RELAXED,
            lambda name: organizational_domain(name, dns),
        )


# -- external report destinations (RFC 9990 §3, RFC 7489 §7.1) ------------------------


REPORTS = {"_dmarc.acme.example": [ORG], "_dmarc.reports.example": ["v=DMARC1; p=reject"]}


def test_destination_in_the_same_organizational_domain_needs_no_authorization() -> None:
    dns = ZoneDns(REPORTS)
    result = check_report_authorization("mail.acme.example", "acme.example", dns)
    assert result.status is AuthorizationStatus.NOT_REQUIRED
    assert not any("_report" in name for name in dns.txt_names)


def test_external_destination_is_authorized_by_its_report_record() -> None:
    name = "mail.acme.example._report._dmarc.reports.example"
    dns = ZoneDns({**REPORTS, name: ["v=DMARC1;"]})
    result = check_report_authorization("mail.acme.example", "reports.example", dns)
    assert (result.status, result.query_name) == (AuthorizationStatus.AUTHORIZED, name)


def test_external_destination_without_the_record_is_unauthorized() -> None:
    result = check_report_authorization("mail.acme.example", "reports.example", ZoneDns(REPORTS))
    assert result.status is AuthorizationStatus.UNAUTHORIZED
    assert "MUST NOT send reports" in result.detail


def test_report_record_that_is_not_dmarc_does_not_authorize() -> None:
    name = "acme.example._report._dmarc.reports.example"
    dns = ZoneDns({**REPORTS, name: ["v=spf1 -all"]})
    result = check_report_authorization("acme.example", "reports.example", dns)
    assert result.status is AuthorizationStatus.UNAUTHORIZED
    assert "none v=DMARC1" in result.detail


def test_dns_failure_on_the_report_record_is_an_error_not_a_verdict() -> None:
    name = "acme.example._report._dmarc.reports.example"
    dns = ZoneDns({**REPORTS, name: ["v=DMARC1"]}, failing={name})
    result = check_report_authorization("acme.example", "reports.example", dns)
    assert result.status is AuthorizationStatus.ERROR
