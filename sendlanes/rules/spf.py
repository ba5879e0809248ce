"""SPF records (RFC 7208): one per name, valid syntax, no permissive ``all``, within the
lookup budget. The parser is :mod:`sendlanes.auth.spf`; these rules only judge."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

# The parser module, not the sendlanes.auth.spf facade, which also loads check_host() and
# dnspython: lint needs no DNS.
from sendlanes.auth.spf_record import (
    MechanismKind,
    Qualifier,
    SpfRecord,
    SpfSyntaxError,
    count_lookup_terms,
    parse_spf_record,
)
from sendlanes.lanes.records import Purpose
from sendlanes.rules.facts import Fact, RecordFacts, StackFacts
from sendlanes.rules.model import Level, Rule, RuleOptions, Scope, Violation
from sendlanes.rules.spf_costs import include_cost

FAMILY = "spf"
MAX_LOOKUPS = 10  # RFC 7208 §4.6.4
HEADROOM_LOOKUPS = 8


def _spf_candidate(record: RecordFacts) -> bool:
    return record.is_spf or (record.type == "TXT" and record.purpose is Purpose.SPF)


def _parsed(record: RecordFacts) -> SpfRecord | None:
    """The parsed record, or None when it is not SPF or does not parse (spf-syntax says so)."""
    parsed = record.spf
    return parsed if isinstance(parsed, SpfRecord) else None


def check_single_record(stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
    for name, records in stack.records_by_name.items():
        spf = [r for r in records if r.is_spf]
        for extra in spf[1:]:
            yield Violation(
                f"{name} has {len(spf)} SPF records: receivers return permerror and SPF fails "
                "for every message (RFC 7208 §4.5); merge them into one",
                record=extra,
            )


def check_syntax(record: RecordFacts, options: RuleOptions) -> Iterator[Violation]:
    if not _spf_candidate(record):
        return
    if record.is_spf:
        parsed: SpfRecord | SpfSyntaxError | None = record.spf
    else:  # an SPF-purpose record that does not even start with v=spf1
        try:
            parsed = parse_spf_record(record.content)
        except SpfSyntaxError as error:
            parsed = error
    if isinstance(parsed, SpfSyntaxError):
        yield Violation(f"SPF record {record.where} is not valid: {parsed}", record=record)


def check_no_permissive_all(record: RecordFacts, options: RuleOptions) -> Iterator[Violation]:
    parsed = _parsed(record)
    if parsed is None:
        return
    for mechanism in parsed.reachable_mechanisms:
        if mechanism.kind is MechanismKind.ALL and mechanism.qualifier in (
            Qualifier.PASS,
            Qualifier.NEUTRAL,
        ):
            meaning = "passes" if mechanism.qualifier is Qualifier.PASS else "is neutral for"
            yield Violation(
                f"SPF record {record.where} ends in {mechanism.text!r}, which {meaning} mail "
                "from any host on the internet (RFC 7208 §5.1); use ~all or -all",
                record=record,
            )


@dataclass(frozen=True)
class LookupBudget:
    """The static lookup count of one record, with what it could not see into."""

    lookups: int
    known: tuple[str, ...]
    opaque: tuple[str, ...]


def lookup_budget(record: SpfRecord) -> LookupBudget:
    """Lookups of *record* (RFC 7208 §4.6.4) with known include costs added.

    Includes not in :data:`~sendlanes.rules.spf_costs.KNOWN_INCLUDE_COSTS` count 1 each and
    are listed in ``opaque``; their nested lookups are unknown without DNS.
    """
    lookups = count_lookup_terms(record)
    known: list[str] = []
    opaque: list[str] = []
    targets = [m.target for m in record.reachable_mechanisms if m.kind is MechanismKind.INCLUDE]
    redirect = record.effective_redirect
    if redirect is not None:
        targets.append(redirect.value)
    for target in targets:
        if target is None:
            continue
        cost = None if target.has_macros else include_cost(target.text)
        if cost is None:
            opaque.append(target.text)
        else:
            lookups += cost.lookups - 1
            known.append(f"{target.text} costs {cost.lookups}")
    return LookupBudget(lookups, tuple(known), tuple(opaque))


def _budget_message(record: RecordFacts, budget: LookupBudget, limit: str) -> str:
    detail = f"; {', '.join(budget.known)}" if budget.known else ""
    if budget.opaque:
        detail += f"; nested lookups of {', '.join(budget.opaque)} not counted"
    return (
        f"SPF record {record.where} needs {budget.lookups} DNS lookups ({limit}, RFC 7208 "
        f"§4.6.4){detail}"
    )


def check_lookup_budget(record: RecordFacts, options: RuleOptions) -> Iterator[Violation]:
    parsed = _parsed(record)
    if parsed is None:
        return
    budget = lookup_budget(parsed)
    if budget.lookups > MAX_LOOKUPS:
        message = _budget_message(record, budget, f"limit {MAX_LOOKUPS}: receivers permerror")
        yield Violation(message, record=record)


def check_lookup_headroom(record: RecordFacts, options: RuleOptions) -> Iterator[Violation]:
    parsed = _parsed(record)
    if parsed is None:
        return
    budget = lookup_budget(parsed)
    if HEADROOM_LOOKUPS < budget.lookups <= MAX_LOOKUPS:
        limit = f"more than {HEADROOM_LOOKUPS} of the {MAX_LOOKUPS} allowed"
        yield Violation(_budget_message(record, budget, limit), record=record)


RULES = (
    Rule(
        id="spf-single-record",
        level=Level.MANDATORY,
        family=FAMILY,
        description="At most one SPF record per name, across every DNS record of the stack.",
        rationale="Two v=spf1 records at one name make every SPF check a permerror "
        "(RFC 7208 §4.5), which DMARC counts as a fail.",
        remediation="Merge the mechanisms into one record; a lane's records and records "
        "managed elsewhere in the program must not both publish SPF at the same name.",
        scope=Scope.STACK,
        reads=frozenset({Fact.RECORDS}),
        check_stack=check_single_record,
    ),
    Rule(
        id="spf-syntax",
        level=Level.MANDATORY,
        family=FAMILY,
        description="Every SPF record parses under RFC 7208.",
        rationale="A syntax error anywhere in the record is a permerror for every message "
        "(RFC 7208 §4.6).",
        remediation="Fix the term the message names.",
        scope=Scope.RECORD,
        reads=frozenset({Fact.RECORDS}),
        check_record=check_syntax,
    ),
    Rule(
        id="spf-no-permissive-all",
        level=Level.MANDATORY,
        family=FAMILY,
        description="No SPF record ends in +all or ?all.",
        rationale="+all authorizes every host on the internet to send as the domain and "
        "?all asserts nothing (RFC 7208 §5.1, §8.2).",
        remediation="End the record with ~all (softfail) or -all (fail).",
        scope=Scope.RECORD,
        reads=frozenset({Fact.RECORDS}),
        check_record=check_no_permissive_all,
    ),
    Rule(
        id="spf-lookup-budget",
        level=Level.MANDATORY,
        family=FAMILY,
        description=f"An SPF record needs at most {MAX_LOOKUPS} DNS lookups, counting known "
        "provider includes' nested lookups.",
        rationale="Past 10 DNS-querying terms (include, a, mx, ptr, exists, redirect, nested "
        "ones too) receivers stop with permerror (RFC 7208 §4.6.4). The nested cost of "
        "provider includes comes from a dated snapshot (sendlanes/rules/spf_costs.py).",
        remediation="Remove includes of services that no longer send, replace a/mx with "
        "ip4/ip6, or move senders to their own lane subdomain.",
        scope=Scope.RECORD,
        reads=frozenset({Fact.RECORDS}),
        check_record=check_lookup_budget,
    ),
    Rule(
        id="spf-lookup-budget-headroom",
        level=Level.ADVISORY,
        family=FAMILY,
        description=f"An SPF record needing more than {HEADROOM_LOOKUPS} of the "
        f"{MAX_LOOKUPS} lookups is close to the limit.",
        rationale="The advisory half of spf-lookup-budget: providers add nested includes "
        "without notice, so a record at 9 or 10 can break overnight. CrossGuard gives a "
        "policy one level, so this half has its own id.",
        remediation="Free some lookups before a provider change does it for you.",
        scope=Scope.RECORD,
        reads=frozenset({Fact.RECORDS}),
        check_record=check_lookup_headroom,
    ),
)
