"""Benchmark: the policy pack's AnalyzeStack over gRPC on a generated stack (target: under 1 s
for 100 brands × 3 lanes), with the resources the real Pulumi program registers under the
mock runtime.

    python bench/analyze_stack.py                  # 100 brands, 5 calls
    python bench/analyze_stack.py --brands 20 --repeat 3

Prints one JSON document. Running the program under mocks to get the resources takes a few
seconds per 100 brands and is not part of the measurement.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.genstack import stack  # noqa: E402
from tests.rules.pack_client import start_pack  # noqa: E402
from tests.support.pulumi_mocks import ProgramConfig, ProgramRequest, run_program  # noqa: E402

TARGET_SECONDS = 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    brands = stack(args.brands)["config"]["sendlanes:brands"]
    started = time.perf_counter()
    run = run_program(ProgramRequest(ProgramConfig.from_values(brands=brands)), timeout=1800)
    program_seconds = time.perf_counter() - started
    if run.error is not None:
        raise SystemExit(f"the program failed under mocks: {run.error}")
    with tempfile.TemporaryDirectory(prefix="sendlanes-bench-") as scratch:
        pack = start_pack(Path(scratch))
        try:
            pack.configure({})
            times = []
            diagnostics = []
            for _ in range(args.repeat):
                began = time.perf_counter()
                diagnostics = pack.analyze_stack(run.resources)
                times.append(time.perf_counter() - began)
            # The engine also calls Analyze once per resource as it registers it.
            began = time.perf_counter()
            for resource in run.resources:
                pack.analyze(resource)
            analyze_all = time.perf_counter() - began
        finally:
            pack.stop()
    report = {
        "benchmark": "policy pack AnalyzeStack over gRPC",
        "brands": args.brands,
        "resources": len(run.resources),
        "program_under_mocks_seconds": round(program_seconds, 2),
        "pack_start_seconds": round(pack.started_in, 3),
        "analyze_stack_runs": [round(t, 3) for t in times],
        "analyze_stack_median_seconds": round(statistics.median(times), 3),
        "target_seconds": TARGET_SECONDS,
        "diagnostics": len(diagnostics),
        "analyze_every_resource_seconds": round(analyze_all, 3),
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
