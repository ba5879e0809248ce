"""Benchmark: the Pulumi program under the mock runtime against a bare program (same records).

    python bench/program.py                  # 100 brands × 3 lanes, 3 runs each, a Markdown table
    python bench/program.py --brands 20 --runs 5

"ours" is ``__main__.py`` on a generated stack: config validation, plan, Brand / SendingLane /
SmtpCredential components, every DnsRecord, stack outputs; it settles the cycle collector
once its plan is built (``sendlanes/collector.py``). "ours-unsettled" is the same program with
that turned into a no-op: the figure that says whether the one speed trick the program keeps
buys enough to be worth it (>= 10% of the whole process). "bare"
registers exactly the same DnsRecords (same names, same arguments, read from a JSON file)
with no component, no plan and no outputs: the SDK's own cost for those records.
"components" registers the same DnsRecords under the same component tree as ours (same types
and names), the components empty: the SDK's own cost for the resource graph the design asks
for. The "-settled" programs run with the collector settled first, so ours/bare-settled and
ours/components-settled compare like with like. All
run in fresh interpreters against Pulumi's stock mock monitor; ``import pulumi_cloudflare``
(~3 s, the same for all) is timed apart. Reported: the program's run time (imports
excluded), the whole process, and the ratios. Target: ours/bare <= 1.15.

Nothing here talks to an engine: the Pulumi CLI is not installed on these machines.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.15
KINDS = ("ours", "ours-unsettled", "bare", "bare-settled", "components-settled")
UNSETTLED = "-unsettled"
#: Programs run with the collector settled first (sendlanes.collector.settle_collector).
SETTLED = "-settled"

#: One DnsRecord per entry of records.json, as both programs register it; {options} is
#: empty or an ``opts=...`` line.
RECORD = """    cloudflare.DnsRecord(
        record["resource"],
        cloudflare.DnsRecordArgs(
            zone_id=record["zoneId"],
            name=record["name"],
            type=record["type"],
            content=record["content"],
            ttl=record["ttl"],
            proxied=False,
            comment=record["comment"],
            priority=record.get("priority"),
        ),
{options}    )
"""

BARE_PROGRAM = """
import json
import pulumi
import pulumi_cloudflare as cloudflare

for record in json.load(open("records.json", encoding="utf-8")):
""" + RECORD.format(options="")

COMPONENTS_PROGRAM = """
import json
import pulumi
import pulumi_cloudflare as cloudflare


class Empty(pulumi.ComponentResource):
    def __init__(self, kind, name, parent=None):
        super().__init__(kind, name, {}, pulumi.ResourceOptions(parent=parent))
        self.register_outputs({})


parents = {}
for record in json.load(open("records.json", encoding="utf-8")):
    brand, lane, credential = record["brand"], record["lane"], record["credential"]
    if brand not in parents:
        parents[brand] = Empty("sendlanes:index:Brand", brand)
    if lane is not None and lane not in parents:
        parents[lane] = Empty("sendlanes:index:SendingLane", lane, parents[brand])
        Empty("sendlanes:index:SmtpCredential", credential, parents[lane])
