"""Benchmark: `sendlanes lint` on a generated stack, as a whole process (target: under 2 s for
1,000 brands × 3 lanes), with an in-process breakdown of where the time goes.

    python bench/lint.py                 # 1000 brands, 3 runs (best and median)
    python bench/lint.py --brands 100 --repeat 5

Prints one JSON document: the whole-process timings (seconds) and the breakdown.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.genstack import stack  # noqa: E402

TARGET_SECONDS = 2.0


def write_stack(directory: Path, brands: int) -> Path:
    path = directory / f"Pulumi.bench{brands}.yaml"
    path.write_text(yaml.safe_dump(stack(brands), sort_keys=False, width=4096), encoding="utf-8")
    return path


def whole_process(path: Path, repeat: int) -> list[float]:
    """Wall-clock seconds of `python -m sendlanes lint --format json` (exit 0 or 1 both count)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "sendlanes", "lint", "--config", str(path), "--format", "json"],
            capture_output=True,
            check=False,
            cwd=REPO,
        )
        times.append(time.perf_counter() - started)
        if result.returncode not in (0, 1):
            raise SystemExit(f"lint failed ({result.returncode}): {result.stderr.decode()[-2000:]}")
    return times


def breakdown(path: Path) -> dict[str, float]:
    """Seconds per stage in this process (after imports), with the collector paused as
    ``sendlanes lint`` pauses it."""
    from sendlanes.collector import collector_paused
    from sendlanes.config.load import load_stack_config
    from sendlanes.plan.build import build_plan
    from sendlanes.rules.facts import facts_from_plan
    from sendlanes.rules.runner import evaluate

    with collector_paused():
        marks = [time.perf_counter()]
        config = load_stack_config(path)
        marks.append(time.perf_counter())
        plan = build_plan(config)
        marks.append(time.perf_counter())
        facts = facts_from_plan(plan)
        findings = evaluate(facts)
        marks.append(time.perf_counter())
    stages = ("load_config", "build_plan", "facts_and_rules")
    result = {stage: round(marks[i + 1] - marks[i], 3) for i, stage in enumerate(stages)}
    result["findings"] = len(findings)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sendlanes-bench-") as scratch:
        path = write_stack(Path(scratch), args.brands)
        times = whole_process(path, args.repeat)
        stages = breakdown(path)
        report = {
            "benchmark": "sendlanes lint (whole process)",
            "brands": args.brands,
            "lanes": args.brands * 3,
            "stack_file_bytes": path.stat().st_size,
            "runs": [round(t, 3) for t in times],
            # On a shared machine other work only adds time: the best run is the estimate
            # of the command's own cost (as bench/plan.py judges it); the median is beside it.
            "best_seconds": round(min(times), 3),
            "median_seconds": round(statistics.median(times), 3),
            "target_seconds": TARGET_SECONDS,
            "load_average": round(os.getloadavg()[0], 1),
            "in_process_seconds": stages,
        }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
