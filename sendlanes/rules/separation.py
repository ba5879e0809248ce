"""Lane separation: nothing that carries reputation is shared across lanes of different kinds.

Mailbox providers keep reputation per sending domain, DKIM ``d=`` domain, envelope (bounce)
domain, link-tracking domain and sending account. Each rule here checks one of those
identities.
"""

from __future__ import annotations

from collections.abc import Iterator

from sendlanes.lanes.catalog import LaneKind
from sendlanes.lanes.records import Purpose
from sendlanes.rules.facts import Fact, LaneFacts, StackFacts
from sendlanes.rules.model import Level, Rule, RuleOptions, Scope, Violation

FAMILY = "separation"


def _parents(name: str) -> Iterator[str]:
    """Proper ancestors of *name*, nearest first (``a.b.c`` → ``b.c``, ``c``)."""
    labels = name.split(".")
    for index in range(1, len(labels)):
        yield ".".join(labels[index:])


def check_subdomains_distinct(stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
    owners: dict[str, LaneFacts] = {}
    for lane in stack.lanes:
        first = owners.get(lane.fqdn)
        if first is not None:
            yield Violation(
                f"lane {lane.label} uses the same subdomain as lane {first.key}: every lane "
                "needs its own sending domain, or their reputations are one",
                lane=lane,
                field="subdomain",
            )
        else:
            owners[lane.fqdn] = lane
    for lane in stack.lanes:
        for parent in _parents(lane.fqdn):
            outer = owners.get(parent)
            if outer is not None and outer is not lane:
                yield Violation(
                    f"lane {lane.label} sits under lane {outer.label}: DMARC policy and "
                    f"reputation of {outer.fqdn} reach into {lane.fqdn}; use sibling "
                    "subdomains",
                    lane=lane,
                    field="subdomain",
                )
                break


def _shared_credentials(stack: StackFacts) -> Iterator[tuple[LaneFacts, LaneFacts]]:
    """Pairs (earlier, later) of lanes with the same SMTP host and user name."""
    groups: dict[tuple[str, str], list[LaneFacts]] = {}
    for lane in stack.lanes:
        smtp = lane.smtp
        if smtp.host is None or smtp.username is None or smtp.username_is_fixed:
            continue  # a fixed user name ("apikey") does not identify the credential
        groups.setdefault((smtp.host.lower(), smtp.username), []).append(lane)
    for lanes in groups.values():
        for index, later in enumerate(lanes):
            for earlier in lanes[:index]:
                yield earlier, later


def _credential_message(earlier: LaneFacts, later: LaneFacts) -> str:
    # The user name itself is left out: some are access-key ids, and a value the engine marks
    # secret reaches policies already unwrapped, so messages must not carry it.
    return (
        f"lane {later.label} logs in to {later.smtp.host} with the same user name as lane "
        f"{earlier.label}: one SMTP account means one sending reputation"
    )


def check_transactional_credentials(stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
    for earlier, later in _shared_credentials(stack):
        kinds = {earlier.kind, later.kind}
        if LaneKind.TRANSACTIONAL in kinds and len(kinds) == 2:
            yield Violation(_credential_message(earlier, later), lane=later, field="smtp.username")


def check_bulk_credentials(stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
    for earlier, later in _shared_credentials(stack):
        if {earlier.kind, later.kind} == {LaneKind.LIFECYCLE, LaneKind.PROMOTIONAL}:
            yield Violation(_credential_message(earlier, later), lane=later, field="smtp.username")


def _dkim_identities(lane: LaneFacts) -> Iterator[tuple[str, str, str]]:
    """(identity, what it is, record name) for each DKIM key the lane signs with."""
    for record in lane.records_with(Purpose.DKIM):
        yield f"name:{record.name}", f"selector {record.name}", record.name
        if record.type == "CNAME":
            target = record.content.rstrip(".").lower()
            yield f"target:{target}", f"the provider key at {target}", record.name
        elif record.type == "TXT":
            key = _dkim_public_key(record.content)
            if key:
                yield f"key:{key}", "the same public key", record.name


def _dkim_public_key(content: str) -> str | None:
    for part in content.split(";"):
        name, _, value = part.partition("=")
        if name.strip().lower() == "p":
            return "".join(value.split()) or None
    return None


def check_separate_dkim(stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
    seen: dict[str, LaneFacts] = {}
    for lane in stack.lanes:
        reported: set[str] = set()
        for identity, what, name in _dkim_identities(lane):
            first = seen.setdefault(identity, lane)
            if first is lane or first.key in reported:
                continue
            reported.add(first.key)
            record = next((r for r in lane.records if r.name == name), None)
            yield Violation(
                f"lane {lane.label} signs with {what} ({name}), as lane {first.label} does: a "
                "key shared between lanes ties their mail together",
                lane=lane,
                record=record,
            )


def check_separate_return_path_and_tracking(
    stack: StackFacts, options: RuleOptions
) -> Iterator[Violation]:
    owners: dict[str, tuple[LaneFacts, str]] = {}
    for lane in stack.lanes:
        hosts = [(lane.return_path_host, "return-path")] if lane.return_path_host else []
        hosts += [(host, "link-tracking") for host in lane.tracking_hosts]
        for host, role in hosts:
            if host is None:
                continue
            name = host.rstrip(".").lower()
            first = owners.setdefault(name, (lane, role))
            other, other_role = first
            if other is lane or other.kind is lane.kind:
                continue
            yield Violation(
                f"lane {lane.label} uses {name} as its {role} host, which lane {other.label} "
                f"uses as its {other_role} host: bounces and clicks of different lane kinds "
                "must not share a domain",
                lane=lane,
            )


RULES = (
    Rule(
        id="lane-subdomains-distinct",
        level=Level.MANDATORY,
        family=FAMILY,
        description="Every lane has its own sending subdomain, and none sits under another's.",
        rationale=(
            "Receivers keep reputation per domain, and DMARC policy and reputation of a "
            "domain extend to the names under it: mail.receipts.acme.example inherits from "
            "receipts.acme.example."
        ),
        remediation="Give each lane a sibling subdomain of the brand domain (receipts., "
        "notify., mail.).",
        scope=Scope.STACK,
        reads=frozenset({Fact.LANE}),
        check_stack=check_subdomains_distinct,
    ),
    Rule(
        id="lane-kinds-separate-smtp-credentials",
        level=Level.MANDATORY,
        family=FAMILY,
        description="A transactional lane never shares an SMTP account (host and user name) "
        "with a lifecycle or promotional lane.",
        rationale=(
            "Providers rate and throttle per account: a promotional blast that draws "
            "complaints would slow or suspend receipts and password resets sent through the "
            "same login. Providers whose user name is fixed (SendGrid's 'apikey') are told "
            "apart by the password, which is never read."
        ),
        remediation="Create a separate SMTP credential (sub-account, API key or IAM user) for "
        "the transactional lane and set it in smtp.username and sendlanes:smtpPasswords.",
        scope=Scope.STACK,
        reads=frozenset({Fact.LANE, Fact.SMTP}),
        check_stack=check_transactional_credentials,
    ),
    Rule(
        id="bulk-lanes-separate-smtp-credentials",
        level=Level.ADVISORY,
        family=FAMILY,
        description="Lifecycle and promotional lanes use different SMTP accounts.",
        rationale=(
            "The advisory half of lane-kinds-separate-smtp-credentials: revenue flows (cart "
            "abandonment, post-purchase) should not be throttled by newsletter complaints. "
            "CrossGuard gives a policy one level, so this half has its own id."
        ),
        remediation="Give the lifecycle lane its own SMTP credential.",
        scope=Scope.STACK,
        reads=frozenset({Fact.LANE, Fact.SMTP}),
        check_stack=check_bulk_credentials,
    ),
    Rule(
        id="lane-kinds-separate-dkim",
        level=Level.MANDATORY,
        family=FAMILY,
        description="No DKIM key is shared between lanes: not a selector name, not a "
        "provider key a CNAME points to, not the same public key.",
        rationale=(
            "A shared key means one compromise or rotation affects both lanes and ties their "
            "signatures together (RFC 6376 §3.1: selectors exist to separate keys). Mandrill "
            "signs every customer with the same two keys, so only one lane can use it."
        ),
        remediation="Generate a key pair per lane (or authenticate each lane's subdomain "
        "separately at the provider).",
        scope=Scope.STACK,
        reads=frozenset({Fact.LANE, Fact.RECORDS}),
        check_stack=check_separate_dkim,
    ),
    Rule(
        id="lane-kinds-separate-return-path-and-tracking",
        level=Level.MANDATORY,
        family=FAMILY,
        description="Return-path (bounce) and link-tracking hosts are never shared between "
        "lanes of different kinds.",
        rationale=(
            "The envelope domain carries SPF results and bounce reputation, and the tracking "
            "domain appears in every link: both are judged like the sending domain."
        ),
        remediation="Use return-path and tracking hosts under each lane's own subdomain.",
        scope=Scope.STACK,
        reads=frozenset({Fact.LANE, Fact.RETURN_PATH, Fact.TRACKING}),
        check_stack=check_separate_return_path_and_tracking,
    ),
)
