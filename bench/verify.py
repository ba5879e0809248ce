"""Benchmark: `sendlanes verify` against checkdmarc, on one Knot DNS server on loopback.

    python bench/verify.py --brands 1000            # markdown table on stdout
    python bench/verify.py --latency --brands 100,1000 --delays 0,30   # behind a slow link

Steps, all on 127.0.0.1:

1. ``bench/genstack.py --brands N`` writes a stack of N brands × 3 lanes (every provider
   preset appears); ``sendlanes plan --format zone`` turns it into the brands' zones, and
   the providers' zones (amazonses.com, sendgrid.net, …) are added from
   ``tests/support/provider_zones.py`` so every CNAME, include and MX chain resolves.
2. Knot DNS serves all of them (with its default of one worker per CPU), its statistics
   module counting every query it receives over UDP and TCP, so both tools are counted the
   same way, at the server.
3. ``sendlanes verify --nameserver`` checks every lane (records, SPF, DKIM, DMARC, report
   authorization, return path, tracking).
4. checkdmarc (PyPI; a bench-only dependency) checks the same lanes' SPF domains
   (``check_spf``) and DMARC (``check_dmarc``) against the same server, in a worker process
   whose sockets refuse any address outside 127.0.0.0/8.

Each tool runs in its own process; wall time is from start to exit, "checking" is the time
the tool spends checking (sendlanes' ``summary.seconds``; checkdmarc's loop), peak RSS is
the largest process's (``wait4``). Knot is started once and serves both runs.

With ``--latency``, both tools ask Knot through a proxy that adds a fixed delay to every
answer (``bench/dnsproxy.py``, UDP and TCP), for each stack size and delay given. The table
then shows, beside sendlanes' whole-process time, its floor on that link,
``max(waves × RTT, queries × RTT / window)`` (waves counted in a run in this process, window
the ``--concurrency`` budget), and checkdmarc on the same names; where checkdmarc would run
past ``--checkdmarc-budget`` seconds, it checks every k-th name and its checking time is
multiplied by k (the table says so).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.verify_tools import (
    CHECKDMARC_PYTHON,
    REPO,
    TREE,
    Run,
    checkdmarc_worker,
    counting_knot,
    generated_stack,
    median_run,
    run_checkdmarc,
    run_sendlanes,
)

# -- the report -----------------------------------------------------------------------------------


def table(runs: list[Run]) -> str:
    lines = [
        "| tool | lane domains | wall time | checking | CPU time | DNS queries | peak RSS "
        "| notes |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        lines.append(
            f"| {run.tool} | {run.domains:,} | {run.wall:.2f} s | {run.checking:.2f} s | "
            f"{run.cpu:.2f} s | {run.queries:,} | {run.peak_rss_mib:.0f} MiB | {run.note} |"
        )
    if len(runs) == 2:
        ours, theirs = runs
        lines.append("")
        lines.append(
            f"checkdmarc / sendlanes: wall time {theirs.wall / ours.wall:.1f}×, checking "
            f"{theirs.checking / ours.checking:.1f}×, CPU time {theirs.cpu / ours.cpu:.1f}×, "
            f"queries {theirs.queries / ours.queries:.2f}×"
        )
    return "\n".join(lines)


# -- behind a slow link -----------------------------------------------------------------------

#: Queries checkdmarc asks per SPF and per DMARC check, about: for its time estimate only.
CHECKDMARC_QUERIES_PER_NAME = 4
#: sendlanes verify's default --concurrency (the window of the floor when none is given).
DEFAULT_CONCURRENCY = 256


@dataclass(frozen=True)
class LatencyRow:
    lanes: int
    delay_ms: int
    ours: Run
    waves: int
    window: int
    theirs: Run | None

    @property
    def floor(self) -> float:
        rtt = self.delay_ms / 1000
        return max(self.waves * rtt, self.ours.queries * rtt / self.window)


def count_waves(plan: Any, server: Any) -> int:
    """Waves of questions a run sends (one process, straight to Knot): its serial round trips."""
    from sendlanes.dns.resolver import Resolver
    from sendlanes.verify.runner import verify_lanes
    from sendlanes.verify.servers import DirectRoute

    waves = 0

    def progress(phase: str, done: int, total: int) -> None:
        nonlocal waves
        waves += phase == "dns" and total > done

    verify_lanes(plan, plan.lanes(), DirectRoute(Resolver([server.address])), on_progress=progress)
    return waves


def latency_rows(args: argparse.Namespace, workdir: Path, brands: int) -> list[LatencyRow]:
    from bench.dnsproxy import LatencyProxy

    config, plan, zones = generated_stack(workdir, brands)
    rows: list[LatencyRow] = []
    with counting_knot().start(workdir, zones) as server:
        waves = count_waves(plan, server)
        for delay in args.delays:
            proxy = LatencyProxy(server.address, delay / 1000).start() if delay else None
            nameserver = proxy.nameserver if proxy is not None else server.nameserver
            try:
                ours = median_run(
                    [
                        run_sendlanes(config, server, args.jobs, nameserver, args.concurrency)
                        for _ in range(args.repeat)
                    ]
                )
                theirs = None
                if not args.skip_checkdmarc:
                    names = len(plan.lanes()) * 3
                    estimate = names * CHECKDMARC_QUERIES_PER_NAME * (delay / 1000 + 0.0005)
                    every = max(1, -(-int(estimate) // args.checkdmarc_budget))
                    port = proxy.port if proxy is not None else None
                    theirs = run_checkdmarc(plan, server, workdir, port, every)
            finally:
                if proxy is not None:
                    proxy.stop()
            window = args.concurrency or DEFAULT_CONCURRENCY
            rows.append(LatencyRow(len(plan.lanes()), delay, ours, waves, window, theirs))
    return rows


def latency_table(rows: list[LatencyRow]) -> str:
    lines = [
        "| lanes | added RTT | sendlanes wall | queries | retries | timeouts | waves | floor "
        "| wall / max(0 ms wall, floor) | checkdmarc wall | checkdmarc / sendlanes |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    at_zero = {row.lanes: row.ours.wall for row in rows if row.delay_ms == 0}
    for row in rows:
        bound = max(at_zero.get(row.lanes, 0.0), row.floor)
        versus = f"{row.ours.wall / bound:.2f}×" if bound else "–"
        theirs, ratio = "–", "–"
        if row.theirs is not None:
            sampled = " (sampled)" if "sampled" in row.theirs.note else ""
            theirs = f"{row.theirs.wall:.1f} s{sampled}"
            ratio = f"{row.theirs.wall / row.ours.wall:.1f}×"
        lines.append(
            f"| {row.lanes:,} | {row.delay_ms} ms | {row.ours.wall:.2f} s | "
            f"{row.ours.queries:,} | {row.ours.retries} | {row.ours.timeouts} | {row.waves} | "
            f"{row.floor:.2f} s | {versus} | {theirs} | {ratio} |"
        )
    lines.append("")
    for row in rows:
        where = f"{row.lanes:,} lanes, {row.delay_ms} ms"
        lines.append(f"sendlanes, {where}: {row.ours.note}")
        if row.theirs is not None:
            lines.append(f"checkdmarc, {where}: {row.theirs.note}")
    return "\n".join(lines)


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--brands",
        type=_numbers,
        default=[1000],
        help="brands (3 lanes each); a list with --latency",
    )
    parser.add_argument(
        "--latency", action="store_true", help="through a proxy adding --delays to each answer"
    )
    parser.add_argument("--delays", type=_numbers, default=[0, 30], help="added ms, e.g. 0,30")
    parser.add_argument(
        "--concurrency", type=int, default=None, help="sendlanes verify --concurrency"
    )
    parser.add_argument("--checkdmarc-budget", type=int, default=60, help="seconds, about")
    parser.add_argument("--checkdmarc-python", default=sys.executable, help="its interpreter")
    parser.add_argument("--tree", type=Path, default=REPO, help="sendlanes checkout to time")
    parser.add_argument("--jobs", type=int, default=None, help="sendlanes verify --jobs")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each tool N times; report the median"
    )
    parser.add_argument("--skip-checkdmarc", action="store_true")
    parser.add_argument("--checkdmarc-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.checkdmarc_worker is not None:
        checkdmarc_worker(args.checkdmarc_worker)
        return 0

    TREE["path"] = args.tree.resolve()
    CHECKDMARC_PYTHON["path"] = args.checkdmarc_python
    # Other work on the machine slows both tools; the table says how busy it was.
    load_before = os.getloadavg()[0]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if args.latency:
        with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
            rows: list[LatencyRow] = []
            for brands in args.brands:
                (Path(tmp) / str(brands)).mkdir()
                rows += latency_rows(args, Path(tmp) / str(brands), brands)
        load = f"load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after"
        median = f", median of {args.repeat} runs" if args.repeat > 1 else ""
        print(f"Knot DNS on 127.0.0.1 behind a latency proxy, {cpus} CPUs{median}, {load}\n")
        print(latency_table(rows))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        workdir = Path(tmp)
        config, plan, zones = generated_stack(workdir, args.brands[0])
        ours: list[Run] = []
        theirs: list[Run] = []
        with counting_knot().start(workdir, zones) as server:
            # Alternate the tools so a busy moment on the machine does not favour either.
            for _ in range(args.repeat):
                ours.append(run_sendlanes(config, server, args.jobs))
                if not args.skip_checkdmarc:
                    theirs.append(run_checkdmarc(plan, server, workdir))
        runs = [median_run(ours)] + ([median_run(theirs)] if theirs else [])
    median = f", median of {args.repeat} runs each" if args.repeat > 1 else ""
    load = f", load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after"
    print(f"{args.brands[0]} brands × 3 lanes, Knot DNS on 127.0.0.1, {cpus} CPUs{median}{load}\n")
    print(table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
