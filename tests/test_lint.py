"""``sendlanes lint`` as a user runs it: the console script, exit codes, JSON, SARIF and the
policy config."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from sendlanes.rules.registry import RULES
from tests.support.stacks import BUNDLED_STACK, bundled_config, lane, write_stack


def lint(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sendlanes", "lint", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def lint_json(*args: str, cwd: Path | None = None) -> tuple[int, dict[str, Any]]:
    result = lint("--format", "json", *args, cwd=cwd)
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def test_bundled_stack_passes_with_one_warmup_advice() -> None:
    code, document = lint_json("--config", str(BUNDLED_STACK))
    assert code == 0
    assert document["findings"] == [
        {
            "rule": "new-lane-has-warmup",
            "level": "advisory",
            "brand": "acme",
            "lane": "receipts",
            "message": document["findings"][0]["message"],
            "file": "Pulumi.prod.yaml",
            "line": document["findings"][0]["line"],
        }
    ]
    assert document["summary"] == {"mandatory": 0, "advisory": 1}
    # The line is where the lane is declared in the stack file.
    line = document["findings"][0]["line"]
    assert "receipts" in BUNDLED_STACK.read_text().splitlines()[line - 1]


def test_table_shows_file_and_line_of_each_finding() -> None:
    result = lint("--config", str(BUNDLED_STACK), "--format", "table")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["where", "level", "rule", "lane", "message"]
    where = lines[2].split()[0]
    file, _, line = where.partition(":")
    assert file == "Pulumi.prod.yaml"
    assert "receipts" in BUNDLED_STACK.read_text().splitlines()[int(line) - 1]


def test_mandatory_finding_exits_1(tmp_path: Path) -> None:
    document = bundled_config()
    lane(document, "receipts")["categories"].append("newsletter")
    code, result = lint_json("--config", str(write_stack(tmp_path, document)))
    assert code == 1
    rules = {(f["rule"], f["level"], f["lane"]) for f in result["findings"]}
    assert ("category-intent-matches-lane-kind", "mandatory", "receipts") in rules
    assert ("category-routed-exactly-once", "mandatory", "promos") in rules


def test_stack_option_reads_the_stack_file_beside_pulumi_yaml(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: sendlanes\nruntime: python\n")
    write_stack(tmp_path, bundled_config(), "Pulumi.staging.yaml")
    code, result = lint_json("--stack", "staging", cwd=tmp_path)
    assert code == 0 and result["summary"]["mandatory"] == 0


def _port_25_stack(tmp_path: Path) -> Path:
    document = bundled_config()
    lane(document, "receipts")["smtp"]["port"] = 25
    return write_stack(tmp_path, document)


def test_policy_config_can_make_a_rule_advisory(tmp_path: Path) -> None:
    stack = _port_25_stack(tmp_path)
    policy = tmp_path / "policy.yaml"
    policy.write_text("smtp-port-allowed: advisory\nnew-lane-has-warmup: disabled\n")
    code, result = lint_json("--config", str(stack), "--policy-config", str(policy))
    assert code == 0
    assert [(f["rule"], f["level"]) for f in result["findings"]] == [
        ("smtp-port-allowed", "advisory")
    ]


def test_policy_config_in_pulumis_json_format_sets_options(tmp_path: Path) -> None:
    policy = tmp_path / "policy-config.json"
    policy.write_text(json.dumps({"all": "advisory", "smtp-port-allowed": {"allowedPorts": [465]}}))
    code, result = lint_json("--config", str(BUNDLED_STACK), "--policy-config", str(policy))
    assert code == 0
    ports = [f for f in result["findings"] if f["rule"] == "smtp-port-allowed"]
    assert len(ports) == 3 and all(f["level"] == "advisory" for f in ports)


def test_bad_policy_config_exits_2_naming_file_line_and_key(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "smtp-port-allowed:\n"
        "  allowedPorts: [587, 25]\n"
        "dkim-key-strenght: advisory\n"
        "spf-syntax: sometimes\n"
    )
    result = lint("--config", str(BUNDLED_STACK), "--policy-config", str(policy))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert (
        f"sendlanes: {policy}:2: smtp-port-allowed.allowedPorts: port 25 cannot be allowed"
        in (lines[0])
    )
    assert (
        f"{policy}:3: dkim-key-strenght: no such rule (did you mean 'dkim-key-strength'?)"
        in (lines[1])
    )
    assert f"{policy}:4: spf-syntax: 'sometimes' is not a level" in lines[2]


def test_unknown_rule_option_is_a_config_error(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"spf-syntax": {"strict": True}}))
    result = lint("--config", str(BUNDLED_STACK), "--policy-config", str(policy))
    assert result.returncode == 2
    assert "spf-syntax.strict: spf-syntax has no option 'strict'" in result.stderr


def test_missing_policy_config_file_exits_2(tmp_path: Path) -> None:
    result = lint("--config", str(BUNDLED_STACK), "--policy-config", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "nope.yaml: no such policy config file" in result.stderr


def test_broken_stack_config_exits_2() -> None:
    result = lint("--config", "/nonexistent/Pulumi.x.yaml")
    assert result.returncode == 2 and "no such stack config file" in result.stderr


def test_table_output_lists_level_rule_and_lane(tmp_path: Path) -> None:
    result = lint("--config", str(_port_25_stack(tmp_path)), "--format", "table")
    assert result.returncode == 1
    assert "mandatory  smtp-port-allowed" in result.stdout
    assert "acme/receipts" in result.stdout
    assert "1 mandatory, 1 advisory" in result.stdout


# -- SARIF ------------------------------------------------------------------------------------


def test_sarif_points_at_the_line_of_the_offending_field(tmp_path: Path) -> None:
    stack = _port_25_stack(tmp_path)
    result = lint("--config", "Pulumi.test.yaml", "--format", "sarif", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "sendlanes"
    assert [r["id"] for r in driver["rules"]] == [rule.id for rule in RULES]
    results = {r["ruleId"]: r for r in run["results"]}
    port = results["smtp-port-allowed"]
    assert port["level"] == "error"
    assert driver["rules"][port["ruleIndex"]]["id"] == "smtp-port-allowed"
    [location] = port["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "Pulumi.test.yaml"
    port_line = next(
        n for n, text in enumerate(stack.read_text().splitlines(), 1) if "port: 25" in text
    )
    assert physical["region"]["startLine"] == port_line
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "acme/receipts"
    assert results["new-lane-has-warmup"]["level"] == "warning"


def test_sarif_levels_follow_the_policy_config(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump({"dkim-key-strength-recommended": "mandatory"}))
    result = lint(
        "--config", str(BUNDLED_STACK), "--format", "sarif", "--policy-config", str(policy)
    )
    rules = {r["id"]: r for r in json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["dkim-key-strength-recommended"]["defaultConfiguration"]["level"] == "error"
    assert rules["dmarc-reporting"]["defaultConfiguration"]["level"] == "warning"


def test_every_sarif_result_names_a_rule_and_a_location() -> None:
    result = lint("--config", str(BUNDLED_STACK), "--format", "sarif")
    run = json.loads(result.stdout)["runs"][0]
    ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert run["results"]
    for item in run["results"]:
        assert item["ruleId"] in ids
        assert item["level"] in {"error", "warning", "note", "none"}
        assert item["message"]["text"]
        region = item["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1


@pytest.mark.parametrize("fmt", ["json", "sarif", "table"])
def test_findings_go_to_stdout_and_nothing_to_stderr(fmt: str) -> None:
    result = lint("--config", str(BUNDLED_STACK), "--format", fmt)
    assert result.returncode == 0 and result.stdout and result.stderr == ""
