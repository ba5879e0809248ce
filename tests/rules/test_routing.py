"""Routing and Customer.io rules: happy bundled stack, then one mutation per test."""

from __future__ import annotations

from typing import Any

from sendlanes.rules.model import Level
from tests.rules.helpers import bundled_facts, findings, lane, lane_facts, mutated, with_lane

ROUTING_RULES = (
    "category-intent-matches-lane-kind",
    "category-routed-exactly-once",
    "customerio-single-fallback-server",
    "customerio-fallback-not-promotional",
    "customerio-at-most-four-servers",
    "postmark-promotional-uses-broadcast-stream",
)


def test_bundled_stack_routes_every_category_once_to_its_kind() -> None:
    facts = bundled_facts()
    for rule_id in ROUTING_RULES:
        assert findings(facts, rule_id) == [], rule_id


def test_promotional_category_on_transactional_lane_is_rejected() -> None:
    facts = mutated(lambda d: lane(d, "receipts")["categories"].append("newsletter"))
    [finding] = findings(facts, "category-intent-matches-lane-kind")
    assert (finding.lane, finding.level) == ("receipts", Level.MANDATORY)
    assert "'newsletter', a promotional category" in finding.message


def test_users_own_category_is_judged_by_its_declared_intent() -> None:
    def declare(document: dict[str, Any]) -> None:
        document["config"]["sendlanes:categories"] = {"loyalty_statement": "promotional"}
        lane(document, "revenue")["categories"].append("loyalty_statement")

    [finding] = findings(mutated(declare), "category-intent-matches-lane-kind")
    assert finding.lane == "revenue"
    assert "'loyalty_statement'" in finding.message


def test_category_without_known_intent_is_rejected() -> None:
    # Only engine resources can carry one (the config loader refuses unknown categories).
    facts = with_lane(bundled_facts(), "acme/revenue", categories=("mystery",))
    [finding] = findings(facts, "category-intent-matches-lane-kind")
    assert "no known intent" in finding.message


def test_category_routed_by_two_lanes_of_a_brand_is_rejected() -> None:
    facts = bundled_facts()
    promos = lane_facts(facts, "acme/promos")
    facts = with_lane(facts, "acme/promos", categories=(*promos.categories, "cart_abandon"))
    [finding] = findings(facts, "category-routed-exactly-once")
    assert finding.lane == "promos"
    assert "'cart_abandon' is routed by lane acme/revenue and by lane acme/promos" in (
        finding.message
    )


def _second_brand(document: dict[str, Any]) -> None:
    brands = document["config"]["sendlanes:brands"]
    other = dict(brands[0], name="globex", domain="globex.example")
    other["zoneId"] = "f" * 32
    brands.append(other)


def test_same_category_in_two_brands_is_fine() -> None:
    assert findings(mutated(_second_brand), "category-routed-exactly-once") == []


def test_brand_without_fallback_server_is_rejected() -> None:
    facts = mutated(
        lambda d: lane(d, "receipts")["customerio"].update(messageTypes=["transactional"])
    )
    [finding] = findings(facts, "customerio-single-fallback-server")
    assert (finding.brand, finding.lane) == ("acme", None)
    assert "no lane has Customer.io message type 'all_emails'" in finding.message


def test_second_fallback_server_is_rejected() -> None:
    facts = mutated(lambda d: lane(d, "revenue")["customerio"]["messageTypes"].append("all_emails"))
    [finding] = findings(facts, "customerio-single-fallback-server")
    assert finding.lane == "revenue"


def test_promotional_fallback_server_is_rejected() -> None:
    def move(document: dict[str, Any]) -> None:
        lane(document, "receipts")["customerio"]["messageTypes"] = ["transactional"]
        lane(document, "promos")["customerio"]["messageTypes"].append("all_emails")

    [finding] = findings(mutated(move), "customerio-fallback-not-promotional")
    assert finding.lane == "promos"


def test_fifth_lane_exceeds_customerio_servers() -> None:
    def add_lanes(document: dict[str, Any]) -> None:
        lanes = document["config"]["sendlanes:brands"][0]["lanes"]
        for name in ("alerts", "digest"):
            extra = {
                "name": name,
                "kind": "lifecycle",
                "subdomain": name,
                "provider": "mandrill",
                "unsubscribe": {"oneClick": True},
            }
            lanes.append(extra)

    [finding] = findings(mutated(add_lanes), "customerio-at-most-four-servers")
    assert finding.brand == "acme"
    assert "5 lanes" in finding.message


def test_promotional_postmark_lane_on_transactional_stream_is_rejected() -> None:
    def postmark_promos(document: dict[str, Any]) -> None:
        promos = lane(document, "promos")
        promos.pop("sendgrid")
        promos["provider"] = "postmark"
        promos["postmark"] = dict(lane(document, "receipts")["postmark"], dkimSelector="pm2")
        promos["smtp"] = {"host": "smtp.postmarkapp.com", "port": 587, "username": "tok"}

    [finding] = findings(mutated(postmark_promos), "postmark-promotional-uses-broadcast-stream")
    assert finding.lane == "promos" and finding.field == "smtp.host"


def test_promotional_postmark_lane_with_preset_host_passes() -> None:
    def postmark_promos(document: dict[str, Any]) -> None:
        promos = lane(document, "promos")
        promos.pop("sendgrid")
        promos["provider"] = "postmark"
        promos["postmark"] = dict(lane(document, "receipts")["postmark"], dkimSelector="pm2")
        promos["smtp"] = {"port": 587, "username": "tok"}

    assert findings(mutated(postmark_promos), "postmark-promotional-uses-broadcast-stream") == []
