"""One DMARC aggregate report as read from its XML: immutable, typed, nothing else.

Named tuples rather than dataclasses: reports cross from parsing processes to the one that
adds them up, and tuples pickle in C (frozen dataclasses pickled at ~40% of the parse cost).
"""

from __future__ import annotations

from typing import NamedTuple

#: The RFC 9990 aggregate report namespace; RFC 7489 reports have none.
DMARC2_NAMESPACE = "urn:ietf:params:xml:ns:dmarc-2.0"


class DkimResult(NamedTuple):
    """One ``auth_results/dkim``: the signing domain, selector (may be absent) and result."""

    domain: str
    selector: str | None
    result: str


class SpfResult(NamedTuple):
    """One ``auth_results/spf``: the checked domain, its scope (``mfrom``/``helo``), result."""

    domain: str
    scope: str | None
    result: str


class Row(NamedTuple):
    """One ``<record>``: a source IP and what the receiver saw and did for ``count`` messages."""

    source_ip: str
    messages: int  # the report's <count>
    disposition: str
    dkim: str  # policy_evaluated: aligned DKIM pass or not
    spf: str  # policy_evaluated: aligned SPF pass or not
    header_from: str
    envelope_from: str | None
    dkim_results: tuple[DkimResult, ...]
    spf_results: tuple[SpfResult, ...]

    @property
    def dkim_aligned(self) -> bool:
        return self.dkim == "pass"

    @property
    def spf_aligned(self) -> bool:
        return self.spf == "pass"

    @property
    def dmarc_pass(self) -> bool:
        return self.dkim == "pass" or self.spf == "pass"

    @property
    def envelope_domain(self) -> str | None:
        """The RFC 5321 MAIL FROM domain: ``envelope_from``, else the SPF ``mfrom`` result's."""
        if self.envelope_from:
            return self.envelope_from
        for result in self.spf_results:
            if result.scope in (None, "mfrom"):
                return result.domain
        return None


class Report(NamedTuple):
    """A whole aggregate report: who sent it, for which period and domain, and its rows."""

    format: str  # "rfc7489" or "dmarc-2.0"
    org_name: str
    report_id: str
    begin: int  # POSIX seconds, UTC
    end: int
    policy_domain: str
    rows: tuple[Row, ...]

    @property
    def midpoint(self) -> int:
        return (self.begin + self.end) // 2
