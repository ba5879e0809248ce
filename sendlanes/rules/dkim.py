"""DKIM key records a lane publishes itself (TXT): usable, and strong enough (RFC 8301).

Keys delegated to the provider by CNAME live in the provider's DNS and are judged by
``sendlanes verify``, not here.
"""

from __future__ import annotations

from collections.abc import Iterator

from sendlanes.auth.dkim import Strength, dkim_strength
from sendlanes.lanes.records import Purpose
from sendlanes.rules.facts import Fact, RecordFacts
from sendlanes.rules.model import Level, Rule, RuleOptions, Scope, Violation

FAMILY = "dkim"


def _is_dkim_key_record(record: RecordFacts) -> bool:
    if record.type != "TXT":
        return False
    return record.purpose is Purpose.DKIM or (record.purpose is None and record.is_dkim_name)


def check_key_strength(record: RecordFacts, options: RuleOptions) -> Iterator[Violation]:
    if not _is_dkim_key_record(record):
        return
    analysis = record.dkim
    if analysis.record is None:
        reasons = "; ".join(analysis.errors)
        yield Violation(f"DKIM record {record.where} is not usable: {reasons}", record=record)
        return
    key = analysis.record.key
    if key is None:
        yield Violation(
            f"DKIM record {record.where} is revoked (empty p=, RFC 6376 §3.6.1): mail signed "
            "with this selector fails DKIM",
            record=record,
        )
        return
    strength, reason = dkim_strength(key)
    if strength is Strength.FAIL:
        yield Violation(f"DKIM record {record.where}: {reason}", record=record)


def check_key_recommended(record: RecordFacts, options: RuleOptions) -> Iterator[Violation]:
    if not _is_dkim_key_record(record):
        return
    analysis = record.dkim
    key = analysis.record.key if analysis.record is not None else None
    if key is None:
        return
    strength, reason = dkim_strength(key)
    if strength is Strength.WARN:
        yield Violation(f"DKIM record {record.where}: {reason}", record=record)


RULES = (
    Rule(
        id="dkim-key-strength",
        level=Level.MANDATORY,
        family=FAMILY,
        description="Every published DKIM key is usable: RSA of at least 1024 bits, or Ed25519.",
        rationale="RFC 8301 §3.2: verifiers MUST NOT accept signatures made with RSA keys "
        "under 1024 bits, so such a lane has no DKIM at all; a malformed or revoked record "
        "is the same. Ed25519 (RFC 8463) is accepted.",
        remediation="Generate a 2048-bit RSA key (or add an Ed25519 key beside an RSA one) "
        "and publish it under a new selector.",
        scope=Scope.RECORD,
        reads=frozenset({Fact.RECORDS}),
        check_record=check_key_strength,
    ),
    Rule(
        id="dkim-key-strength-recommended",
        level=Level.ADVISORY,
        family=FAMILY,
        description="RSA DKIM keys have at least 2048 bits.",
        rationale="The advisory half of dkim-key-strength: RFC 8301 §3.2 says signers SHOULD "
        "use 2048 bits or more; 1024-bit keys are accepted but weak. CrossGuard gives a "
        "policy one level, so this half has its own id.",
        remediation="Rotate to a 2048-bit key under a new selector.",
        scope=Scope.RECORD,
        reads=frozenset({Fact.RECORDS}),
        check_record=check_key_recommended,
    ),
)
