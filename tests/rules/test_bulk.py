"""Bulk-sender rules: one-click unsubscribe and warm-up."""

from __future__ import annotations

from sendlanes.rules.facts import WarmupFacts
from sendlanes.rules.model import Level
from tests.rules.helpers import bundled_facts, findings, lane, mutated, with_lane


def test_bundled_bulk_lanes_declare_one_click_and_valid_warmups() -> None:
    facts = bundled_facts()
    assert findings(facts, "bulk-lanes-one-click-unsubscribe") == []
    assert findings(facts, "warmup-schedule-valid") == []


def test_promotional_lane_without_one_click_unsubscribe_is_rejected() -> None:
    facts = mutated(lambda d: lane(d, "promos").pop("unsubscribe"))
    [finding] = findings(facts, "bulk-lanes-one-click-unsubscribe")
    assert (finding.lane, finding.level) == ("promos", Level.MANDATORY)
    assert "RFC 8058" in finding.message


def test_transactional_lane_needs_no_one_click_unsubscribe() -> None:
    facts = mutated(lambda d: lane(d, "receipts").pop("unsubscribe", None))
    assert findings(facts, "bulk-lanes-one-click-unsubscribe") == []


def test_decreasing_warmup_limits_are_rejected() -> None:
    facts = with_lane(
        bundled_facts(), "acme/revenue", warmup=WarmupFacts("2026-12-01", (1000, 5000, 2000))
    )
    [finding] = findings(facts, "warmup-schedule-valid")
    assert "decrease on day 3 (2000 after 5000)" in finding.message


def test_warmup_with_zero_limit_and_bad_start_reports_both() -> None:
    facts = with_lane(bundled_facts(), "acme/revenue", warmup=WarmupFacts("soon", (0, 10)))
    messages = [f.message for f in findings(facts, "warmup-schedule-valid")]
    assert len(messages) == 2
    assert any("'soon' is not a date" in m for m in messages)
    assert any("day 1 (0)" in m for m in messages)


def test_empty_warmup_schedule_is_rejected() -> None:
    facts = with_lane(bundled_facts(), "acme/revenue", warmup=WarmupFacts("2026-12-01", ()))
    [finding] = findings(facts, "warmup-schedule-valid")
    assert "at least one day" in finding.message


def test_lane_without_warmup_gets_advice_unless_established() -> None:
    facts = bundled_facts()
    [finding] = findings(facts, "new-lane-has-warmup")
    assert (finding.lane, finding.level) == ("receipts", Level.ADVISORY)
    assert findings(facts, "new-lane-has-warmup", establishedLanes=("acme/receipts",)) == []
