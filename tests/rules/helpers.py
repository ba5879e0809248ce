"""Facts for rule tests: the bundled stack (the happy graph) and ways to mutate it.

Mutations go through the stack config where the config can express them, so the facts are
the ones `sendlanes lint` would build; what no config can produce (a proxied record, a
record published outside the lanes) is changed on the facts directly.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sendlanes.config.load import parse_stack_config
from sendlanes.plan.build import build_plan
from sendlanes.rules.facts import LaneFacts, RecordFacts, StackFacts, facts_from_plan
from sendlanes.rules.model import Finding
from sendlanes.rules.policy_config import PolicyConfig
from sendlanes.rules.registry import rule
from sendlanes.rules.runner import evaluate
from tests.support.stacks import bundled_config, lane  # noqa: F401 - re-exported for tests

TODAY = datetime.date(2026, 11, 23)


def facts_of(document: dict[str, Any]) -> StackFacts:
    """The facts `sendlanes lint` builds from this stack file content."""
    config = parse_stack_config(yaml.safe_dump(document, sort_keys=False), "Pulumi.test.yaml")
    return facts_from_plan(build_plan(config, TODAY))


def bundled_facts() -> StackFacts:
    return facts_of(bundled_config())


def mutated(change: Callable[[dict[str, Any]], object]) -> StackFacts:
    """The bundled stack after *change* edited its config document in place."""
    document = bundled_config()
    change(document)
    return facts_of(document)


def findings(facts: StackFacts, rule_id: str, **options: Any) -> list[Finding]:
    """The findings of one rule at its default level, with options (camelCase) if given."""
    config = PolicyConfig(options={rule_id: options}) if options else PolicyConfig()
    return list(evaluate(facts, config, [rule(rule_id)]))


def with_lane(facts: StackFacts, key: str, **changes: Any) -> StackFacts:
    """*facts* with the lane *key* changed (its records in the stack-wide list follow)."""
    lanes = tuple(
        dataclasses.replace(item, **changes) if item.key == key else item for item in facts.lanes
    )
    records = tuple(r for r in facts.records if r.lane is None)
    records += tuple(r for item in lanes for r in item.records)
    return dataclasses.replace(facts, lanes=lanes, records=records)


def lane_facts(facts: StackFacts, key: str) -> LaneFacts:
    return next(item for item in facts.lanes if item.key == key)


def with_records(facts: StackFacts, *records: RecordFacts) -> StackFacts:
    """*facts* plus records published outside any lane (a hand-written DnsRecord)."""
    return dataclasses.replace(facts, records=facts.records + records)


def replace_record(facts: StackFacts, name: str, record_type: str, **changes: Any) -> StackFacts:
    """*facts* with the lane record (*name*, *record_type*) changed."""

    def change(record: RecordFacts) -> RecordFacts:
        if record.name == name and record.type == record_type:
            return dataclasses.replace(record, **changes)
        return record

    lanes = tuple(
        dataclasses.replace(item, records=tuple(change(r) for r in item.records))
        for item in facts.lanes
    )
    return dataclasses.replace(facts, lanes=lanes, records=tuple(change(r) for r in facts.records))


def weak_rsa_public_key(bits: int) -> str:
    """Base64 SubjectPublicKeyInfo of a *bits*-bit modulus (too small for cryptography to
    generate a key pair; a public key is all a DNS record holds)."""
    modulus = (1 << (bits - 1)) | 0x3039
    key = rsa.RSAPublicNumbers(65537, modulus).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()
