"""Rows to lanes, and what a lane's declared setup says about a row.

A row belongs to the lane whose FQDN equals its ``header_from`` (RFC 5322.From domain): that
is the domain DMARC judged. The plan says what the lane should look like on the wire: which
domain signs (the lane's FQDN, or under relaxed ``adkim`` its organizational domain, which in a
stack is the brand's domain), with which selectors, and from which return-path. A row that
differs is something only the lanes can show.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sendlanes.plan.model import Plan
from sendlanes.reports.model import Row


class FindingKind(StrEnum):
    """Stable ids of what a lane's reports show beyond pass rates (docs/reports.md).

    In declaration order of weight: on equal message counts the earlier one is listed first.
    """

    FAILING_BOTH = "failing-both"
    DKIM_UNALIGNED_SIGNER = "dkim-unaligned-signer"
    DKIM_UNKNOWN_SELECTOR = "dkim-unknown-selector"
    ENVELOPE_NOT_RETURN_PATH = "envelope-not-return-path"


@dataclass(frozen=True)
class LaneFacts:
    """What the plan declares about one lane, as the reports need it."""

    brand: str
    lane: str
    kind: str
    fqdn: str
    org_domain: str
    provider: str
    selectors: frozenset[str]
    return_path: str | None
    relaxed_dkim: bool

    @property
    def key(self) -> str:
        return f"{self.brand}/{self.lane}"

    def dkim_aligned(self, domain: str) -> bool:
        """RFC 7489 §3.1.1: strict needs the FQDN itself, relaxed the same org domain."""
        if domain == self.fqdn:
            return True
        org = self.org_domain
        return self.relaxed_dkim and (domain == org or domain.endswith("." + org))


def lane_facts(plan: Plan) -> tuple[LaneFacts, ...]:
    """Every lane of the plan, in plan order."""
    facts = []
    for brand in plan.brands:
        for lane in brand.lanes:
            selectors = frozenset(
                name.split("._domainkey.", 1)[0].lower() for name in lane.dkim_selectors
            )
            facts.append(
                LaneFacts(
                    brand=lane.brand,
                    lane=lane.name,
                    kind=str(lane.kind),
                    fqdn=lane.fqdn.lower(),
                    org_domain=brand.domain.lower(),
                    provider=lane.provider,
                    selectors=selectors,
                    return_path=lane.return_path_host.lower() if lane.return_path_host else None,
                    relaxed_dkim=lane.dmarc.adkim != "s",
                )
            )
    return tuple(facts)


def lanes_by_fqdn(lanes: Sequence[LaneFacts]) -> dict[str, LaneFacts]:
    return {lane.fqdn: lane for lane in lanes}


def row_findings(lane: LaneFacts, row: Row) -> Iterator[tuple[FindingKind, str]]:
    """What *row* shows against the lane's declared setup, as (kind, value) pairs."""
    passing = [r for r in row.dkim_results if r.result == "pass"]
    if passing and not any(lane.dkim_aligned(r.domain) for r in passing):
        yield FindingKind.DKIM_UNALIGNED_SIGNER, passing[0].domain
    for result in row.dkim_results:
        if (
            result.selector is not None
            and lane.dkim_aligned(result.domain)
            and result.selector not in lane.selectors
        ):
            yield FindingKind.DKIM_UNKNOWN_SELECTOR, result.selector
    if not row.dkim_aligned and not row.spf_aligned:
        yield FindingKind.FAILING_BOTH, row.source_ip
        return  # its envelope is the spoofer's: not a return-path to fix
    envelope = row.envelope_domain
    if envelope is not None and lane.return_path is not None and envelope != lane.return_path:
        yield FindingKind.ENVELOPE_NOT_RETURN_PATH, envelope
