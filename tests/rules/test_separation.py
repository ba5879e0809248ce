"""Lane separation rules: happy bundled stack, then one mutation per test."""

from __future__ import annotations

import dataclasses
from typing import Any

from sendlanes.rules.model import Level
from tests.rules.helpers import (
    bundled_facts,
    findings,
    lane,
    lane_facts,
    mutated,
    with_lane,
)
from tests.support.stacks import rsa_public_key

SEPARATION_RULES = (
    "lane-subdomains-distinct",
    "lane-kinds-separate-smtp-credentials",
    "bulk-lanes-separate-smtp-credentials",
    "lane-kinds-separate-dkim",
    "lane-kinds-separate-return-path-and-tracking",
)


def test_bundled_stack_keeps_its_lanes_separate() -> None:
    facts = bundled_facts()
    for rule_id in SEPARATION_RULES:
        assert findings(facts, rule_id) == [], rule_id


# -- lane-subdomains-distinct -----------------------------------------------------------------


def test_lane_nested_under_another_lane_is_rejected() -> None:
    facts = mutated(lambda d: lane(d, "promos").update(subdomain="mail.receipts"))
    [finding] = findings(facts, "lane-subdomains-distinct")
    assert finding.lane == "promos"
    assert finding.level is Level.MANDATORY
    assert "sits under lane acme/receipts" in finding.message
    assert "mail.receipts.acme.example" in finding.message


def test_two_lanes_on_one_fqdn_are_rejected() -> None:
    # The config loader refuses this already; engine resources can still carry it.
    facts = bundled_facts()
    facts = with_lane(facts, "acme/promos", fqdn="notify.acme.example")
    [finding] = findings(facts, "lane-subdomains-distinct")
    assert finding.lane == "promos"
    assert "same subdomain as lane acme/revenue" in finding.message


def test_sibling_subdomains_that_share_a_suffix_are_not_nested() -> None:
    # "xreceipts" ends with "receipts" but is not under it.
    facts = mutated(lambda d: lane(d, "promos").update(subdomain="xreceipts"))
    assert findings(facts, "lane-subdomains-distinct") == []


# -- SMTP credentials -------------------------------------------------------------------------


def _share_login(document: dict[str, Any], other: str) -> None:
    receipts = lane(document, "receipts")
    target = lane(document, other)
    target["smtp"] = {"host": "smtp.postmarkapp.com", "port": 587, "username": "shared-token"}
    receipts["smtp"]["username"] = "shared-token"


def test_transactional_lane_sharing_login_with_lifecycle_lane_is_rejected() -> None:
    facts = mutated(lambda d: _share_login(d, "revenue"))
    [finding] = findings(facts, "lane-kinds-separate-smtp-credentials")
    assert (finding.lane, finding.level) == ("revenue", Level.MANDATORY)
    assert "smtp.postmarkapp.com" in finding.message
    assert "acme/receipts" in finding.message
    assert finding.field == "smtp.username"


def test_shared_login_message_does_not_print_the_user_name() -> None:
    facts = mutated(lambda d: _share_login(d, "revenue"))
    [finding] = findings(facts, "lane-kinds-separate-smtp-credentials")
    assert "shared-token" not in finding.message
    assert "with the same user name as lane acme/receipts" in finding.message


def test_lifecycle_and_promotional_sharing_a_login_is_advisory_only() -> None:
    def share(document: dict[str, Any]) -> None:
        for name in ("revenue", "promos"):
            lane(document, name)["smtp"] = {
                "host": "smtp.example.net",
                "port": 587,
                "username": "bulk-user",
            }
        lane(document, "promos")["provider"] = "smtp"
        lane(document, "promos").pop("sendgrid")
        lane(document, "promos")["mta"] = {
            "ip4": ["192.0.2.10"],
            "dkimSelector": "mta1",
            "dkimPublicKey": rsa_public_key(2048),
        }

    facts = mutated(share)
    assert findings(facts, "lane-kinds-separate-smtp-credentials") == []
    [finding] = findings(facts, "bulk-lanes-separate-smtp-credentials")
    assert (finding.lane, finding.level) == ("promos", Level.ADVISORY)


