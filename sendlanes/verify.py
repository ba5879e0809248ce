"""Live verification: does DNS publish what the plan declares, and does it work?

For every lane, :func:`verify_lanes` asks DNS (the zone's authoritative servers, or the name
servers the user named) and compares the published records with the plan's, then judges
what receivers will see: SPF (RFC 7208), DKIM keys behind CNAME delegations (RFC 6376),
DMARC policy discovery and report authorization (RFC 9989, RFC 9990), and whether the
return-path and link-tracking targets resolve.

Every check ends ``pass``, ``fail``, ``warn`` or ``error``. ``error`` means no verdict (a
timeout, SERVFAIL, the run's deadline): a check that could not be completed is never a pass.

Every question goes through one :class:`Route` whose cache is shared by the whole run, so a
name several lanes depend on (an ``include:`` target, the organizational ``_dmarc`` record) is
asked for once. The questions the checks will ask are sent first, many at a time and bounded
(:mod:`sendlanes.verify_prefetch`); the checks then mostly read the cache.
:mod:`sendlanes.verify_jobs` spreads a large stack over processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Protocol

from sendlanes.errors import EXIT_FINDINGS, EXIT_NO_VERDICT, EXIT_OK
from sendlanes.lookup import AnswerLookup, DnsAnswer, DnsError, QueryStats, Question
from sendlanes.plan import BrandPlan, LanePlan, Plan

__all__ = [
    "BrandResult",
    "Check",
    "CheckStatus",
    "LaneResult",
    "Route",
    "VerifyReport",
    "verify_lanes",
]


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
    """Where verify's questions go (see :mod:`sendlanes.verify_servers`)."""

    @property
    def lookup(self) -> AnswerLookup: ...

    @property
    def stats(self) -> QueryStats:
        """The run's query counters."""
        ...

    def prepare(self, targets: Sequence[tuple[str, str]]) -> dict[str, Check]:
        """Find the servers for each (FQDN, brand domain); a blocking check per FQDN that
        cannot be verified (every check of it would be an error)."""
        ...

    def prefetch(self, questions: Iterable[Question]) -> Mapping[Question, DnsAnswer | DnsError]:
        """Ask many questions at once into the run's cache."""
        ...

    def servers(self) -> dict[str, list[str]]:
        """Zone apex (``*``: every name) → the servers asked."""
        ...


#: (phase, done, total): phase is "zones", "dns" or "checks".
ProgressCallback = Callable[[str, int, int], None]


def verify_lanes(
    plan: Plan,
    lanes: Sequence[LanePlan],
    route: Route,
    *,
    concurrency: int = 1,
    on_progress: ProgressCallback | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> VerifyReport:
    """Verify *lanes* of *plan* (and their brands' brand-wide records) through *route*.

    First the zones' servers are found, then the questions the checks will ask are sent in
    waves (:mod:`sendlanes.verify_prefetch`), then each lane's checks run on *concurrency*
    threads against the warm cache (a question the waves missed is asked then). Never
    raises for DNS trouble: that is an ``error`` check.
    """
    from sendlanes.verify_auth import RunMemo, brand_checks, lane_checks
    from sendlanes.verify_prefetch import brand_questions, lane_questions, warm

    started = clock()
    brands = _brands_of(plan, lanes)
    domains = {brand.name: brand.domain for brand in plan.brands}
    report = on_progress or (lambda _phase, _done, _total: None)

    targets = [(lane.fqdn, domains[lane.brand]) for lane in lanes]
    targets += [(brand.domain, brand.domain) for brand in brands]
    report("zones", 0, len(targets))
    blocked = route.prepare(targets)
    report("zones", len(targets), len(targets))

    questions = [q for lane in lanes if lane.fqdn not in blocked for q in lane_questions(lane)]
    questions += [q for b in brands if b.domain not in blocked for q in brand_questions(b)]
    asked = 0

    def wave(_number: int, size: int) -> None:
        # Questions sent so far out of those known so far: each wave adds the next ones.
        nonlocal asked
        report("dns", asked, asked + size)
        asked += size

    warm(route.prefetch, questions, on_wave=wave)
    report("dns", asked, asked)

    lookup = route.lookup
    memo = RunMemo(lookup)

    def lane_job(lane: LanePlan) -> tuple[Check, ...]:
        stop = blocked.get(lane.fqdn)
        return (stop,) if stop is not None else lane_checks(lane, lookup, memo)

    def brand_job(brand: BrandPlan) -> tuple[Check, ...]:
        stop = blocked.get(brand.domain)
        return (stop,) if stop is not None else brand_checks(brand, lookup)

    tasks: list[Callable[[], tuple[Check, ...]]] = [partial(lane_job, lane) for lane in lanes]
    tasks += [partial(brand_job, brand) for brand in brands]
    results = _run_tasks(tasks, concurrency, lambda done: report("checks", done, len(tasks)))
    lane_results = [
        LaneResult(lane.brand, lane.name, lane.fqdn, checks)
        for lane, checks in zip(lanes, results[: len(lanes)], strict=True)
    ]
    brand_results = [
        BrandResult(brand.name, brand.domain, checks)
        for brand, checks in zip(brands, results[len(lanes) :], strict=True)
    ]
    return VerifyReport(
        tuple(lane_results),
        tuple(brand_results),
        route.stats.to_json(),
        clock() - started,
        route.servers(),
    )


#: Tasks are handed to the threads in this many batches per thread: a future per lane would
#: cost more in locking and thread hand-overs than a check against the warm cache.
BATCHES_PER_THREAD = 8


def _run_tasks(
    tasks: Sequence[Callable[[], tuple[Check, ...]]],
    concurrency: int,
    on_done: Callable[[int], None],
) -> list[tuple[Check, ...]]:
    """Each task's result, in task order, run on *concurrency* threads (in batches)."""
    done = 0
    finished = threading.Lock()

    def run_batch(batch: Sequence[Callable[[], tuple[Check, ...]]]) -> list[tuple[Check, ...]]:
        nonlocal done
        results = []
        for task in batch:
            results.append(task())
            with finished:
                done += 1
                on_done(done)
        return results

    if concurrency <= 1 or len(tasks) <= 1:
        return run_batch(tasks)
    size = max(1, -(-len(tasks) // (concurrency * BATCHES_PER_THREAD)))
    batches = [tasks[start : start + size] for start in range(0, len(tasks), size)]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return [checks for batch in pool.map(run_batch, batches) for checks in batch]


def _brands_of(plan: Plan, lanes: Sequence[LanePlan]) -> tuple[BrandPlan, ...]:
    """The brands *lanes* belong to that have brand-wide records, in plan order."""
    wanted = {lane.brand for lane in lanes}
    return tuple(b for b in plan.brands if b.name in wanted and b.records)
