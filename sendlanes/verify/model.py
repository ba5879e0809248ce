"""What verify reports: a check's kind and status, per-lane and per-brand results, the report,
and the :class:`Route` every question goes through.

Every check ends ``pass``, ``fail``, ``warn`` or ``error``. ``error`` means no verdict (a
timeout, SERVFAIL, the run's deadline): a check that could not be completed is never a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from sendlanes.dns.resolver import AnswerLookup, DnsAnswer, DnsError, QueryStats, Question
from sendlanes.errors import EXIT_FINDINGS, EXIT_NO_VERDICT, EXIT_OK


class CheckStatus(StrEnum):
    """A check's verdict, from best to worst for the exit code (ARCHITECTURE.md §4)."""

    PASS = "pass"
    WARN = "warn"
    ERROR = "error"
    FAIL = "fail"


class CheckKind(StrEnum):
    """Stable check ids (the ``check`` field of the JSON)."""

    NAMESERVERS = "nameservers"
    RECORD = "record"
    EXTRA_RECORD = "extra-record"
    SPF = "spf"
    DKIM = "dkim"
    DMARC = "dmarc"
    DMARC_REPORT = "dmarc-report"
    RETURN_PATH = "return-path"
    TRACKING = "tracking"


@dataclass(frozen=True)
class Check:
    """One verdict: *check* is the kind, *name* what was checked (an FQDN or ``TYPE FQDN``)."""

    check: CheckKind
    name: str
    status: CheckStatus
    detail: str

    def to_json(self) -> dict[str, str]:
        return {
            "check": str(self.check),
            "name": self.name,
            "status": str(self.status),
            "detail": self.detail,
        }


def error_check(kind: CheckKind, name: str, error: DnsError | str) -> Check:
    """An ``error`` check: the question got no answer, so there is no verdict."""
    return Check(kind, name, CheckStatus.ERROR, f"no verdict: {error}")


@dataclass(frozen=True)
class LaneResult:
    brand: str
    lane: str
    fqdn: str
    checks: tuple[Check, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "brand": self.brand,
            "lane": self.lane,
            "fqdn": self.fqdn,
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass(frozen=True)
class BrandResult:
    """Brand-wide records (Customer.io link tracking, DMARC report authorizations)."""

    brand: str
    domain: str
    checks: tuple[Check, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "brand": self.brand,
            "domain": self.domain,
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass(frozen=True)
class VerifyReport:
    lanes: tuple[LaneResult, ...]
    brands: tuple[BrandResult, ...]
    queries: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    #: zone apex (``*`` for every name) → the servers asked
    servers: dict[str, list[str]] = field(default_factory=dict)

    def checks(self) -> Iterable[Check]:
        for lane in self.lanes:
            yield from lane.checks
        for brand in self.brands:
            yield from brand.checks

    def counts(self) -> dict[str, int]:
        counts = {str(status): 0 for status in CheckStatus}
        for check in self.checks():
            counts[str(check.status)] += 1
        return counts

    def exit_code(self) -> int:
        """0 all pass (warnings allowed), 1 any fail, 3 any error and no fail."""
        statuses = {check.status for check in self.checks()}
        if CheckStatus.FAIL in statuses:
            return EXIT_FINDINGS
        if CheckStatus.ERROR in statuses:
            return EXIT_NO_VERDICT
        return EXIT_OK

    def to_json(self) -> dict[str, object]:
        return {
            "lanes": [lane.to_json() for lane in self.lanes],
            "brands": [brand.to_json() for brand in self.brands],
            "summary": {
                "lanes": len(self.lanes),
                "checks": self.counts(),
                "exit_code": self.exit_code(),
                "queries": self.queries,
                "servers": self.servers,
                "seconds": round(self.elapsed, 3),
            },
        }


class Route(Protocol):
    """Where verify's questions go (see :mod:`sendlanes.verify.servers`)."""

    @property
    def lookup(self) -> AnswerLookup: ...

    @property
    def stats(self) -> QueryStats:
        """The run's query counters."""
        ...

    def prepare(self, targets: Sequence[tuple[str, str]]) -> dict[str, Check]:
        """Find the servers for each (FQDN, brand domain); a blocking check per FQDN that
        cannot be verified: an ``error`` when its servers cannot be found (every check of it
        would be an error), a ``fail`` when its brand domain does not exist."""
        ...

    def prefetch(self, questions: Iterable[Question]) -> Mapping[Question, DnsAnswer | DnsError]:
        """Ask many questions at once into the run's cache."""
        ...

    def servers(self) -> dict[str, list[str]]:
        """Zone apex (``*``: every name) → the servers asked."""
        ...


#: (phase, done, total): phase is "zones", "dns" or "checks".
ProgressCallback = Callable[[str, int, int], None]
