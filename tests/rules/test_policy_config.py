"""The policy config shared by `sendlanes lint --policy-config` and `--policy-pack-config`."""

from __future__ import annotations

from pathlib import Path

import pytest

from sendlanes.rules.model import Level
from sendlanes.rules.policy_config import (
    PolicyConfig,
    PolicyConfigError,
    load_policy_config,
    parse_policy_config,
)
from sendlanes.rules.registry import RULES, rule


def test_empty_config_keeps_every_default() -> None:
    config = parse_policy_config(None, RULES)
    assert all(config.level_of(r) is r.level for r in RULES)
    assert config.options_of(rule("smtp-port-allowed")) == {
        "allowedPorts": (465, 587, 2465, 2525, 2587)
    }


def test_all_sets_every_rule_and_a_rule_setting_wins() -> None:
    config = parse_policy_config({"all": "advisory", "spf-syntax": "mandatory"}, RULES)
    assert config.level_of(rule("lane-subdomains-distinct")) is Level.ADVISORY
    assert config.level_of(rule("spf-syntax")) is Level.MANDATORY


def test_object_form_sets_level_and_options() -> None:
    config = parse_policy_config(
        {"smtp-port-allowed": {"enforcementLevel": "Advisory", "allowedPorts": [2525, 587, 587]}},
        RULES,
    )
    assert config.level_of(rule("smtp-port-allowed")) is Level.ADVISORY
    assert config.options_of(rule("smtp-port-allowed"))["allowedPorts"] == (587, 2525)


def test_object_form_without_level_keeps_the_default_level() -> None:
    config = parse_policy_config({"dmarc-reporting": {"authorizedDestinations": []}}, RULES)
    assert config.level_of(rule("dmarc-reporting")) is Level.ADVISORY


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(PolicyConfigError) as raised:
        parse_policy_config(
            {
                "all": "strict",
                "smtp-port-allowed": {"allowedPorts": "587"},
                "lane-subdomains-distinct": "remediate",
                "nope": "advisory",
            },
            RULES,
            source="p.yaml",
        )
    problems = raised.value.lines()
    assert problems == [
        "p.yaml: all: 'strict' is not a level (use one of: mandatory, advisory, disabled)",
        "p.yaml: smtp-port-allowed.allowedPorts: must be a non-empty list of ports, got '587'",
        "p.yaml: lane-subdomains-distinct: 'remediate' is not supported: no sendlanes rule "
        "rewrites resources",
        "p.yaml: nope: no such rule; `sendlanes rules` lists them",
    ]


def test_true_is_not_a_port() -> None:
    with pytest.raises(PolicyConfigError, match="True is not a TCP port"):
        parse_policy_config({"smtp-port-allowed": {"allowedPorts": [True]}}, RULES)


def test_config_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("- smtp-port-allowed\n")
    with pytest.raises(PolicyConfigError, match="a policy config is a mapping"):
        load_policy_config(path, RULES)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("a: b\nc: [d\n")
    with pytest.raises(PolicyConfigError, match=rf"{path}:\d+:\d+: YAML syntax error"):
        load_policy_config(path, RULES)


def test_lane_keys_option_must_name_brand_and_lane() -> None:
    with pytest.raises(PolicyConfigError, match="'receipts' is not a lane name"):
        parse_policy_config({"new-lane-has-warmup": {"establishedLanes": ["receipts"]}}, RULES)


def test_default_config_object_is_the_same_as_no_file() -> None:
    assert PolicyConfig().level_of(rule("dmarc-reporting")) is Level.ADVISORY


def test_a_rule_must_have_the_check_of_its_scope() -> None:
    from sendlanes.rules.facts import Fact
    from sendlanes.rules.model import Rule, Scope

    def no_violations(*_: object) -> list[object]:
        return []

    with pytest.raises(ValueError, match="a stack rule needs exactly check_stack"):
        Rule(
            id="x-rule",
            level=Level.ADVISORY,
            family="test",
            description="A rule for the test.",
            rationale="Because a test needs one.",
            remediation="Nothing to fix here.",
            scope=Scope.STACK,
            reads=frozenset({Fact.LANE}),
            check_lane=no_violations,  # type: ignore[arg-type]  # deliberately the wrong check
        )
