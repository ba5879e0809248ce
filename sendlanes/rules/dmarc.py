"""DMARC (RFC 9989): every lane is covered by one valid record, and its reports can arrive.

The parser is :mod:`sendlanes.auth.dmarc`; discovery here is the DNS Tree Walk over the
stack's own records (RFC 9989 §4.10): the lane's ``_dmarc`` name first, then its parents.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sendlanes.auth.dmarc_parse import DmarcAnalysis, is_dmarc_record

# The parser module, not the sendlanes.auth.dmarc facade: the facade also loads DNS discovery
# (dnspython), which lint never needs and which costs a third of a second at start-up.
from sendlanes.errors import quoted
from sendlanes.rules.facts import Fact, LaneFacts, RecordFacts, StackFacts
from sendlanes.rules.model import Level, OptionSpec, Rule, RuleOptions, Scope, Violation

FAMILY = "dmarc"


@dataclass(frozen=True)
class FoundPolicy:
    """The DMARC record(s) that cover a lane, and where they were found."""

    domain: str
    records: tuple[RecordFacts, ...]
    inherited: bool


def _names_to_walk(fqdn: str) -> Iterator[str]:
    labels = fqdn.split(".")
    # Stop above the last two labels: a public suffix never publishes for its registrants.
    for index in range(0, max(len(labels) - 1, 1)):
        yield ".".join(labels[index:])


def find_policy(lane: LaneFacts, stack: StackFacts) -> FoundPolicy | None:
    """The first name of the tree walk with DMARC records in the stack, or None."""
    for domain in _names_to_walk(lane.fqdn):
        records = tuple(r for r in stack.txt_at(f"_dmarc.{domain}") if is_dmarc_record(r.content))
        if records:
            return FoundPolicy(domain, records, inherited=domain != lane.fqdn)
    return None


def _source(found: FoundPolicy, lane: LaneFacts) -> str:
    name = f"_dmarc.{found.domain}"
    return f"{name} (inherited by {lane.fqdn})" if found.inherited else name


def check_present_and_valid(stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
    for lane in stack.lanes:
        for record in stack.txt_at(f"_dmarc.{lane.fqdn}"):
            if not is_dmarc_record(record.content):
                yield Violation(
                    f"TXT {record.name} does not start with v=DMARC1, so receivers ignore it "
                    f"(RFC 9989 §4.7): {record.content[:40]!r}",
                    lane=lane,
                    record=record,
                )
        found = find_policy(lane, stack)
        if found is None:
            yield Violation(
                f"lane {lane.label} has no DMARC record at _dmarc.{lane.fqdn} or any parent "
                "in the stack; set dmarc: on the brand or the lane",
                lane=lane,
                field="dmarc",
            )
            continue
        if len(found.records) > 1:
            yield Violation(
                f"{_source(found, lane)} has {len(found.records)} DMARC records: receivers "
                "apply none of them (RFC 9989 §4.10)",
                lane=lane,
                record=found.records[1],
            )
            continue
        analysis = found.records[0].dmarc
        if analysis.errors:
            yield Violation(
                f"DMARC record {_source(found, lane)} is not valid: {'; '.join(analysis.errors)}",
                lane=lane,
                record=found.records[0],
            )


def _covers(domain: str, parent: str) -> bool:
    return domain == parent or domain.endswith(f".{parent}")


def parse_domains(value: object) -> tuple[str, ...]:
    """A list of domain names (external report destinations known to authorize reports)."""
    if not isinstance(value, list | tuple):
        raise ValueError(f"must be a list of domain names, got {quoted(value)}")
    domains = []
    for item in value:
        if not isinstance(item, str) or "." not in item.strip(". ") or " " in item.strip():
            raise ValueError(f"{quoted(item)} is not a domain name")
        domains.append(item.strip().rstrip(".").lower())
    return tuple(domains)


AUTHORIZED_DESTINATIONS = OptionSpec(
    name="authorizedDestinations",
    description="Report destination domains outside the stack known to publish RFC 7489 §7.1 "
    "authorization records (for example a DMARC report vendor).",
    schema={"type": "array", "items": {"type": "string", "minLength": 3}, "default": []},
    default=(),
    parse=parse_domains,
)


def _analysis(found: FoundPolicy) -> DmarcAnalysis | None:
    if len(found.records) != 1:
        return None
    analysis = found.records[0].dmarc
    return analysis if analysis.record is not None else None


def check_reporting(stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
    authorized: tuple[str, ...] = options["authorizedDestinations"]
    brand_domains = tuple(stack.brand_domains.values())
    for lane in stack.lanes:
        found = find_policy(lane, stack)
        analysis = _analysis(found) if found is not None else None
        if found is None or analysis is None or analysis.record is None:
            continue  # dmarc-present-and-valid reports it
        record = found.records[0]
        if not analysis.record.rua:
            yield Violation(
                f"DMARC record {_source(found, lane)} has no rua=: nobody receives aggregate "
                "reports, so failures and spoofing go unseen (RFC 9989 §4.7)",
                lane=lane,
                record=record,
                field="dmarc.rua",
            )
        for uri in (*analysis.record.rua, *analysis.record.ruf):
            target = uri.domain
            if target is None or _covers(target, lane.domain):
                continue
            name = f"{found.domain}._report._dmarc.{target}"
            if any(_covers(target, domain) for domain in brand_domains):
                if not any(is_dmarc_record(r.content) for r in stack.txt_at(name)):
                    yield Violation(
                        f"{uri.uri} is at {target}, another brand of the stack, but the stack "
                        f"does not publish {name} = v=DMARC1: receivers will not send the "
                        "reports (RFC 7489 §7.1)",
                        lane=lane,
                        record=record,
                        field="dmarc.rua",
                    )
            elif not any(_covers(target, domain) for domain in authorized):
                yield Violation(
                    f"{uri.uri} is outside {lane.domain}: receivers send reports only if "
                    f"{target} publishes {name} (RFC 7489 §7.1); confirm it does, then list "
                    f"{target} in this rule's authorizedDestinations",
                    lane=lane,
                    record=record,
                    field="dmarc.rua",
                )


RULES = (
    Rule(
        id="dmarc-present-and-valid",
        level=Level.MANDATORY,
        family=FAMILY,
        description="Every lane is covered by exactly one valid DMARC record, its own or "
        "a parent's.",
        rationale="Gmail and Yahoo require DMARC of bulk senders, and without a valid record "
        "receivers have no policy and no alignment for the lane (RFC 9989 §4.10).",
        remediation="Set dmarc: (policy and rua) on the brand, or on the lane to override.",
        scope=Scope.STACK,
        reads=frozenset({Fact.LANE, Fact.RECORDS}),
        check_stack=check_present_and_valid,
    ),
    Rule(
        id="dmarc-reporting",
        level=Level.ADVISORY,
        family=FAMILY,
        description="Each lane's DMARC record asks for aggregate reports (rua), and report "
        "destinations outside the brand are authorized.",
        rationale="Aggregate reports are how a lane's failures and spoofing are seen. "
        "Receivers send reports to another organization's domain only if that domain "
        "publishes an authorization record (RFC 7489 §7.1).",
        remediation="Add rua=mailto:… at the brand's domain, or make sure the external "
        "destination authorizes the lane and list it in authorizedDestinations.",
        scope=Scope.STACK,
        reads=frozenset({Fact.LANE, Fact.RECORDS}),
        check_stack=check_reporting,
        options=(AUTHORIZED_DESTINATIONS,),
    ),
)