def test_fixed_provider_user_name_is_not_a_shared_credential() -> None:
    # Two SendGrid lanes both log in as "apikey": the API key (the password) differs.
    facts = bundled_facts()
    sendgrid_smtp = lane_facts(facts, "acme/promos").smtp
    facts = with_lane(facts, "acme/receipts", smtp=sendgrid_smtp)
    assert findings(facts, "lane-kinds-separate-smtp-credentials") == []


def test_user_name_comparison_ignores_host_case() -> None:
    facts = bundled_facts()
    receipts = lane_facts(facts, "acme/receipts").smtp
    upper = dataclasses.replace(receipts, host=receipts.host.upper() if receipts.host else None)
    facts = with_lane(facts, "acme/promos", smtp=upper)
    [finding] = findings(facts, "lane-kinds-separate-smtp-credentials")
    assert finding.lane == "promos"


# -- DKIM ------------------------------------------------------------------------------------


def test_same_dkim_public_key_on_two_lanes_is_rejected() -> None:
    def reuse_key(document: dict[str, Any]) -> None:
        key = lane(document, "receipts")["postmark"]["dkimPublicKey"]
        promos = lane(document, "promos")
        promos.pop("sendgrid")
        promos["provider"] = "mailjet"
        promos["mailjet"] = {"dkimPublicKey": key}

    facts = mutated(reuse_key)
    [finding] = findings(facts, "lane-kinds-separate-dkim")
    assert finding.lane == "promos"
    assert finding.record == "mailjet._domainkey.mail.acme.example"
    assert "same public key" in finding.message and "acme/receipts" in finding.message


def test_two_sendgrid_lanes_on_one_authenticated_domain_share_dkim() -> None:
    def second_sendgrid(document: dict[str, Any]) -> None:
        revenue = lane(document, "revenue")
        revenue.pop("ses")
        revenue["provider"] = "sendgrid"
        revenue["sendgrid"] = dict(lane(document, "promos")["sendgrid"], returnPathHost="em77")
        revenue["smtp"] = {"port": 587}

    facts = mutated(second_sendgrid)
    [finding] = findings(facts, "lane-kinds-separate-dkim")
    assert finding.lane == "promos"
    assert "s1.domainkey.u2744887.wl138.sendgrid.net" in finding.message


def test_distinct_keys_per_lane_pass() -> None:
    def own_key(document: dict[str, Any]) -> None:
        promos = lane(document, "promos")
        promos.pop("sendgrid")
        promos["provider"] = "mailjet"
        promos["mailjet"] = {"dkimPublicKey": rsa_public_key(2048)}

    assert findings(mutated(own_key), "lane-kinds-separate-dkim") == []


# -- return path and tracking ------------------------------------------------------------------


def test_return_path_host_shared_across_kinds_is_rejected() -> None:
    facts = bundled_facts()
    receipts = lane_facts(facts, "acme/receipts")
    facts = with_lane(facts, "acme/promos", return_path_host=receipts.return_path_host)
    [finding] = findings(facts, "lane-kinds-separate-return-path-and-tracking")
    assert finding.lane == "promos"
    assert "pm-bounces.receipts.acme.example" in finding.message
    assert "return-path" in finding.message


def test_tracking_host_that_is_another_kinds_return_path_is_rejected() -> None:
    facts = bundled_facts()
    facts = with_lane(facts, "acme/promos", tracking_hosts=("bounce.notify.acme.example",))
    [finding] = findings(facts, "lane-kinds-separate-return-path-and-tracking")
    assert "link-tracking" in finding.message and "acme/revenue" in finding.message


def test_hosts_shared_by_lanes_of_the_same_kind_are_left_alone() -> None:
    facts = bundled_facts()
    revenue = lane_facts(facts, "acme/revenue")
    facts = with_lane(
        facts, "acme/revenue", return_path_host=lane_facts(facts, "acme/promos").return_path_host
    )
    facts = with_lane(facts, "acme/promos", kind=revenue.kind)
    assert findings(facts, "lane-kinds-separate-return-path-and-tracking") == []
