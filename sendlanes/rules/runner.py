"""Run rules over facts and turn violations into findings with their configured level."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sendlanes.rules.facts import StackFacts
from sendlanes.rules.model import Finding, Level, Rule, Violation
from sendlanes.rules.policy_config import PolicyConfig


def to_finding(
    rule: Rule, level: Level, violation: Violation, stack: StackFacts | None = None
) -> Finding:
    """Attach the rule id, level and the lane/record identity (URN when the engine gave one)."""
    lane = violation.lane
    record = violation.record
    brand = violation.brand
    lane_name = None
    if lane is not None:
        brand = brand or lane.brand
        lane_name = lane.name
    elif record is not None and record.lane is not None:
        brand = brand or record.brand
        lane_name = record.lane.partition("/")[2]
    elif record is not None:
        brand = brand or record.brand
    urn = None
    if record is not None and record.urn:
        urn = record.urn
    elif lane is not None and lane.urn:
        urn = lane.urn
    elif brand is not None and stack is not None:
        urn = stack.brand_urns.get(brand)
    return Finding(
        rule=rule.id,
        level=level,
        message=violation.message,
        brand=brand,
        lane=lane_name,
        record=record.name if record is not None else None,
        urn=urn,
        field=violation.field,
    )


def run_rule(rule: Rule, stack: StackFacts, config: PolicyConfig) -> Iterator[Finding]:
    """Findings of one rule; nothing when the config disables it."""
    level = config.level_of(rule)
    if level is Level.DISABLED:
        return
    options = config.options_of(rule)
    for violation in rule.run(stack, options):
        yield to_finding(rule, level, violation, stack)


def evaluate(
    stack: StackFacts, config: PolicyConfig | None = None, rules: Iterable[Rule] | None = None
) -> tuple[Finding, ...]:
    """Every finding of *rules* (default: all) on *stack*, in rule order."""
    from sendlanes.rules.registry import RULES

    chosen = RULES if rules is None else tuple(rules)
    settings = config or PolicyConfig()
    return tuple(finding for rule in chosen for finding in run_rule(rule, stack, settings))
