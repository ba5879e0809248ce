"""``sendlanes headers``: which lane really sent this message, and did it leave correctly?

From a received message (its header and body) and the stack's plan, :func:`analyze_message`
works out the sending lane (DKIM ``d=``, Return-Path, From), verifies every DKIM signature
(keys fetched through the injected :class:`~sendlanes.dns.resolver.DnsLookup`), evaluates DMARC
identifier alignment under the lane's ``adkim``/``aspf`` (RFC 9989 §4.4), checks the RFC 8058
one-click unsubscribe header fields on promotional and lifecycle lanes, and compares the
message's category (read from a configurable header) with the kind of lane it left through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sendlanes.auth.dmarc import organizational_domain
from sendlanes.dns.resolver import DnsLookup
from sendlanes.headers.budget import MAX_SIGNATURES_CHECKED
from sendlanes.headers.checks import (
    Check,
    CheckStatus,
    alignment_checks,
    category_check,
    dkim_checks,
    one_click_check,
)
from sendlanes.headers.message import DkimVerdict, MessageFacts, read_message, verify_signatures
from sendlanes.lanes.catalog import DEFAULT_CATALOG, Catalog
from sendlanes.plan.model import LanePlan

__all__ = [
    "DEFAULT_CATEGORY_HEADER",
    "Check",
    "CheckStatus",
    "HeadersReport",
    "analyze_message",
    "identify_lane",
    "lane_for_domain",
]

DEFAULT_CATEGORY_HEADER = "X-Sendlanes-Category"


@dataclass(frozen=True)
class HeadersReport:
    facts: MessageFacts
    category_header: str
    verdicts: tuple[DkimVerdict, ...]
    lane: LanePlan | None
    checks: tuple[Check, ...]

    @property
    def failed(self) -> bool:
        return any(c.status is CheckStatus.FAIL for c in self.checks)

    @property
    def errored(self) -> bool:
        return any(c.status is CheckStatus.ERROR for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        facts = self.facts
        return {
            "message": {
                "from": list(facts.from_addresses),
                "from_domain": facts.from_domain,
                "return_path": facts.return_path,
                "spf_domain": facts.spf_domain,
                "subject": facts.subject,
                "message_id": facts.message_id,
                "category": {"header": self.category_header, "value": facts.category},
                "list_unsubscribe": facts.list_unsubscribe,
                "list_unsubscribe_post": facts.list_unsubscribe_post,
                "dkim": [
                    {
                        "domain": v.signature.domain,
                        "selector": v.signature.selector,
                        "algorithm": v.signature.algorithm,
                        "signed_headers": list(v.signature.signed_headers),
                        "result": str(v.result),
                        "detail": v.detail,
                    }
                    for v in self.verdicts
                ],
                "problems": list(facts.problems),
            },
            "lane": None
            if self.lane is None
            else {"brand": self.lane.brand, "lane": self.lane.name, "kind": str(self.lane.kind)},
            "checks": [c.to_json() for c in self.checks],
        }


# -- which lane ------------------------------------------------------------------------------


def _under(domain: str, parent: str) -> bool:
    parent = parent.rstrip(".").lower()
    return domain == parent or domain.endswith("." + parent)


def lane_for_domain(
    domain: str, lanes: Sequence[LanePlan], *, envelope: bool = False
) -> LanePlan | None:
    """The lane whose FQDN is *domain* or a parent of it (the most specific one).

    With *envelope*, a lane's ``return_path_host`` counts too (a Return-Path domain).
    """
    best: LanePlan | None = None
    best_length = -1
    for lane in lanes:
        hosts = [lane.fqdn]
        if envelope and lane.return_path_host:
            hosts.append(lane.return_path_host)
        for host in hosts:
            if _under(domain, host) and len(host) > best_length:
                best, best_length = lane, len(host)
    return best


@dataclass(frozen=True)
class _Evidence:
    label: str
    lane: LanePlan


def _evidence(
    facts: MessageFacts, verdicts: Sequence[DkimVerdict], lanes: Sequence[LanePlan]
) -> list[_Evidence]:
    """Identifiers pointing at lanes, strongest first: verified DKIM, Return-Path, the rest."""
    found: list[_Evidence] = []
    ordered = [v for v in verdicts if v.verified] + [v for v in verdicts if not v.verified]
    verified_found: list[_Evidence] = []
    for verdict in ordered:
        lane = lane_for_domain(verdict.signature.domain, lanes)
        if lane is not None:
            state = "verified" if verdict.verified else f"not verified: {verdict.result}"
            item = _Evidence(f"DKIM d={verdict.signature.domain} ({state})", lane)
            (verified_found if verdict.verified else found).append(item)
    spf_domain = facts.spf_domain
    envelope = lane_for_domain(spf_domain, lanes, envelope=True) if spf_domain else None
    if envelope is not None:
        found.insert(0, _Evidence(f"Return-Path {facts.return_path}", envelope))
    from_domain = facts.from_domain
    author = lane_for_domain(from_domain, lanes) if from_domain else None
    if author is not None:
        found.append(_Evidence(f"From {from_domain}", author))
    return verified_found + found


def identify_lane(
    facts: MessageFacts, verdicts: Sequence[DkimVerdict], lanes: Sequence[LanePlan]
) -> tuple[LanePlan | None, Check]:
    """The sending lane and the ``lane`` check (fails when identifiers point at two lanes)."""
    if not lanes:
        return None, Check(
            "lane", CheckStatus.SKIP, "no stack config (--stack/--config): lanes not known"
        )
    evidence = _evidence(facts, verdicts, lanes)
    if not evidence:
        seen = [f"d={v.signature.domain}" for v in verdicts]
        seen += [f"Return-Path {facts.spf_domain}"] if facts.spf_domain else []
        seen += [f"From {facts.from_domain}"] if facts.from_domain else []
        shown = ", ".join(seen) or "no DKIM signature, Return-Path or From domain"
        return None, Check(
            "lane",
            CheckStatus.FAIL,
            f"sent through none of the stack's {len(lanes)} lanes ({shown})",
        )
    lane = evidence[0].lane
    others = [e for e in evidence if e.lane.key != lane.key]
    labels = ", ".join(e.label for e in evidence if e.lane.key == lane.key)
    if others:
        elsewhere = "; ".join(f"{e.label} belongs to {e.lane.key}" for e in others)
        return lane, Check(
            "lane",
            CheckStatus.FAIL,
            f"{lane.key} by {labels}, but {elsewhere}: the message mixes two lanes' identities",
        )
    return lane, Check("lane", CheckStatus.PASS, f"{lane.key} ({lane.kind}) by {labels}")


# -- the whole analysis ----------------------------------------------------------------------


def analyze_message(
    raw: bytes,
    *,
    lookup: DnsLookup,
    lanes: Sequence[LanePlan] = (),
    catalog: Catalog = DEFAULT_CATALOG,
    category_header: str = DEFAULT_CATEGORY_HEADER,
    max_signatures: int | None = MAX_SIGNATURES_CHECKED,
    on_progress: Callable[[int, int], None] | None = None,
) -> HeadersReport:
    """Analyze *raw* (an RFC 5322 message as received); never raises on message content.

    DNS answers (DKIM keys, organizational domains) come from *lookup*; *lanes* are the
    stack's lanes (empty: lane-based checks are skipped). Only the first *max_signatures*
    DKIM signatures are verified; *on_progress* hears ``(done, total)`` as they are.
    """
    facts = read_message(raw, category_header)
    verdicts = verify_signatures(facts, lookup, limit=max_signatures, on_progress=on_progress)
    lane, lane_check = identify_lane(facts, verdicts, lanes)
    checks = [
        Check(
            "from",
            CheckStatus.PASS if facts.from_domain else CheckStatus.FAIL,
            f"From {facts.from_addresses[0]}"
            if facts.from_domain
            else f"From holds {len(facts.from_addresses)} usable addresses; DMARC needs "
            "exactly one author domain (RFC 9989 §4.4.1)",
        ),
        lane_check,
        *dkim_checks(verdicts),
        *alignment_checks(facts, verdicts, lane, lambda name: organizational_domain(name, lookup)),
        one_click_check(facts, verdicts, lane),
        category_check(facts, lane, catalog, category_header),
    ]
    return HeadersReport(facts, category_header, verdicts, lane, tuple(checks))
