"""Routing: each message category rides exactly one lane, of the kind it belongs to."""

from __future__ import annotations

from collections.abc import Iterator

from sendlanes.lanes.catalog import LaneKind
from sendlanes.providers.postmark import BROADCAST_HOST
from sendlanes.rules.facts import Fact, LaneFacts, StackFacts
from sendlanes.rules.model import Level, Rule, RuleOptions, Scope, Violation

FAMILY = "routing"


def check_intent_matches_kind(lane: LaneFacts, options: RuleOptions) -> Iterator[Violation]:
    for category in lane.categories:
        intent = lane.catalog.intent_of(category)
        if intent is None:
            yield Violation(
                f"lane {lane.label} carries category {category!r}, which has no known "
                "intent: declare it under sendlanes:categories",
                lane=lane,
                field="categories",
            )
        elif intent is not lane.kind:
            yield Violation(
                f"lane {lane.label} carries {category!r}, a {intent} category: it must "
                f"ride a {intent} lane",
                lane=lane,
                field="categories",
            )


def check_routed_once(stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
    for brand, lanes in stack.brands.items():
        routes: dict[str, LaneFacts] = {}
        for lane in lanes:
            for category in dict.fromkeys(lane.categories):
                first = routes.setdefault(category, lane)
                if first is not lane:
                    yield Violation(
                        f"brand {brand}: category {category!r} is routed by lane {first.key} "
                        f"and by lane {lane.key}; a category needs exactly one lane",
                        lane=lane,
                        field="categories",
                    )


def check_postmark_broadcast(lane: LaneFacts, options: RuleOptions) -> Iterator[Violation]:
    if lane.provider != "postmark" or lane.kind is not LaneKind.PROMOTIONAL:
        return
    host = (lane.smtp.host or "").lower()
    if host != BROADCAST_HOST:
        yield Violation(
            f"promotional lane {lane.label} sends through {lane.smtp.host}, Postmark's "
            f"transactional stream; bulk mail goes through {BROADCAST_HOST}",
            lane=lane,
            field="smtp.host",
        )


RULES = (
    Rule(
        id="category-intent-matches-lane-kind",
        level=Level.MANDATORY,
        family=FAMILY,
        description="Every message category goes only to a lane of its intent "
        "(transactional, lifecycle or promotional).",
        rationale=(
            "A receipt sent on the promotional lane inherits promotional reputation and "
            "lands in the Promotions tab or spam; a promo on the transactional lane spends "
            "the reputation receipts depend on."
        ),
        remediation="Move the category to a lane of its kind, or declare your own category "
        "under sendlanes:categories with the right intent.",
        scope=Scope.LANE,
        reads=frozenset({Fact.LANE, Fact.ROUTING}),
        check_lane=check_intent_matches_kind,
    ),
    Rule(
        id="category-routed-exactly-once",
        level=Level.MANDATORY,
        family=FAMILY,
        description="Within a brand, each category is routed by exactly one lane.",
        rationale="Two lanes for one category make the route depend on whichever rule the "
        "orchestrator matches first, and split one stream's reputation across domains.",
        remediation="Remove the category from all lanes but one.",
        scope=Scope.STACK,
        reads=frozenset({Fact.LANE, Fact.ROUTING}),
        check_stack=check_routed_once,
    ),
    Rule(
        id="postmark-promotional-uses-broadcast-stream",
        level=Level.MANDATORY,
        family=FAMILY,
        description=f"Promotional Postmark lanes send through the broadcast stream "
        f"({BROADCAST_HOST}).",
        rationale="Postmark keeps bulk mail on separate broadcast message streams and "
        "servers so it cannot slow transactional delivery; its terms forbid bulk mail on "
        "the transactional stream.",
        remediation=f"Leave smtp.host unset (the preset picks {BROADCAST_HOST} for promotional "
        "lanes) and use the broadcast stream's SMTP token.",
        scope=Scope.LANE,
        reads=frozenset({Fact.LANE, Fact.PROVIDER, Fact.SMTP}),
        check_lane=check_postmark_broadcast,
    ),
)
