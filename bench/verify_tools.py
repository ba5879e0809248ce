"""The pieces of ``bench/verify.py``: Knot with query counting, the stack's zones, the tools'
runs (each in its own process, measured with ``wait4``) and checkdmarc's worker.
"""

from __future__ import annotations

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


def counting_knot() -> Any:
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
    worker = [CHECKDMARC_PYTHON["path"], str(REPO / "bench" / "verify.py")]
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


def median_run(runs: list[Run]) -> Run:
    """The run with the median wall time (queries and memory are from that same run)."""
    return sorted(runs, key=lambda run: run.wall)[len(runs) // 2]


def generated_stack(workdir: Path, brands: int) -> tuple[Path, Any, dict[str, str]]:
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
