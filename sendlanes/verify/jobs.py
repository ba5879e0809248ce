"""Verifying a large stack on several CPUs: one forked process per share of the brands.

Python runs one thread at a time, and a warm-cache verify is mostly computation (parsing
records, walking SPF includes), so threads do not make a thousand-brand run faster;
processes do. The brands are dealt out to *jobs* processes, each of which runs
:func:`sendlanes.verify.runner.verify_lanes` on its share with its own copy of the route (and so its
own cache: a provider's ``include:`` target is asked once per process, not once per lane).
Results come back over a pipe and are put back in plan order, so the report is the same
whatever *jobs* is.

Processes are forked, which keeps the plan and the route without pickling them; where
``fork`` is not available the run stays in one process.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from sendlanes.dns.window import Window
from sendlanes.plan.model import LanePlan, Plan
from sendlanes.verify.model import BrandResult, LaneResult, ProgressCallback, Route, VerifyReport
from sendlanes.verify.runner import verify_lanes

#: Seconds between progress messages from a worker.
PROGRESS_INTERVAL = 0.1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def deal(lanes: Sequence[LanePlan], jobs: int) -> list[list[LanePlan]]:
    """*lanes* in *jobs* shares of whole brands, as even in lanes as a greedy deal makes them."""
    by_brand: dict[str, list[LanePlan]] = {}
    for lane in lanes:
        by_brand.setdefault(lane.brand, []).append(lane)
    shares: list[list[LanePlan]] = [[] for _ in range(max(1, jobs))]
    for brand_lanes in sorted(by_brand.values(), key=len, reverse=True):
        min(shares, key=len).extend(brand_lanes)
    return [share for share in shares if share]


def verify_in_processes(
    plan: Plan,
    lanes: Sequence[LanePlan],
    route: Route,
    *,
    jobs: int,
    concurrency: int = 1,
    on_progress: ProgressCallback | None = None,
    clock: Callable[[], float] = time.monotonic,
    window: Window | None = None,
) -> VerifyReport:
    """Like :func:`~sendlanes.verify.runner.verify_lanes` (own stats), on *jobs* processes.

    *window* is the run's budget of DNS questions in flight (the route's resolvers share
    it): each worker takes an equal share, so the run as a whole keeps the budget.
    """
    shares = deal(lanes, jobs)
    if len(shares) < 2 or not can_fork():
        return verify_lanes(
            plan, lanes, route, concurrency=concurrency, on_progress=on_progress, clock=clock
        )
    started = clock()
    context = multiprocessing.get_context("fork")
    workers: dict[Connection, Any] = {}
    for share in shares:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_work,
            args=(sender, plan, share, route, concurrency, window, len(shares)),
            daemon=True,
        )
        process.start()
        sender.close()
        workers[receiver] = process
    reports = _collect(workers, on_progress)
    return _merged(reports, lanes, clock() - started)


def _work(
    sender: Connection,
    plan: Plan,
    lanes: list[LanePlan],
    route: Route,
    concurrency: int,
    window: Window | None,
    workers: int,
) -> None:
    """In the worker: verify *lanes*, sending progress now and then and the report at the end."""
    if window is not None:
        window.divide(workers)  # this process's copy: its share of the run's budget
    last = 0.0

    def progress(phase: str, done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_INTERVAL or done >= total:
            last = now
            sender.send(("progress", phase, done, total))

    try:
        report = verify_lanes(plan, lanes, route, concurrency=concurrency, on_progress=progress)
        sender.send(("report", report))
    except BaseException as error:
        sender.send(("failed", f"{type(error).__name__}: {error}"))
        raise
    finally:
        sender.close()


def _collect(
    workers: dict[Connection, Any], on_progress: ProgressCallback | None
) -> list[VerifyReport]:
    reports: list[VerifyReport] = []
    progress: dict[Connection, tuple[str, int, int]] = {}
    failures: list[str] = []
    pending = set(workers)
    while pending:
        for connection in wait(list(pending)):
            assert isinstance(connection, Connection)
            try:
                message = connection.recv()
            except EOFError:
                pending.discard(connection)
                workers[connection].join()
                continue
            if message[0] == "progress":
                progress[connection] = message[1:]
                if on_progress is not None:
                    on_progress(*_overall(progress, len(workers)))
            elif message[0] == "report":
                reports.append(message[1])
            else:
                failures.append(message[1])
    if failures or len(reports) != len(workers):
        reason = "; ".join(failures) or "a worker process ended without a report"
        raise RuntimeError(f"verify worker failed: {reason}")
    return reports


def _overall(
    progress: dict[Connection, tuple[str, int, int]], workers: int
) -> tuple[str, int, int]:
    """One (phase, done, total) for the bar: the slowest phase, with the counts of that phase."""
    order = ("zones", "dns", "checks")
    phases = [phase for phase, _, _ in progress.values()]
    if len(progress) < workers:
        phases.append("zones")
    phase = min(phases, key=order.index)
    same = [(done, total) for p, done, total in progress.values() if p == phase]
    return phase, sum(d for d, _ in same), sum(t for _, t in same)


def _merged(reports: list[VerifyReport], lanes: Sequence[LanePlan], elapsed: float) -> VerifyReport:
    by_lane: dict[tuple[str, str], LaneResult] = {}
    brands: dict[str, BrandResult] = {}
    queries: dict[str, int] = {}
    servers: dict[str, list[str]] = {}
    for report in reports:
        by_lane.update({(lane.brand, lane.lane): lane for lane in report.lanes})
        brands.update({brand.brand: brand for brand in report.brands})
        for key, value in report.queries.items():
            queries[key] = queries.get(key, 0) + value
        for apex, asked in report.servers.items():
            servers[apex] = list(dict.fromkeys([*servers.get(apex, []), *asked]))
    ordered = tuple(by_lane[(lane.brand, lane.name)] for lane in lanes)
    brand_order = list(dict.fromkeys(lane.brand for lane in lanes))
    return VerifyReport(
        ordered,
        tuple(brands[name] for name in brand_order if name in brands),
        queries,
        elapsed,
        dict(sorted(servers.items())),
    )
