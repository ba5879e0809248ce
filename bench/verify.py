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
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CHECKDMARC_TIMEOUT = 2.0
#: This checkout's sendlanes, whatever is installed (run from the repository root).
SENDLANES = [sys.executable, "-m", "sendlanes"]
#: The sendlanes tree the verify runs use (``--tree``: another checkout, e.g. main).
TREE = {"path": REPO}
#: The Python that runs checkdmarc (``--checkdmarc-python``: a venv that has it).
CHECKDMARC_PYTHON = {"path": sys.executable}


@dataclass(frozen=True)
class Run:
    tool: str
    domains: int
    wall: float
    checking: float
    cpu: float
    queries: int
    peak_rss_mib: float
    note: str = ""
    retries: int = 0
    timeouts: int = 0


def _run_measured(command: list[str]) -> tuple[float, float, float, bytes, int]:
    """Run *command*: (wall seconds, CPU seconds, peak RSS MiB, stdout, exit code).

    CPU time is user + system of the process and the workers it waited for; peak RSS is the
    largest of those processes (``wait4``).
    """
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        env = {**os.environ, "PYTHONPATH": str(TREE["path"])}
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=TREE["path"], env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if code not in (0, 1, 3):
        sys.stderr.write(stderr.decode(errors="replace"))
        raise SystemExit(f"{' '.join(command[:3])} failed with exit code {code}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout, code


# -- the DNS server ------------------------------------------------------------------------------


def _counting_knot() -> Any:
    from tests.support.knot import KnotServer

    class CountingKnot(KnotServer):
        """Knot with its statistics module on: every query received is counted."""

        def _config_text(self) -> str:
            text = super()._config_text()
            marker = "template:\n  - id: default\n"
            if marker not in text:
                raise RuntimeError("tests/support/knot.py config changed: update the bench")
            stats = "mod-stats:\n  - id: counts\n    request-protocol: on\n\n"
            text = text.replace(marker, stats + marker + "    global-module: mod-stats/counts\n")
            # Knot's own default (a worker per CPU), as a production server runs, rather
            # than the tests' single worker.
            return text.replace("    udp-workers: 1\n", "").replace("    tcp-workers: 1\n", "")

        def received(self) -> int:
            """Queries received so far, over UDP and TCP (``knotc stats``)."""
            from tests.support.knot import _knotc_path

            knotc = _knotc_path()
            assert knotc is not None
            output = subprocess.run(
                [knotc, "-c", str(self.directory / "knot.conf"), "stats"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            return sum(
                int(line.rsplit("=", 1)[1])
                for line in output.splitlines()
                if line.startswith("mod-stats.request-protocol[")
            )

    return CountingKnot


def _zones(config: Path, plan: Any) -> dict[str, str]:
    from tests.support.provider_zones import brand_zone, organization_dmarc, provider_zones

    fragment = subprocess.run(
        [*SENDLANES, "plan", "--config", str(config), "--format", "zone"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    zones: dict[str, list[str]] = {}
    current: list[str] = []
    for line in fragment.splitlines():
        if line.startswith("; zone "):
            current = zones.setdefault(line.split()[2], [])
        elif line.strip():
            current.append(line)
    brand_zones = {
        domain: brand_zone(domain, [*lines, organization_dmarc(domain)])
        for domain, lines in zones.items()
    }
    return {**brand_zones, **provider_zones(plan)}


# -- the tools -----------------------------------------------------------------------------------


def run_sendlanes(
    config: Path,
    server: Any,
    jobs: int | None,
    nameserver: str = "",
    concurrency: int | None = None,
) -> Run:
    before = server.received()
    command = [*SENDLANES, "verify", "--config", str(config)]
    command += ["--nameserver", nameserver or server.nameserver]
    command += ["--format", "json", "--deadline", "600"]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    if concurrency is not None:
        command += ["--concurrency", str(concurrency)]
    wall, cpu, peak, out, code = _run_measured(command)
    summary = json.loads(out)["summary"]
    checks = summary["checks"]
    note = f"exit {code}; {sum(checks.values())} checks: " + ", ".join(
        f"{n} {s}" for s, n in checks.items() if n
    )
    return Run(
        "sendlanes verify",
        summary["lanes"],
        wall,
        summary["seconds"],
        cpu,
        server.received() - before,
        peak,
        note,
        summary["queries"].get("retries", 0),
        summary["queries"].get("timeouts", 0),
    )


def run_checkdmarc(
    plan: Any, server: Any, workdir: Path, port: int | None = None, every: int = 1
) -> Run:
    """checkdmarc on the lanes' names (every *every*-th one; its checking time scaled up)."""
    from sendlanes.verify.auth import spf_domains

    spf = [domain for lane in plan.lanes() for domain in spf_domains(lane)]
    dmarc = [lane.fqdn for lane in plan.lanes()]
    work = {"spf": spf[::every], "dmarc": dmarc[::every], "port": port or server.port}
    path = workdir / "checkdmarc-work.json"
    path.write_text(json.dumps(work))
    before = server.received()
    worker = [CHECKDMARC_PYTHON["path"], str(Path(__file__).resolve())]
    wall, cpu, peak, out, _ = _run_measured([*worker, "--checkdmarc-worker", str(path)])
    result = json.loads(out)
    note = (
        f"{len(work['spf'])} SPF + {len(work['dmarc'])} DMARC checks; "
        f"{result['errors']} reported an error"
    )
    if every > 1:
        # Sampled: the checking loop scaled to every name; start-up counted once.
        extra = result["seconds"] * (every - 1)
        note += f"; sampled 1 in {every}, time and queries extrapolated ×{every}"
        wall, cpu = wall + extra, cpu + cpu * (every - 1)
        result["seconds"] *= every
    queries = (server.received() - before) * every
    return Run(
        "checkdmarc " + result["version"],
        len(dmarc),
        wall,
        result["seconds"],
        cpu,
        queries,
        peak,
        note,
    )


def checkdmarc_worker(path: Path) -> None:
    """Run checkdmarc's SPF and DMARC checks from the work file; print a JSON result."""
    _loopback_only()
    import logging

    import checkdmarc
    import checkdmarc.dmarc
    import checkdmarc.spf
    import dns.nameserver

    logging.disable(logging.CRITICAL)
    work = json.loads(path.read_text())
    servers = [dns.nameserver.Do53Nameserver("127.0.0.1", work["port"])]
    errors = 0
    started = time.monotonic()
    for domain in work["spf"]:
        result = checkdmarc.spf.check_spf(domain, nameservers=servers, timeout=CHECKDMARC_TIMEOUT)
        errors += "error" in result
    for domain in work["dmarc"]:
        result = checkdmarc.dmarc.check_dmarc(
            domain, nameservers=servers, timeout=CHECKDMARC_TIMEOUT
        )
        errors += "error" in result
    seconds = time.monotonic() - started
    version = getattr(checkdmarc, "__version__", "?")
    print(json.dumps({"seconds": seconds, "errors": errors, "version": version}))


def _loopback_only() -> None:
    """Make this process's sockets refuse every address outside 127.0.0.0/8."""
    import ipaddress
    import socket

    def check(address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            pass
        raise PermissionError(f"the benchmark only talks to loopback, not {address!r}")

    original_connect, original_sendto = socket.socket.connect, socket.socket.sendto

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        original_connect(self, address)

    def sendto(self: socket.socket, data: bytes, *rest: Any) -> int:
        check(rest[-1])
        return original_sendto(self, data, *rest)  # type: ignore[call-overload, no-any-return]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[assignment, method-assign]


def _median(runs: list[Run]) -> Run:
    """The run with the median wall time (queries and memory are from that same run)."""
    return sorted(runs, key=lambda run: run.wall)[len(runs) // 2]


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

    config, plan, zones = _stack(workdir, brands)
    rows: list[LatencyRow] = []
    with _counting_knot().start(workdir, zones) as server:
        waves = count_waves(plan, server)
        for delay in args.delays:
            proxy = LatencyProxy(server.address, delay / 1000).start() if delay else None
            nameserver = proxy.nameserver if proxy is not None else server.nameserver
            try:
                ours = _median(
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
    notes = {row.theirs.note for row in rows if row.theirs is not None}
    lines += ["", *(f"checkdmarc: {note}" for note in sorted(notes))]
    lines += [f"sendlanes: {row.lanes} lanes, {row.delay_ms} ms: {row.ours.note}" for row in rows]
    return "\n".join(lines)


def _stack(workdir: Path, brands: int) -> tuple[Path, Any, dict[str, str]]:
    """A generated stack of *brands* brands: its config file, plan and zones."""
    from sendlanes.config.load import load_stack_config
    from sendlanes.plan.build import build_plan

    config = workdir / f"Pulumi.bench{brands}.yaml"
    with config.open("w") as out:
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "genstack.py"), "--brands", str(brands)],
            stdout=out,
            check=True,
        )
    plan = build_plan(load_stack_config(config))
    zones = _zones(config, plan)
    print(f"serving {len(zones)} zones for {len(plan.lanes())} lanes", file=sys.stderr)
    return config, plan, zones


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
        config, plan, zones = _stack(workdir, args.brands[0])
        ours: list[Run] = []
        theirs: list[Run] = []
        with _counting_knot().start(workdir, zones) as server:
            # Alternate the tools so a busy moment on the machine does not favour either.
            for _ in range(args.repeat):
                ours.append(run_sendlanes(config, server, args.jobs))
                if not args.skip_checkdmarc:
                    theirs.append(run_checkdmarc(plan, server, workdir))
        runs = [_median(ours)] + ([_median(theirs)] if theirs else [])
    median = f", median of {args.repeat} runs each" if args.repeat > 1 else ""
    load = f", load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after"
    print(f"{args.brands[0]} brands × 3 lanes, Knot DNS on 127.0.0.1, {cpus} CPUs{median}{load}\n")
    print(table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
