"""SPF, DKIM, DMARC and proxying rules: happy bundled stack, then one mutation per test."""

from __future__ import annotations

import dataclasses
from typing import Any

from sendlanes.lanes.records import Purpose
from sendlanes.rules.facts import RecordFacts
from sendlanes.rules.model import Level
from tests.rules.helpers import (
    bundled_facts,
    findings,
    lane,
    mutated,
    replace_record,
    weak_rsa_public_key,
    with_records,
)
from tests.support.stacks import ed25519_public_key, rsa_public_key

AUTH_RULES = (
    "spf-single-record",
    "spf-syntax",
    "spf-no-permissive-all",
    "spf-lookup-budget",
    "spf-lookup-budget-headroom",
    "dkim-key-strength",
    "dkim-key-strength-recommended",
    "dmarc-present-and-valid",
    "dmarc-reporting",
    "mail-records-not-proxied",
)
SES_MAIL_FROM = "bounce.notify.acme.example"


def test_bundled_stack_authentication_is_clean() -> None:
    facts = bundled_facts()
    for rule_id in AUTH_RULES:
        assert findings(facts, rule_id) == [], rule_id


def _txt(name: str, content: str) -> RecordFacts:
    return RecordFacts(name=name, type="TXT", content=content)


# -- SPF --------------------------------------------------------------------------------------


def test_second_spf_record_at_a_lane_name_from_outside_the_lanes_is_rejected() -> None:
    facts = with_records(
        bundled_facts(), _txt(SES_MAIL_FROM, "v=spf1 include:_spf.google.com -all")
    )
    [finding] = findings(facts, "spf-single-record")
    assert finding.record == SES_MAIL_FROM
    assert "2 SPF records" in finding.message and "RFC 7208 §4.5" in finding.message


def test_other_txt_records_beside_spf_are_fine() -> None:
    facts = with_records(bundled_facts(), _txt(SES_MAIL_FROM, "google-site-verification=abc"))
    assert findings(facts, "spf-single-record") == []


def test_spf_syntax_error_is_reported_with_the_rfc_section() -> None:
    facts = replace_record(
        bundled_facts(),
        SES_MAIL_FROM,
        "TXT",
        content="v=spf1 include:amazonses.com ip4:300.1.1.1 ~all",
    )
    [finding] = findings(facts, "spf-syntax")
    assert finding.lane == "revenue" and finding.record == SES_MAIL_FROM
    assert "300.1.1.1" in finding.message and "RFC 7208 §5.6" in finding.message


def test_plus_all_is_rejected() -> None:
    facts = replace_record(
        bundled_facts(), SES_MAIL_FROM, "TXT", content="v=spf1 include:amazonses.com +all"
    )
    [finding] = findings(facts, "spf-no-permissive-all")
    assert "'+all'" in finding.message


def test_neutral_all_is_rejected() -> None:
    facts = with_records(bundled_facts(), _txt("acme.example", "v=spf1 mx ?all"))
    [finding] = findings(facts, "spf-no-permissive-all")
    assert finding.record == "acme.example" and finding.lane is None


def test_bare_all_means_pass_and_is_rejected() -> None:
    facts = with_records(bundled_facts(), _txt("acme.example", "v=spf1 mx all"))
    assert len(findings(facts, "spf-no-permissive-all")) == 1


def test_spf_past_ten_lookups_counting_known_include_costs_is_rejected() -> None:
    # mailgun.org costs 5 lookups, sendgrid.net 2, amazonses.com 1: 5 + 2 + 1 + a + mx = 10,
    # plus one more include is 11.
    content = (
        "v=spf1 a mx include:mailgun.org include:sendgrid.net include:amazonses.com "
        "include:spf.example.net ~all"
    )
    facts = with_records(bundled_facts(), _txt("acme.example", content))
    [finding] = findings(facts, "spf-lookup-budget")
    assert finding.level is Level.MANDATORY
    assert "needs 11 DNS lookups" in finding.message
    assert "mailgun.org costs 5" in finding.message
    assert "nested lookups of spf.example.net not counted" in finding.message
    assert findings(facts, "spf-lookup-budget-headroom") == []


def test_spf_at_nine_lookups_is_advisory_headroom() -> None:
    content = "v=spf1 a mx include:mailgun.org include:sendgrid.net ~all"
    facts = with_records(bundled_facts(), _txt("acme.example", content))
    assert findings(facts, "spf-lookup-budget") == []
    [finding] = findings(facts, "spf-lookup-budget-headroom")
    assert finding.level is Level.ADVISORY and "needs 9 DNS lookups" in finding.message


def test_lookups_after_all_are_not_counted() -> None:
    content = "v=spf1 include:mailgun.org ~all " + " ".join(f"a:h{i}.example" for i in range(9))
    facts = with_records(bundled_facts(), _txt("acme.example", content))
    assert findings(facts, "spf-lookup-budget") == []


# -- DKIM -------------------------------------------------------------------------------------


def _receipts_key(bits: int | None = None, key: str | None = None) -> Any:
    def change(document: dict[str, Any]) -> None:
        if key is not None:
            value = key
        elif bits is not None and bits < 1024:
            value = weak_rsa_public_key(bits)
        else:
            value = rsa_public_key(bits or 2048)
        lane(document, "receipts")["postmark"]["dkimPublicKey"] = value

    return change


def test_rsa_key_under_1024_bits_is_rejected() -> None:
    facts = mutated(_receipts_key(768))
    [finding] = findings(facts, "dkim-key-strength")
    assert finding.record == "20261101pm._domainkey.receipts.acme.example"
    assert "768 bits" in finding.message and "RFC 8301" in finding.message
    assert findings(facts, "dkim-key-strength-recommended") == []


