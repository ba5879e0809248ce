"""Zone semantics: records that no DNS server would load together."""

from __future__ import annotations

from collections.abc import Iterator

from sendlanes.plan.zone import RFC, cname_collisions
from sendlanes.rules.facts import Fact, RecordFacts, StackFacts
from sendlanes.rules.model import Level, Rule, RuleOptions, Scope, Violation

FAMILY = "dns"


def _origin(record: RecordFacts) -> str:
    """Which part of the stack publishes *record*: the lane, the brand, or a resource."""
    purpose = f" {record.purpose}" if record.purpose is not None else ""
    if record.lane is not None:
        return f"lane {record.lane}{purpose} record"
    if record.brand is not None:
        return f"brand {record.brand}{purpose} record"
    return f"record {record.urn}" if record.urn is not None else "record outside sendlanes"


def check_cname_stands_alone(stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
    for collision in cname_collisions(stack.records):
        cname = collision.cname
        others = ", ".join(f"{r.type} ({_origin(r)})" for r in collision.others)
        yield Violation(
            f"CNAME {collision.name} ({_origin(cname)}) cannot share its name with {others}: "
            f"a CNAME stands alone at its name ({RFC}); DNS servers and Cloudflare refuse "
            "the zone",
            record=cname,
            brand=cname.brand,
        )


RULES = (
    Rule(
        id="cname-stands-alone",
        level=Level.MANDATORY,
        family=FAMILY,
        description="A name with a CNAME has no other record: no second CNAME, no MX or TXT "
        "beside it, across lanes, brand-wide records and brands sharing a zone.",
        rationale="A CNAME makes its name an alias of another (RFC 1034 §3.6.2, RFC 2181 "
        "§10.1); a zone with anything beside it is refused by DNS servers and by Cloudflare, "
        "so the update fails half-way and mail to that name breaks.",
        remediation="Move the tracking host, return-path host or lane subdomain so each "
        "CNAME has a name of its own (e.g. links. for tracking, a distinct subdomain per "
        "lane).",
        scope=Scope.STACK,
        reads=frozenset({Fact.RECORDS}),
        check_stack=check_cname_stands_alone,
    ),
)
