"""Run every command on the bundled and a generated benchmark stack in two checkouts and diff.

    python bench/compare_outputs.py --base c41461a          # before the package layout
    python bench/compare_outputs.py --base main --brands 300

A change that should not alter behaviour (a restructure, a library swap) must print the
same bytes and exit codes before and after. The script checks the *base* revision out into a
temporary worktree, serves the stacks' zones on 127.0.0.1 with Knot (when ``knotd`` is
installed) so that ``verify`` and ``spf`` run too, then runs each command with each tree
first on ``PYTHONPATH`` and compares stdout and exit codes. Timing in verify's output (the
JSON summary's ``seconds``, the table's "in 0.13s") is the only thing left out of the
comparison. Exit 0 when every output is identical, 1 otherwise (the differing commands are
listed with a diff excerpt).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.knot import KnotServer, knotd_path  # noqa: E402
from tests.support.provider_zones import all_zones  # noqa: E402


def _plan(config: Path):  # type: ignore[no-untyped-def]
    from sendlanes.config.load import load_stack_config
    from sendlanes.plan.build import build_plan

    return build_plan(load_stack_config(config))


def commands(config: Path, nameserver: str | None, domain: str) -> Iterator[list[str]]:
    """The command lines to compare for one stack file."""
    stack = ["--config", str(config)]
    for fmt in ("json", "table", "zone"):
        yield ["plan", *stack, "--format", fmt]
    for fmt in ("json", "table", "sarif"):
        yield ["lint", *stack, "--format", fmt]
    for fmt in ("json", "table", "markdown"):
        yield ["rules", "--format", fmt]
    for fmt in ("json", "text", "postfix", "nftables"):
        yield ["allowlist", "--format", fmt]
    if nameserver is not None:
        server = ["--nameserver", nameserver]
        yield ["verify", *stack, *server, "--format", "json", "--no-progress"]
        yield ["verify", *stack, *server, "--format", "table", "--no-progress"]
        yield ["spf", domain, *server, "--format", "json"]
        yield ["spf", domain, *server, "--ip", "192.0.2.1", "--format", "json"]


def run(tree: Path, argv: list[str]) -> tuple[int, str]:
    """Exit code and output of ``python -m sendlanes ARGV`` with *tree*'s code.

    The child runs in *tree*: ``python -m`` puts the working directory first on the path.
    """
    env = {**os.environ, "PYTHONPATH": str(tree), "NO_COLOR": "1", "COLUMNS": "120"}
    env.pop("PYTHONSAFEPATH", None)
    done = subprocess.run(
        [sys.executable, "-m", "sendlanes", *argv],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return done.returncode, _without_timing(done.stdout)


def _without_timing(text: str) -> str:
    try:
        document = json.loads(text)
    except ValueError:
        return re.sub(r"DNS queries in [0-9.]+s", "DNS queries in ?s", text)
    if isinstance(document, dict) and isinstance(document.get("summary"), dict):
        document["summary"].pop("seconds", None)
        return json.dumps(document, indent=2)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="git revision to compare against")
    parser.add_argument("--brands", type=int, default=100, help="brands in the generated stack")
    args = parser.parse_args()

    with ExitStack() as stack, tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        base = work / "base"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(base), args.base],
            check=True,
        )
        stack.callback(
            subprocess.run,
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)],
            check=False,
        )
        generated = work / "Pulumi.bench.yaml"
        with generated.open("w") as out:
            subprocess.run(
                [sys.executable, str(REPO / "bench" / "genstack.py"), "--brands", str(args.brands)],
                stdout=out,
                check=True,
            )
        # Both stacks outside either tree, so paths in the output (SARIF) read the same.
        bundled = work / "Pulumi.prod.yaml"
        bundled.write_bytes((REPO / "Pulumi.prod.yaml").read_bytes())
        stacks = [bundled, generated]
        plans = [_plan(path) for path in stacks]
        nameserver = None
        if knotd_path() is not None:
            zones: dict[str, str] = {}
            for plan in plans:
                zones.update(all_zones(plan))
            knot = stack.enter_context(KnotServer.start(work, zones))
            nameserver = knot.nameserver
        else:
            print("knotd not installed: verify and spf are not compared", file=sys.stderr)

        differing = 0
        total = 0
        for path, plan in zip(stacks, plans, strict=True):
            for argv in commands(path, nameserver, plan.brands[0].lanes[-1].fqdn):
                total += 1
                before = run(base, argv)
                after = run(REPO, argv)
                shown = " ".join(argv).replace(str(work), "$TMP")
                if before == after:
                    print(f"same    exit {after[0]}  sendlanes {shown}")
                    continue
                differing += 1
                print(f"DIFFERS exit {before[0]} -> {after[0]}  sendlanes {shown}")
                diff = difflib.unified_diff(
                    before[1].splitlines(), after[1].splitlines(), "before", "after", lineterm=""
                )
                for line in list(diff)[:20]:
                    print(f"    {line}")
        print(f"{total - differing}/{total} commands print the same bytes and exit codes")
        return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