def test_1024_bit_key_is_accepted_with_advice() -> None:
    facts = mutated(_receipts_key(1024))
    assert findings(facts, "dkim-key-strength") == []
    [finding] = findings(facts, "dkim-key-strength-recommended")
    assert finding.level is Level.ADVISORY and "1024 bits" in finding.message


def test_ed25519_key_is_accepted() -> None:
    facts = mutated(_receipts_key(key=ed25519_public_key()))
    assert findings(facts, "dkim-key-strength") == []
    assert findings(facts, "dkim-key-strength-recommended") == []


def test_revoked_dkim_record_is_rejected() -> None:
    name = "20261101pm._domainkey.receipts.acme.example"
    facts = replace_record(bundled_facts(), name, "TXT", content="v=DKIM1; k=rsa; p=")
    [finding] = findings(facts, "dkim-key-strength")
    assert "revoked" in finding.message


def test_malformed_dkim_record_from_outside_the_lanes_is_rejected() -> None:
    facts = with_records(bundled_facts(), _txt("old._domainkey.acme.example", "v=DKIM1; p=%%%"))
    [finding] = findings(facts, "dkim-key-strength")
    assert finding.record == "old._domainkey.acme.example" and "not usable" in finding.message


# -- DMARC ------------------------------------------------------------------------------------


def test_lane_without_any_dmarc_record_is_rejected() -> None:
    def no_dmarc(document: dict[str, Any]) -> None:
        document["config"]["sendlanes:brands"][0].pop("dmarc")
        lane(document, "receipts").pop("dmarc")

    facts = mutated(no_dmarc)
    lanes = sorted(f.lane or "" for f in findings(facts, "dmarc-present-and-valid"))
    assert lanes == ["promos", "receipts", "revenue"]


def test_lane_inherits_a_valid_dmarc_record_from_the_brand_domain() -> None:
    def brand_level_only(document: dict[str, Any]) -> None:
        document["config"]["sendlanes:brands"][0].pop("dmarc")
        lane(document, "receipts").pop("dmarc")

    facts = with_records(
        mutated(brand_level_only),
        _txt("_dmarc.acme.example", "v=DMARC1; p=reject; rua=mailto:dmarc@acme.example"),
    )
    assert findings(facts, "dmarc-present-and-valid") == []
    assert findings(facts, "dmarc-reporting") == []


def test_invalid_dmarc_record_is_rejected_with_its_errors() -> None:
    facts = replace_record(
        bundled_facts(), "_dmarc.notify.acme.example", "TXT", content="v=DMARC1; p=always"
    )
    [finding] = findings(facts, "dmarc-present-and-valid")
    assert finding.lane == "revenue" and finding.record == "_dmarc.notify.acme.example"
    assert "not valid" in finding.message and "always" in finding.message


def test_two_dmarc_records_at_one_name_are_rejected() -> None:
    facts = with_records(bundled_facts(), _txt("_dmarc.mail.acme.example", "v=DMARC1; p=none"))
    [finding] = findings(facts, "dmarc-present-and-valid")
    assert finding.lane == "promos" and "2 DMARC records" in finding.message


def test_dmarc_without_rua_is_advisory() -> None:
    def no_rua(document: dict[str, Any]) -> None:
        document["config"]["sendlanes:brands"][0]["dmarc"].pop("rua")

    facts = mutated(no_rua)
    reporting = findings(facts, "dmarc-reporting")
    assert {f.lane for f in reporting} == {"receipts", "revenue", "promos"}
    assert all(f.level is Level.ADVISORY and "no rua=" in f.message for f in reporting)


def test_external_report_destination_needs_acknowledgement() -> None:
    def vendor(document: dict[str, Any]) -> None:
        document["config"]["sendlanes:brands"][0]["dmarc"]["rua"] = ["mailto:x@reports.example.net"]

    facts = mutated(vendor)
    reporting = findings(facts, "dmarc-reporting")
    assert len(reporting) == 3
    assert "receipts.acme.example._report._dmarc.reports.example.net" in reporting[0].message
    assert findings(facts, "dmarc-reporting", authorizedDestinations=("example.net",)) == []


def test_report_destination_at_another_brand_is_authorized_by_the_stack() -> None:
    def two_brands(document: dict[str, Any]) -> None:
        brands = document["config"]["sendlanes:brands"]
        other = {
            "name": "globex",
            "domain": "globex.example",
            "zoneId": "f" * 32,
            "dmarc": {"policy": "reject", "rua": ["mailto:dmarc@acme.example"]},
            "lanes": [dict(lane(document, "receipts"), dmarc={"policy": "reject"})],
        }
        brands.append(other)

    facts = mutated(two_brands)
    assert findings(facts, "dmarc-reporting") == []
    # Without the authorization record the plan publishes, the report would not arrive.
    records = tuple(r for r in facts.records if r.purpose is not Purpose.DMARC_REPORT_AUTHORIZATION)
    [finding] = findings(dataclasses.replace(facts, records=records), "dmarc-reporting")
    assert finding.brand == "globex"
    assert "receipts.globex.example._report._dmarc.acme.example" in finding.message


# -- proxying ---------------------------------------------------------------------------------


def test_proxied_return_path_cname_is_rejected() -> None:
    facts = replace_record(
        bundled_facts(), "pm-bounces.receipts.acme.example", "CNAME", proxied=True
    )
    [finding] = findings(facts, "mail-records-not-proxied")
    assert finding.lane == "receipts" and finding.record == "pm-bounces.receipts.acme.example"


def test_proxied_website_record_is_not_a_mail_record() -> None:
    site = RecordFacts(name="www.acme.example", type="CNAME", content="acme.example", proxied=True)
    assert findings(with_records(bundled_facts(), site), "mail-records-not-proxied") == []