""" + RECORD.format(options="        opts=pulumi.ResourceOptions(parent=parents[lane or brand]),\n")


def prepare(directory: Path, brands: int) -> tuple[dict[str, Path], int]:
    """Write the stack (for ours) and the other programs with their records: (dirs, records)."""
    import yaml

    sys.path.insert(0, str(ROOT))
    from bench.genstack import stack
    from sendlanes.config.load import parse_stack_config
    from sendlanes.lanes.records import RecordType, wire_content
    from sendlanes.plan.build import build_plan
    from sendlanes.plan.naming import brand_names, lane_names

    ours = directory / "ours"
    ours.mkdir()
    document = stack(brands, passwords=True)
    text = yaml.safe_dump(document, sort_keys=False)
    (ours / "Pulumi.bench.yaml").write_text(text, encoding="utf-8")
    plan = build_plan(parse_stack_config(text))
    records: list[dict[str, Any]] = []
    for brand in plan.brands:
        brand_component = brand_names(brand).component
        named = [(item, None) for item in brand_names(brand).records]
        for lane in brand.lanes:
            names = lane_names(lane)
            named += [(item, names) for item in names.records]
        for item, owner in named:
            record = item.record
            entry: dict[str, Any] = {
                "resource": item.resource_name,
                "zoneId": brand.zone_id,
                "name": record.name,
                "type": str(record.type),
                "content": wire_content(record),
                "ttl": record.ttl,
                "comment": item.comment,
                "brand": brand_component,
                "lane": owner.component if owner is not None else None,
                "credential": owner.credential if owner is not None else None,
            }
            if record.type is RecordType.MX:
                entry["priority"] = record.priority
            records.append(entry)
    dirs = {"ours": ours}
    for kind, program in (("bare", BARE_PROGRAM), ("components", COMPONENTS_PROGRAM)):
        dirs[kind] = directory / kind
        dirs[kind].mkdir()
        (dirs[kind] / "__main__.py").write_text(program, encoding="utf-8")
        (dirs[kind] / "records.json").write_text(json.dumps(records), encoding="utf-8")
        (dirs[kind] / "Pulumi.bench.yaml").write_text("config: {}\n", encoding="utf-8")
    return dirs, len(records)


def child(kind: str, work_dir: str, result_path: str) -> None:
    """Run one program under the mock runtime and write its timings (in the child)."""
    import asyncio
    import logging
    import runpy

    started = time.perf_counter()
    import pulumi
    import pulumi.runtime
    import pulumi_cloudflare  # noqa: F401 - timed: the SDK's import, equal for both sides
    from pulumi.runtime import settings
    from pulumi.runtime.stack import run_in_stack

    sdk_import = time.perf_counter() - started
    sys.path.insert(0, str(ROOT))
    from tests.support.pulumi_mocks import ProgramConfig

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
            return (f"{args.name}-id" if args.custom else "", dict(args.inputs))

        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, None]:
            return {}, None

    class CountingMonitor(pulumi.runtime.mocks.MockMonitor):
        registered = 0

        def RegisterResource(self, request: Any) -> Any:  # gRPC method name
            if request.type != "pulumi:pulumi:Stack":
                CountingMonitor.registered += 1
            return super().RegisterResource(request)

    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    quiet = logging.getLogger("bench.quiet")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    config = ProgramConfig.from_stack_file(Path(work_dir, "Pulumi.bench.yaml"))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_all_config(config.values, list(config.secret_keys))
    monitor = CountingMonitor(Mocks())
    pulumi.runtime.set_mocks(
        Mocks(), project="sendlanes", stack="bench", preview=False, logger=quiet, monitor=monitor
    )
    settings.ROOT.set(None)
    os.chdir(work_dir)
    program = str(ROOT) if kind.startswith("ours") else work_dir
    if kind.endswith(UNSETTLED):
        import contextlib

        import sendlanes.collector

        sendlanes.collector.collector_paused = lambda **_: contextlib.nullcontext()  # type: ignore[assignment]
    elif kind.endswith(SETTLED):
        from sendlanes.collector import settle_collector

        settle_collector()
    begin = time.perf_counter()
    loop.run_until_complete(run_in_stack(lambda: runpy.run_path(program, run_name="__main__")))
    run = time.perf_counter() - begin
    Path(result_path).write_text(
        json.dumps(
            {"sdk_import": sdk_import, "run": run, "registered": CountingMonitor.registered}
        ),
        encoding="utf-8",
    )


def measure(kind: str, work_dir: Path, scratch: Path) -> dict[str, float]:
    result = scratch / f"{kind}.json"
    start = time.perf_counter()
    child_process = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, str(work_dir), str(result)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child_process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        assert child_process.stderr is not None
        raise SystemExit(f"{kind} failed:\n{child_process.stderr.read().decode()[-3000:]}")
    timings: dict[str, float] = json.loads(result.read_text(encoding="utf-8"))
    timings["process"] = wall
    timings["cpu"] = usage.ru_utime + usage.ru_stime
    timings["rss"] = usage.ru_maxrss / 1024
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--child", nargs=3, metavar=("KIND", "DIR", "RESULT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="sendlanes-bench-") as name:
        scratch = Path(name)
        dirs, records = prepare(scratch, args.brands)
        results: dict[str, list[dict[str, float]]] = {kind: [] for kind in KINDS}
        for _ in range(args.runs):  # interleaved, so drifting load hits all alike
            for kind in KINDS:
                directory = dirs[kind.removesuffix(UNSETTLED).removesuffix(SETTLED)]
                results[kind].append(measure(kind, directory, scratch))
    best = {
        kind: {key: min(r[key] for r in runs) for key in runs[0]} for kind, runs in results.items()
    }
    ours, bare, floor = best["ours"], best["bare"], best["components-settled"]
    settled, unsettled = best["bare-settled"], best["ours-unsettled"]
    print(f"{args.brands} brands × 3 lanes: {records} DnsRecords; best of {args.runs} runs; "
          f"load average {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    print("| program | resources registered | run (imports excluded) | whole process | CPU "
          "| peak RSS |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for kind in KINDS:
        row = best[kind]
        print(f"| {kind} | {row['registered']:.0f} | {row['run']:.2f} s | {row['process']:.2f} s "
              f"| {row['cpu']:.2f} s | {row['rss']:.0f} MiB |")  # fmt: skip
    ratio = ours["run"] / bare["run"]
    medians = ", ".join(
        f"{kind} {statistics.median(r['run'] for r in results[kind]):.2f} s" for kind in KINDS
    )
    print(f"\nrun-time ratio ours/bare: **{ratio:.2f}** (target ≤ {TARGET_RATIO}) "
          f"{'✅' if ratio <= TARGET_RATIO else '❌'}; components-settled/bare-settled (the SDK's "
          f"own cost of the component tree): {floor['run'] / settled['run']:.2f}; "
          f"ours/components-settled (what our code adds to it): "
          f"**{ours['run'] / floor['run']:.2f}**; ours/bare-settled: "
          f"**{ours['run'] / settled['run']:.2f}**; what settling the collector buys "
          f"our whole process: **{1 - ours['process'] / unsettled['process']:.0%}**; "
          f"whole-process ratio ours/bare: "
          f"{ours['process'] / bare['process']:.2f}; per registration: "
          + ", ".join(f"{k} {best[k]['run'] / best[k]['registered'] * 1000:.2f} ms" for k in KINDS)
          + f"; median run {medians}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
