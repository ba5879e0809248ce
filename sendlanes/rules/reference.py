"""The rule reference: ``sendlanes rules`` output, docs/rules.md and the README's rule table."""

from __future__ import annotations

from collections.abc import Sequence

from sendlanes.rules.model import Rule, Scope

_POLICY_KIND = {
    Scope.RECORD: "resource (DnsRecord)",
    Scope.LANE: "resource (SendingLane)",
    Scope.STACK: "stack",
}


def policy_kind(rule: Rule) -> str:
    """How the CrossGuard pack runs the rule: per ``DnsRecord``, per ``SendingLane``, or on
    the whole stack."""
    return _POLICY_KIND[rule.scope]


def rule_document(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "level": str(rule.level),
        "family": rule.family,
        "policy": policy_kind(rule),
        "description": rule.description,
        "rationale": rule.rationale,
        "remediation": rule.remediation,
        "options": [
            {"name": o.name, "description": o.description, "default": _plain(o.default)}
            for o in rule.options
        ],
    }


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rules: Sequence[Rule]) -> str:
    """One Markdown table of every rule: id, default level, policy kind, check, why, fix."""
    lines = [
        "| Rule | Default | Policy | Checks | Why | Fix |",
        "|---|---|---|---|---|---|",
    ]
    for rule in rules:
        checks = rule.description
        if rule.options:
            names = ", ".join(f"`{o.name}`" for o in rule.options)
            checks += f" Options: {names}."
        cells = (
            f"`{rule.id}`",
            str(rule.level),
            policy_kind(rule),
            checks,
            rule.rationale,
            rule.remediation,
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
