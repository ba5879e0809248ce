"""Cloudflare proxying: mail records must resolve to the provider, not to Cloudflare."""

from __future__ import annotations

from collections.abc import Iterator

from sendlanes.rules.facts import Fact, RecordFacts
from sendlanes.rules.model import Level, Rule, RuleOptions, Scope, Violation

FAMILY = "dns"


def check_not_proxied(record: RecordFacts, options: RuleOptions) -> Iterator[Violation]:
    if record.proxied and record.is_mail_record:
        yield Violation(
            f"{record.where} is proxied by Cloudflare: resolvers get Cloudflare's addresses "
            "instead of the target, so the provider's DKIM, bounce or tracking host stops "
            "resolving to the provider (CNAME flattening); set proxied: false",
            record=record,
        )


RULES = (
    Rule(
        id="mail-records-not-proxied",
        level=Level.MANDATORY,
        family=FAMILY,
        description="No mail record (SPF, DKIM, DMARC, MX, return-path, tracking) is proxied "
        "by Cloudflare.",
        rationale="A proxied CNAME answers with Cloudflare's addresses instead of the "
        "provider's name, which breaks DKIM keys delegated by CNAME, bounce domains and "
        "the provider's verification of the lane.",
        remediation="Set proxied to false on the record (the SendingLane component always "
        "does; look for records created elsewhere).",
        scope=Scope.RECORD,
        reads=frozenset({Fact.RECORDS}),
        check_record=check_not_proxied,
    ),
)
