"""Lint rules over :class:`~sendlanes.rules.facts.LaneFacts`: the one place business rules live.

``sendlanes lint`` builds the facts from a plan, the CrossGuard pack (``policies/``) from engine
resources; both run the rules of :data:`RULES` through :func:`evaluate` (or rule by rule).
"""

from sendlanes.rules.facts import (
    LaneFacts,
    RecordFacts,
    SmtpFacts,
    StackFacts,
    Unknown,
    WarmupFacts,
    facts_from_plan,
)
from sendlanes.rules.model import Fact, Finding, Level, OptionSpec, Rule, Scope, Violation
from sendlanes.rules.policy_config import (
    PolicyConfig,
    PolicyConfigError,
    load_policy_config,
    parse_policy_config,
    parse_rule_options,
)
from sendlanes.rules.registry import RULES, RULES_BY_ID, rule
from sendlanes.rules.runner import evaluate, run_rule, to_finding

__all__ = [
    "RULES",
    "RULES_BY_ID",
    "Fact",
    "Finding",
    "LaneFacts",
    "Level",
    "OptionSpec",
    "PolicyConfig",
    "PolicyConfigError",
    "RecordFacts",
    "Rule",
    "Scope",
    "SmtpFacts",
    "StackFacts",
    "Unknown",
    "Violation",
    "WarmupFacts",
    "evaluate",
    "facts_from_plan",
    "load_policy_config",
    "parse_policy_config",
    "parse_rule_options",
    "rule",
    "run_rule",
    "to_finding",
]
