"""Benchmark: ``sendlanes plan --format json`` on a generated stack (default 1,000 brands × 3).

    python bench/plan.py                 # 1,000 brands, 5 runs, a Markdown table
    python bench/plan.py --brands 200 --runs 3
    python bench/plan.py --profile       # also: where the time goes (imports, cProfile)
    python bench/plan.py --tricks        # also: what each speed trick buys (runs without it)

Each run is a whole process, as a user starts it: interpreter start, imports, YAML, validation,
plan, JSON to a file. Wall time is measured around the child; peak memory is the child's own
maximum resident set size (``wait4`` rusage); CPU is its user + system time. Target: under 2 s
wall. Run on a quiet machine: wall time moves with other load (the table shows the 1-minute load
average), CPU time much less.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.genstack import stack  # noqa: E402 - after the path set-up above

TARGET_SECONDS = 2.0


def write_stack(directory: Path, brands: int) -> Path:
    import yaml

    path = directory / "Pulumi.bench.yaml"
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(stack(brands, passwords=True), handle, Dumper=_dumper(), sort_keys=False)
    return path


def _dumper() -> type:
    import yaml

    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def command(stack_file: Path) -> list[str]:
    # `python -m sendlanes` from the project root runs this checkout's code.
    return [sys.executable, "-m", "sendlanes", "plan", "--config", str(stack_file), "--format",
            "json"]  # fmt: skip


#: The speed tricks ``plan`` keeps, each as code that turns it off before anything imports it:
#: the collector paused while the config and plan are built, and the YAML loader's skipped
#: second pass over texts that hold no alias and cannot nest deeply.
TRICKS = {
    "collector paused while building": (
        "import contextlib, sendlanes.collector as c; "
        "c.collector_paused = lambda **_: contextlib.nullcontext()"
    ),
    "YAML structure scan skipped when it cannot matter": (
        "import sendlanes.config.yamlpos as y; y._needs_structure_check = lambda text: True"
    ),
}


def without(trick: str, argv: list[str]) -> list[str]:
    """*argv* (``python -m sendlanes ...``) with *trick* turned off."""
    code = (
        f"{TRICKS[trick]}; import sys; from sendlanes.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    return [sys.executable, "-c", code, *argv[3:]]


def timed_run(argv: list[str], output: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in KiB) of one child process."""
    with output.open("wb") as sink:
        start = time.perf_counter()
        child = subprocess.Popen(argv, cwd=ROOT, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        assert child.stderr is not None
        raise SystemExit(f"{' '.join(argv)} failed:\n{child.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def profile(stack_file: Path) -> str:
    """Where the time goes: the slowest imports, then cProfile of the command itself."""
    report = io.StringIO()
    imports = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sendlanes.cli, sendlanes.commands.plan"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = []
    for line in imports.stderr.splitlines()[1:]:  # "import time: self | cumulative | name"
        _, cumulative_us, name = line.split("|", 2)
        rows.append((int(cumulative_us), name.strip()))
    report.write("Slowest imports (cumulative µs):\n")
    for cumulative, name in sorted(rows, reverse=True)[:8]:
        report.write(f"  {cumulative:>9}  {name.strip()}\n")
    os.chdir(ROOT)
    from sendlanes.cli import main

    profiler = cProfile.Profile()
    stdout = sys.stdout
    sys.stdout = io.StringIO()
    try:
        profiler.runcall(main, ["plan", "--config", str(stack_file), "--format", "json"])
    finally:
        sys.stdout = stdout
    stats = io.StringIO()
    pstats.Stats(profiler, stream=stats).sort_stats("cumulative").print_stats(25)
    report.write("\ncProfile, by cumulative time (profiling roughly doubles it):\n")
    report.write(stats.getvalue())
    return report.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--tricks", action="store_true", help="also time runs with each speed trick turned off"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sendlanes-bench-") as scratch:
        directory = Path(scratch)
        stack_file = write_stack(directory, args.brands)
        output = directory / "plan.json"
        results = [timed_run(command(stack_file), output) for _ in range(args.runs)]
        document = json.loads(output.read_text(encoding="utf-8"))
        lanes = sum(len(b["lanes"]) for b in document["brands"])
        records = sum(len(b["records"]) for b in document["brands"]) + sum(
            len(lane["records"]) for b in document["brands"] for lane in b["lanes"]
        )
        walls = [wall for wall, _, _ in results]
        cpus = [cpu for _, cpu, _ in results]
        peak = max(rss for _, _, rss in results)
        best = min(walls)
        print(
            "| stack | lanes | records | input | output | runs | wall best | wall median "
            "| CPU best | peak RSS | load avg | target |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        print(
            f"| {args.brands} brands × 3 lanes | {lanes} | {records} "
            f"| {stack_file.stat().st_size / 1e6:.1f} MB | {output.stat().st_size / 1e6:.1f} MB "
            f"| {args.runs} | {best:.2f} s | {statistics.median(walls):.2f} s "
            f"| {min(cpus):.2f} s | {peak / 1024:.0f} MiB | {os.getloadavg()[0]:.1f} "
            f"| < {TARGET_SECONDS:.0f} s {'✅' if best < TARGET_SECONDS else '❌'} |"
        )
        if args.tricks:
            plain = command(stack_file)
            print()
            print(
                "| speed trick | with it (median) | without it (median) | share of the whole run |"
            )
            print("|---|---|---|---|")
            for trick in TRICKS:
                kept, dropped = [], []
                for _ in range(args.runs):  # alternated, so drift in the host's speed hits both
                    kept.append(timed_run(plain, output)[1])
                    dropped.append(timed_run(without(trick, plain), output)[1])
                share = 1 - statistics.median(kept) / statistics.median(dropped)
                print(
                    f"| {trick} | {statistics.median(kept):.2f} s CPU "
                    f"| {statistics.median(dropped):.2f} s CPU | {share:.0%} |"
                )
        if args.profile:
            print()
            print(profile(stack_file))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
