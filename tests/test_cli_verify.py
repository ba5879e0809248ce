"""`sendlanes verify` as a user runs it: the console script against Knot DNS on loopback.

The brand zone is the output of `sendlanes plan --format zone` for the bundled stack; the
providers' zones come from tests.support.provider_zones. Exit codes follow ARCHITECTURE.md
§4: 0 all pass, 1 a failure, 2 usage, 3 no verdict.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sendlanes.config.load import load_stack_config
from sendlanes.plan.build import build_plan
from tests.support.knot import KnotServer
from tests.support.provider_zones import brand_zone, organization_dmarc, provider_zones

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "Pulumi.prod.yaml"


def sendlanes(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sendlanes", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def plan_zone_lines() -> list[str]:
    """The acme.example records as `sendlanes plan --format zone` prints them."""
    result = sendlanes("plan", "--config", str(CONFIG), "--format", "zone")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("; zone acme.example")
    return [line for line in result.stdout.splitlines() if line and not line.startswith(";")]


@pytest.fixture(scope="module")
def zones() -> dict[str, str]:
    lines = [*plan_zone_lines(), organization_dmarc("acme.example")]
    return {"acme.example": brand_zone("acme.example", lines), **provider_zones(_plan())}


@pytest.fixture(scope="module")
def knot(zones: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnotServer]:
    with KnotServer.start(tmp_path_factory.mktemp("cli-verify"), zones) as server:
        yield server


@pytest.fixture
def silent() -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def _plan() -> Any:
    return build_plan(load_stack_config(CONFIG))


def verify_json(*args: str) -> tuple[int, dict[str, Any], str]:
    result = sendlanes("verify", "--config", str(CONFIG), "--format", "json", *args)
    return result.returncode, json.loads(result.stdout or "{}"), result.stderr


def test_published_zone_exits_0_with_the_documented_json(knot: KnotServer) -> None:
    code, document, stderr = verify_json("--nameserver", knot.nameserver)
    assert code == 0, document
    assert stderr == ""  # no progress bar: stderr is not a terminal
    assert [(lane["brand"], lane["lane"], lane["fqdn"]) for lane in document["lanes"]] == [
        ("acme", "receipts", "receipts.acme.example"),
        ("acme", "revenue", "notify.acme.example"),
        ("acme", "promos", "mail.acme.example"),
    ]
    checks = [check for lane in document["lanes"] for check in lane["checks"]]
    assert all(set(check) == {"check", "name", "status", "detail"} for check in checks)
    assert {check["status"] for check in checks} == {"pass"}
    summary = document["summary"]
    assert summary["exit_code"] == 0 and summary["checks"]["fail"] == 0
    assert summary["servers"] == {"*": [knot.nameserver]}
    assert summary["queries"]["queries"] > 0


def test_a_failed_check_exits_1(zones: dict[str, str], tmp_path: Path) -> None:
    broken = dict(zones)
    broken["acme.example"] = zones["acme.example"].replace(
        "s1.domainkey.u2744887.wl138.sendgrid.net.", "s1.domainkey.u1.wl1.sendgrid.net."
    )
    assert broken["acme.example"] != zones["acme.example"]
    with KnotServer.start(tmp_path, broken) as server:
        code, document, _ = verify_json("--nameserver", server.nameserver)
    assert code == 1
    failed = {
        (check["check"], check["name"])
        for lane in document["lanes"]
        for check in lane["checks"]
        if check["status"] == "fail"
    }
    assert failed == {
        ("record", "CNAME s1._domainkey.mail.acme.example"),
        ("dkim", "s1._domainkey.mail.acme.example"),
    }


def test_no_answers_exit_3_and_the_deadline_is_kept(silent: str) -> None:
    started = time.monotonic()
    code, document, _ = verify_json("--nameserver", silent, "--timeout", "0.2", "--deadline", "0.8")
    elapsed = time.monotonic() - started
    assert code == 3
    assert document["summary"]["seconds"] < 1.3
    assert elapsed < 5  # interpreter start and config load included
    statuses = {c["status"] for lane in document["lanes"] for c in lane["checks"]}
    assert statuses == {"error"}


def test_lane_option_verifies_only_that_lane(knot: KnotServer) -> None:
    code, document, _ = verify_json("--nameserver", knot.nameserver, "--lane", "acme/promos")
    assert code == 0
    assert [lane["lane"] for lane in document["lanes"]] == ["promos"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lane", "acme/nope"], "no lane 'acme/nope'"),
        (["--nameserver", "127.0.0.1:99999"], "port must be 1-65535"),
        (["--timeout", "0"], "must be more than 0 seconds"),
        (["--nameserver", "127.0.0.1", "--resolver", "127.0.0.1"], "not allowed with"),
    ],
    ids=["unknown-lane", "bad-port", "zero-timeout", "nameserver-and-resolver"],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = sendlanes("verify", "--config", str(CONFIG), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_forced_progress_bar_goes_to_stderr_only(knot: KnotServer) -> None:
    command = ["sendlanes", "verify", "--config", str(CONFIG), "--nameserver", knot.nameserver]
    result = subprocess.run(
        [*command, "--format", "json", "--progress"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["summary"]["lanes"] == 3
    assert b"\rverify: checks [" in result.stderr and result.stderr.endswith(b"\n")


def test_table_lists_every_check_and_a_summary(knot: KnotServer) -> None:
    result = sendlanes(
        "verify", "--config", str(CONFIG), "--nameserver", knot.nameserver, "--format", "table"
    )
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["lane", "status", "check", "name", "detail"]
    assert any(line.startswith("acme/promos") and " dkim " in line for line in lines)
    assert lines[-1].startswith("3 lane(s): ") and "0 fail" in lines[-1]


def test_zone_servers_are_found_through_the_resolver(knot: KnotServer) -> None:
    code, document, _ = verify_json(
        "--resolver", knot.nameserver, "--authoritative-port", str(knot.port)
    )
    assert code == 0, document
    assert document["summary"]["servers"]["acme.example"] == [f"127.0.0.1:{knot.port}"]
