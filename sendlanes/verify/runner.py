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
(:mod:`sendlanes.verify.prefetch`); the checks then mostly read the cache.
:mod:`sendlanes.verify.jobs` spreads a large stack over processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from sendlanes.plan.model import BrandPlan, LanePlan, Plan
from sendlanes.verify.auth import RunMemo, brand_checks, lane_checks
from sendlanes.verify.model import (
    BrandResult,
    Check,
    LaneResult,
    ProgressCallback,
    Route,
    VerifyReport,
)
from sendlanes.verify.prefetch import brand_questions, lane_questions, warm


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
    waves (:mod:`sendlanes.verify.prefetch`), then each lane's checks run on *concurrency*
    threads against the warm cache (a question the waves missed is asked then). Never
    raises for DNS trouble: that is an ``error`` check.
    """
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
