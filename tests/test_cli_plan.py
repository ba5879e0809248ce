"""`sendlanes plan` through the console script: exit codes, JSON shape, zone output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import dns.zone
import yaml

from tests.support.stacks import REPO, bundled_config, lane, write_stack


def sendlanes(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sendlanes", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_plan_json_follows_the_contract() -> None:
    result = sendlanes("plan", "--stack", "prod", "--format", "json", "--date", "2026-12-02")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    [brand] = document["brands"]
    assert (brand["name"], brand["domain"]) == ("acme", "acme.example")
    receipts, revenue, promos = brand["lanes"]
    contract = {"name", "kind", "fqdn", "provider", "records", "smtp", "categories", "customerio"}
    assert set(receipts) >= contract
    assert receipts["smtp"] == {
        "host": "smtp.postmarkapp.com",
        "port": 587,
        "tls": "starttls",
        "username": "0f2c6d3e-8a41-4b7e-9c55-2d1f0e6a7b90",
    }
    for record in receipts["records"]:
        assert set(record) >= {"name", "type", "content", "ttl"}
        assert not record["name"].endswith(".")
    dkim = next(r for r in receipts["records"] if r["type"] == "TXT" and "_domainkey" in r["name"])
    assert dkim["content"].startswith("v=DKIM1; k=rsa; p=MIIB")  # logical value, unquoted
    assert '"' not in dkim["content"]
    mx = next(r for r in revenue["records"] if r["type"] == "MX")
    assert mx["priority"] == 10
    assert revenue["warmup"]["todayLimit"] == 2000
    assert "warmup" not in receipts
    assert promos["customerio"] == {"messageTypes": ["newsletters", "triggered_broadcasts"]}


def test_plan_defaults_to_json_when_not_on_a_terminal() -> None:
    result = sendlanes("plan")
    assert result.returncode == 0
    assert json.loads(result.stdout)["brands"][0]["name"] == "acme"


def test_plan_zone_output_is_a_loadable_zone_with_split_txt() -> None:
    result = sendlanes("plan", "--format", "zone")
    assert result.returncode == 0, result.stderr
    body = "\n".join(line for line in result.stdout.splitlines() if not line.startswith(";"))
    zone_text = (
        "$ORIGIN acme.example.\n"
        "@ 3600 IN SOA ns.acme.example. hostmaster.acme.example. 1 3600 600 86400 300\n"
        "@ 3600 IN NS ns.acme.example.\nns 3600 IN A 192.0.2.53\n" + body
    )
    zone = dns.zone.from_text(zone_text, origin="acme.example.", relativize=False)
    rdataset = zone.find_rdataset("20261101pm._domainkey.receipts.acme.example.", "TXT")
    [rdata] = list(rdataset)
    strings = rdata.strings  # type: ignore[attr-defined]
    assert len(strings) == 2 and all(len(s) <= 255 for s in strings)
    assert b"".join(strings).startswith(b"v=DKIM1; k=rsa; p=")


def test_plan_table_lists_each_lane() -> None:
    result = sendlanes("plan", "--format", "table")
    assert result.returncode == 0
    assert "acme/receipts  transactional  receipts.acme.example  via postmark" in result.stdout


def test_bad_config_exits_2_with_file_line_and_path(tmp_path: Path) -> None:
    document = bundled_config()
    lane(document, "promos")["smtp"]["port"] = "x"
    lane(document, "receipts")["categories"].append("bogus")
    path = write_stack(tmp_path, document)
    result = sendlanes("plan", "--config", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"sendlanes: {path}:") for line in lines)
    assert "Traceback" not in result.stderr


def test_missing_stack_exits_2() -> None:
    result = sendlanes("plan", "--stack", "staging")
    assert result.returncode == 2
    assert "Pulumi.staging.yaml: no such stack config file" in result.stderr


def test_outside_a_project_without_config_exits_2(tmp_path: Path) -> None:
    result = sendlanes("plan", cwd=tmp_path)
    assert result.returncode == 2
    assert "no Pulumi.yaml" in result.stderr


def test_yaml_syntax_error_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text("config:\n  sendlanes:brands: [\n")
    result = sendlanes("plan", "--config", str(path))
    assert result.returncode == 2
    assert f"{path}:" in result.stderr and "YAML syntax error" in result.stderr


def test_unknown_format_is_a_usage_error() -> None:
    result = sendlanes("plan", "--format", "xml")
    assert result.returncode == 2


def test_python_dash_m_works_like_the_console_script() -> None:
    result = subprocess.run(
        ["python", "-m", "sendlanes", "plan", "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert yaml.safe_load(result.stdout)["brands"][0]["lanes"][0]["name"] == "receipts"
