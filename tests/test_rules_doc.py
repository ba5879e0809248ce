"""The rule reference in docs/rules.md and the README is the one `sendlanes rules` prints."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from sendlanes.rules.model import Level, Scope
from sendlanes.rules.registry import RULES

REPO = Path(__file__).resolve().parents[1]
START = "<!-- rules:start -->"
END = "<!-- rules:end -->"
FIX = (
    "regenerate it: run `sendlanes rules --format markdown` and put its output between "
    f"{START} and {END}"
)


def generated() -> str:
    result = subprocess.run(
        ["sendlanes", "rules", "--format", "markdown"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def marked_block(path: Path) -> str | None:
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return None
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"


@pytest.fixture(scope="module")
def table() -> str:
    return generated()


def test_docs_rules_md_has_the_generated_table(table: str) -> None:
    block = marked_block(REPO / "docs" / "rules.md")
    assert block is not None, f"docs/rules.md lacks the markers; {FIX}"
    assert block == table, f"docs/rules.md is out of date; {FIX}"


def test_readme_rule_table_is_the_generated_one(table: str) -> None:
    block = marked_block(REPO / "README.md")
    if block is None:
        pytest.skip("README.md has no rules:start/rules:end markers yet")
    assert block == table, f"README.md's rule table is out of date; {FIX}"


def test_table_has_one_row_per_rule_with_its_default_level(table: str) -> None:
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(RULES)
    for row, rule in zip(rows, RULES, strict=True):
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert cells[0] == f"`{rule.id}`"
        assert cells[1] == str(rule.level)
        kinds = {
            Scope.RECORD: "resource (DnsRecord)",
            Scope.LANE: "resource (SendingLane)",
            Scope.STACK: "stack",
        }
        assert cells[2] == kinds[rule.scope]


def test_every_rule_has_words_a_person_can_act_on() -> None:
    ids = [rule.id for rule in RULES]
    assert len(set(ids)) == len(ids)
    for rule in RULES:
        assert rule.id == rule.id.lower() and " " not in rule.id
        assert rule.level in (Level.MANDATORY, Level.ADVISORY)
        for text in (rule.description, rule.rationale, rule.remediation):
            assert len(text) > 20 and text.endswith("."), (rule.id, text)


def test_rule_ids_named_by_the_issue_exist() -> None:
    contract = {
        "lane-subdomains-distinct",
        "lane-kinds-separate-smtp-credentials",
        "lane-kinds-separate-dkim",
        "lane-kinds-separate-return-path-and-tracking",
        "category-intent-matches-lane-kind",
        "category-routed-exactly-once",
        "customerio-single-fallback-server",
        "customerio-fallback-not-promotional",
        "customerio-at-most-four-servers",
        "postmark-promotional-uses-broadcast-stream",
        "smtp-port-allowed",
        "smtp-tls-required",
        "spf-single-record",
        "spf-syntax",
        "spf-no-permissive-all",
        "spf-lookup-budget",
        "dkim-key-strength",
        "dmarc-present-and-valid",
        "dmarc-reporting",
        "mail-records-not-proxied",
        "bulk-lanes-one-click-unsubscribe",
        "warmup-schedule-valid",
        "new-lane-has-warmup",
    }
    assert contract <= {rule.id for rule in RULES}


def test_rules_json_lists_options_with_defaults() -> None:
    result = subprocess.run(
        ["sendlanes", "rules", "--format", "json"], capture_output=True, text=True, check=True
    )
    rules = {r["id"]: r for r in json.loads(result.stdout)["rules"]}
    [ports] = rules["smtp-port-allowed"]["options"]
    assert ports["name"] == "allowedPorts" and ports["default"] == [465, 587, 2465, 2525, 2587]
    assert rules["spf-syntax"]["policy"] == "resource (DnsRecord)"
    assert rules["smtp-tls-required"]["policy"] == "resource (SendingLane)"


def test_policy_config_example_in_the_docs_is_valid(tmp_path: Path) -> None:
    from sendlanes.rules.policy_config import load_policy_config
    from sendlanes.rules.registry import rule

    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "policy-config.yaml"
    path.write_text(example)
    config = load_policy_config(path, RULES)
    assert config.options_of(rule("smtp-port-allowed"))["allowedPorts"] == (465, 587)
    assert str(config.level_of(rule("dkim-key-strength-recommended"))) == "disabled"
