"""CrossGuard adapters: a :class:`~sendlanes.rules.model.Rule` as a Pulumi policy.

Record rules become resource policies run on each ``DnsRecord``, lane rules resource policies
run on each ``SendingLane``, stack rules stack policies over the whole graph. All call the
same rule code as ``sendlanes lint``. A policy's
enforcement level, description and remediation are the rule's; its config schema is the
rule's options.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from components import tokens
from policies._graph import lane_facts_of, record_from_props, stack_facts
from policies._wire import is_unknown, plain
from sendlanes.rules.facts import Fact, StackFacts, Unknown
from sendlanes.rules.model import Level, Rule, Scope
from sendlanes.rules.policy_config import parse_rule_options
from sendlanes.rules.registry import RULES_BY_ID
from sendlanes.rules.runner import to_finding

_SEVERITY = {Level.MANDATORY: Severity.HIGH, Level.ADVISORY: Severity.LOW}
_COMPONENT_PREFIX = "sendlanes:index:"


def _metadata(rule: Rule) -> dict[str, Any]:
    """What the engine shows for a rule's policy: one source for every policy kind."""
    return {
        "name": rule.id,
        "description": rule.description,
        "enforcement_level": EnforcementLevel(rule.level.value),
        "config_schema": config_schema(rule),
        "severity": _SEVERITY.get(rule.level),
        "tags": ["email", rule.family],
        "remediation_steps": rule.remediation,
    }


def parent_types(urn: str) -> list[str]:
    """The types of a resource's ancestors, from its URN: ``urn:pulumi:S::P::A$B$C::name`` →
    ``[A, B]`` (the qualified type lists every parent's type, then the resource's own)."""
    parts = urn.split("::")
    return parts[2].split("$")[:-1] if len(parts) >= 4 else []


def config_schema(rule: Rule) -> PolicyConfigSchema | None:
    """The rule's options as the JSON schema ``--policy-pack-config`` is checked against."""
    if not rule.options:
        return None
    return PolicyConfigSchema(properties={o.name: dict(o.schema) for o in rule.options})


def _options(rule: Rule, config: Mapping[str, Any] | None, report: ReportViolation) -> Any:
    """The rule's typed options, or None after reporting why the config is unusable."""
    options, problems = parse_rule_options(rule, dict(config or {}))
    for problem in problems:
        report(f"invalid policy config for {rule.id}: {problem}", None)
    return None if problems else options


def _raise_for_unknowns(rule: Rule, unknowns: Sequence[Unknown]) -> None:
    """After judging what is known: "can't be known during preview" for what is not."""
    unknown = [u for u in unknowns if u.fact in rule.reads]
    if unknown:
        first = unknown[0]
        resource = (first.urn or "").rpartition("::")[2]
        raise UnknownValueError(UNKNOWN_STRING_VALUE, [resource, *first.path.split(".")])


class _FactsMemo:
    """The facts of the last resource list seen, so the stack policies of one AnalyzeStack
    call build them once when the servicer hands them all the same list
    (:mod:`policies._servicer`). Keyed on the list object itself, which is kept alive."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._resources: object = None
        self._facts: dict[bool, StackFacts] = {}

    def get(self, resources: Sequence[Any], records: bool) -> StackFacts:
        with self._lock:
            if self._resources is not resources:
                self._resources, self._facts = resources, {}
            if records not in self._facts:
                self._facts[records] = stack_facts(resources, records=records)
            return self._facts[records]


_shared_facts = _FactsMemo().get


def stack_policy(rule_id: str) -> StackValidationPolicy:
    """The stack policy enforcing the stack rule *rule_id*."""
    rule = RULES_BY_ID[rule_id]
    if rule.scope is not Scope.STACK:
        raise ValueError(f"{rule_id} is a {rule.scope} rule, not a stack rule")

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        options = _options(rule, args.get_config(), report_violation)
        if options is None:
            return
        facts = _shared_facts(args.resources, records=Fact.RECORDS in rule.reads)
        for violation in rule.run(facts, options):
            finding = to_finding(rule, rule.level, violation, facts)
            report_violation(finding.message, finding.urn)
        _raise_for_unknowns(rule, facts.unknowns)

    return StackValidationPolicy(validate=validate, **_metadata(rule))


def lane_policy(rule_id: str) -> ResourceValidationPolicy:
    """The resource policy enforcing the lane rule *rule_id* on every ``SendingLane``."""
    rule = RULES_BY_ID[rule_id]
    check = rule.check_lane
    if check is None:
        raise ValueError(f"{rule_id} is a {rule.scope} rule, not a lane rule")

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type != tokens.SENDING_LANE:
            return
        options = _options(rule, args.get_config(), report_violation)
        if options is None:
            return
        lane, unknowns = lane_facts_of(_Resource(args))
        if lane is not None:
            for violation in check(lane, options):
                report_violation(violation.message, args.urn)
        _raise_for_unknowns(rule, unknowns)

    return ResourceValidationPolicy(validate=validate, **_metadata(rule))


@dataclass(frozen=True)
class _Resource:
    """The resource a resource policy sees, in the shape ``_graph`` reads."""

    args: ResourceValidationArgs

    @property
    def resource_type(self) -> str:
        return self.args.resource_type

    @property
    def props(self) -> Mapping[str, Any]:
        return self.args.props

    @property
    def urn(self) -> str:
        return self.args.urn

    @property
    def name(self) -> str:
        return self.args.name


def resource_policy(rule_id: str) -> ResourceValidationPolicy:
    """The resource policy enforcing the record rule *rule_id* on every ``DnsRecord``."""
    rule = RULES_BY_ID[rule_id]
    check = rule.check_record
    if check is None:
        raise ValueError(f"{rule_id} is a {rule.scope} rule, not a record rule")

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type != tokens.DNS_RECORD:
            return
        options = _options(rule, args.get_config(), report_violation)
        if options is None:
            return
        props = plain(args.props)
        for key in (tokens.RECORD_NAME, tokens.RECORD_TYPE, tokens.RECORD_CONTENT):
            if is_unknown(props.get(key)):
                raise UnknownValueError(UNKNOWN_STRING_VALUE, [key])
            if props.get(key) is None:
                return
        # A record under a sendlanes component is a mail record whatever its shape; the URN
        # says so even when the engine leaves options.parent empty.
        managed = any(t.startswith(_COMPONENT_PREFIX) for t in parent_types(args.urn))
        record = record_from_props(props, args.urn, managed=managed)
        for violation in check(record, options):
            report_violation(violation.message, args.urn)

    return ResourceValidationPolicy(validate=validate, **_metadata(rule))
