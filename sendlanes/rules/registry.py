"""Every rule, in the order the reference lists them; the one list lint and the pack share."""

from __future__ import annotations

from collections.abc import Mapping

from sendlanes.rules import (
    bulk,
    customerio,
    dkim,
    dmarc,
    proxying,
    routing,
    separation,
    spf,
    transport,
    zone,
)
from sendlanes.rules.model import Rule

_SEPARATION_ORDER = (
    *separation.RULES,
    *routing.RULES[:2],
    *customerio.RULES,
    *routing.RULES[2:],
)

RULES: tuple[Rule, ...] = (
    *_SEPARATION_ORDER,
    *transport.RULES,
    *spf.RULES,
    *dkim.RULES,
    *dmarc.RULES,
    *proxying.RULES,
    *zone.RULES,
    *bulk.RULES,
)

RULES_BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}

if len(RULES_BY_ID) != len(RULES):  # pragma: no cover - a programming error, caught by tests
    raise RuntimeError("two rules share an id")


def rule(rule_id: str) -> Rule:
    """The rule with this id.

    :raises KeyError: when there is none.
    """
    return RULES_BY_ID[rule_id]
