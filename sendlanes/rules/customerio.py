"""Customer.io's custom SMTP servers: one fallback per workspace, never promotional, at most
four servers. A brand is one Customer.io workspace."""

from __future__ import annotations

from collections.abc import Iterator

from sendlanes.config.schema import MessageType
from sendlanes.lanes.catalog import LaneKind
from sendlanes.rules.facts import Fact, LaneFacts, StackFacts
from sendlanes.rules.model import Level, Rule, RuleOptions, Scope, Violation

FAMILY = "customerio"
FALLBACK = MessageType.ALL_EMAILS.value
MAX_SERVERS = 4


def check_single_fallback(stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
    for brand, lanes in stack.brands.items():
        fallbacks = [lane for lane in lanes if FALLBACK in lane.message_types]
        if not fallbacks:
            yield Violation(
                f"brand {brand}: no lane has Customer.io message type {FALLBACK!r}; messages "
                "no server is chosen for would have nowhere to go",
                brand=brand,
            )
        for lane in fallbacks[1:]:
            yield Violation(
                f"brand {brand}: lane {lane.key} is a second {FALLBACK!r} server (the first is "
                f"{fallbacks[0].key}); Customer.io takes one fallback server",
                lane=lane,
                field="customerio.messageTypes",
            )


def check_fallback_not_promotional(lane: LaneFacts, options: RuleOptions) -> Iterator[Violation]:
    if FALLBACK in lane.message_types and lane.kind is LaneKind.PROMOTIONAL:
        yield Violation(
            f"promotional lane {lane.label} is the {FALLBACK!r} server: every message "
            "without its own server, receipts included, would ride the promotional lane",
            lane=lane,
            field="customerio.messageTypes",
        )


def check_at_most_four(stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
    for brand, lanes in stack.brands.items():
        if len(lanes) > MAX_SERVERS:
            names = ", ".join(lane.name for lane in lanes)
            yield Violation(
                f"brand {brand} has {len(lanes)} lanes ({names}); a Customer.io workspace "
                f"takes at most {MAX_SERVERS} custom SMTP servers",
                brand=brand,
            )


RULES = (
    Rule(
        id="customerio-single-fallback-server",
        level=Level.MANDATORY,
        family=FAMILY,
        description=f"Exactly one lane per brand has Customer.io message type {FALLBACK!r}.",
        rationale="Customer.io sends every message type without a server of its own through "
        "the 'all emails' server; none leaves messages unrouted, two make the route ambiguous.",
        remediation=f"Put {FALLBACK!r} in customerio.messageTypes of exactly one lane (the "
        "transactional one).",
        scope=Scope.STACK,
        reads=frozenset({Fact.LANE, Fact.ROUTING}),
        check_stack=check_single_fallback,
    ),
    Rule(
        id="customerio-fallback-not-promotional",
        level=Level.MANDATORY,
        family=FAMILY,
        description=f"The {FALLBACK!r} lane is not promotional.",
        rationale="The fallback carries whatever has no server of its own, password resets "
        "included; on the promotional lane they would share newsletter reputation.",
        remediation=f"Move {FALLBACK!r} to the transactional lane.",
        scope=Scope.LANE,
        reads=frozenset({Fact.LANE, Fact.ROUTING}),
        check_lane=check_fallback_not_promotional,
    ),
    Rule(
        id="customerio-at-most-four-servers",
        level=Level.MANDATORY,
        family=FAMILY,
        description=f"Customer.io uses at most {MAX_SERVERS} custom SMTP servers per workspace "
        "(brand).",
        rationale="Customer.io's custom SMTP settings take at most four servers per "
        "workspace; a fifth lane could never be selected.",
        remediation="Merge lanes of the same kind, or split the brand into workspaces.",
        scope=Scope.STACK,
        reads=frozenset({Fact.LANE}),
        check_stack=check_at_most_four,
    ),
)
