"""The pack's pieces called directly: ``_graph`` builds the same facts lint builds, and the
validators handle unknown (preview) values and bad config without crashing."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import yaml
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from components import tokens
from policies import (
    category_intent_matches_lane_kind,
    dkim_key_strength,
    lane_kinds_separate_smtp_credentials,
    mail_records_not_proxied,
    smtp_port_allowed,
    spf_syntax,
)
from policies._graph import stack_facts
from policies._wire import logical_txt
from sendlanes.config.load import parse_stack_config
from sendlanes.plan.build import build_plan
from sendlanes.plan.model import Plan
from sendlanes.rules.facts import facts_from_plan
from sendlanes.rules.runner import evaluate
from tests.rules.engine_resources import FakeResource, engine_resources, with_props
from tests.rules.helpers import TODAY
from tests.support.stacks import BUNDLED_STACK, bundled_config, lane


def plan_of(document: dict[str, Any]) -> Plan:
    return build_plan(parse_stack_config(yaml.safe_dump(document), "Pulumi.test.yaml"), TODAY)


def generated_plan(brands: int) -> Plan:
    # The benchmark generator rotates every provider preset through the lane kinds.
    from bench.genstack import stack

    return build_plan(parse_stack_config(yaml.safe_dump(stack(brands))), TODAY)


def comparable(findings: Any) -> list[tuple[Any, ...]]:
    return sorted((f.rule, f.level, f.brand, f.lane, f.record, f.message) for f in findings)


# -- _graph ------------------------------------------------------------------------------------


def test_cloudflare_txt_chunks_join_into_the_logical_value() -> None:
    assert logical_txt('"v=DKIM1; k=rsa; p=MIIB" "IjAN"') == "v=DKIM1; k=rsa; p=MIIBIjAN"
    assert logical_txt(r'"say \"hi\" \\ bye"') == 'say "hi" \\ bye'
    assert logical_txt("v=spf1 -all") == "v=spf1 -all"
    assert logical_txt('"unterminated') == '"unterminated'


@pytest.mark.parametrize("source", ["bundled", "generated"])
def test_engine_graph_gives_the_findings_the_plan_gives(source: str) -> None:
    if source == "bundled":
        plan = build_plan(parse_stack_config(BUNDLED_STACK.read_text()), TODAY)
    else:
        plan = generated_plan(5)
    from_engine = stack_facts(engine_resources(plan))
    from_plan = facts_from_plan(plan)
    assert [lane.key for lane in from_engine.lanes] == [lane.key for lane in from_plan.lanes]
    assert sorted((r.name, r.type, r.content) for r in from_engine.records) == sorted(
        (r.name, r.type, r.content) for r in from_plan.records
    )
    for engine_lane, plan_lane in zip(from_engine.lanes, from_plan.lanes, strict=True):
        strip = {"urn": None, "records": ()}
        assert dataclasses.replace(engine_lane, **strip) == dataclasses.replace(plan_lane, **strip)
    assert comparable(evaluate(from_engine)) == comparable(evaluate(from_plan))


def test_records_are_attached_to_their_lane_with_purpose_and_urn() -> None:
    plan = plan_of(bundled_config())
    facts = stack_facts(engine_resources(plan))
    receipts = next(lane for lane in facts.lanes if lane.key == "acme/receipts")
    dkim = next(r for r in receipts.records if r.name.endswith("._domainkey.receipts.acme.example"))
    assert str(dkim.purpose) == "dkim"
    assert dkim.urn is not None and dkim.urn.endswith("::acme-receipts-dkim-20261101pm")
    assert receipts.urn is not None and receipts.urn.endswith("SendingLane::acme-receipts")
    tracking = next(r for r in facts.records if r.name == "links.acme.example")
    assert (tracking.brand, tracking.lane, tracking.managed) == ("acme", None, True)


def test_unknown_username_is_noted_not_guessed() -> None:
    resources = engine_resources(plan_of(bundled_config()))
    lane_resource = next(r for r in resources if r.name == "acme-receipts")
    smtp = dict(lane_resource.props[tokens.LANE_SMTP], username=UNKNOWN_STRING_VALUE)
    index = resources.index(lane_resource)
    resources[index] = with_props(lane_resource, **{tokens.LANE_SMTP: smtp})
    facts = stack_facts(resources)
    receipts = next(lane for lane in facts.lanes if lane.key == "acme/receipts")
    assert receipts.smtp.username is None
    [unknown] = facts.unknowns
    assert unknown.path == "smtp.username" and unknown.urn == lane_resource.urn


# -- validators --------------------------------------------------------------------------------


class Reports:
    def __init__(self) -> None:
        self.items: list[tuple[str, str | None]] = []

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.items.append((message, urn))


def _policy_resources(resources: list[FakeResource]) -> list[Any]:
    # The analyzer hands validators unknown-checking proxies; do the same.
    return [dataclasses.replace(r, props=unknown_checking_proxy(r.props)) for r in resources]


def _shared_login(document: dict[str, Any]) -> None:
    lane(document, "revenue")["smtp"] = {
        "host": "smtp.postmarkapp.com",
        "port": 587,
        "username": "shared-token",
    }
    lane(document, "receipts")["smtp"]["username"] = "shared-token"


def test_stack_validator_reports_violations_against_the_lane_urn() -> None:
    resources = engine_resources(plan_of(_mutate(_shared_login)))
    report = Reports()
    policy = lane_kinds_separate_smtp_credentials.POLICY
    policy.validate(StackValidationArgs(_policy_resources(resources)), report)
    [(message, urn)] = report.items
    assert urn is not None and urn.endswith("SendingLane::acme-revenue")
    assert "smtp.postmarkapp.com" in message


def test_unknown_value_gives_known_violations_then_a_preview_notice() -> None:
    document = _mutate(_shared_login)
    lane(document, "promos")["smtp"] = {"port": 587}
    resources = engine_resources(plan_of(document))
    promos = next(r for r in resources if r.name == "acme-promos")
    smtp = dict(promos.props[tokens.LANE_SMTP], host=UNKNOWN_STRING_VALUE)
    resources[resources.index(promos)] = with_props(promos, **{tokens.LANE_SMTP: smtp})
    report = Reports()
    policy = lane_kinds_separate_smtp_credentials.POLICY
    with pytest.raises(UnknownValueError) as raised:
        policy.validate(StackValidationArgs(_policy_resources(resources)), report)
    assert len(report.items) == 1  # the known shared login is still reported
    assert (
        raised.value.message
        == "string value at .acme-promos.smtp.host can't be known during preview"
    )


def test_rules_that_do_not_read_the_unknown_part_are_unaffected() -> None:
    resources = engine_resources(plan_of(bundled_config()))
    promos = next(r for r in resources if r.name == "acme-promos")
    unknown_categories = with_props(promos, **{tokens.LANE_CATEGORIES: UNKNOWN_STRING_VALUE})
    report = Reports()
    smtp_port_allowed.POLICY.validate(_resource_args(unknown_categories), report)
    assert report.items == []
    with pytest.raises(UnknownValueError):
        category_intent_matches_lane_kind.POLICY.validate(
            _resource_args(unknown_categories), report
        )


def test_lane_validator_judges_one_lane_resource() -> None:
    document = bundled_config()
    lane(document, "receipts")["smtp"]["port"] = 25
    resources = engine_resources(plan_of(document))
    receipts = next(r for r in resources if r.name == "acme-receipts")
    report = Reports()
    smtp_port_allowed.POLICY.validate(_resource_args(receipts), report)
    [(message, urn)] = report.items
    assert urn == receipts.urn and ":25:" in message


def test_bad_policy_config_is_reported_clearly_instead_of_judging() -> None:
    resources = engine_resources(plan_of(bundled_config()))
    receipts = next(r for r in resources if r.name == "acme-receipts")
    report = Reports()
    args = _resource_args(receipts, {"allowedPorts": [25]})
    smtp_port_allowed.POLICY.validate(args, report)
    assert report.items == [
        (
            "invalid policy config for smtp-port-allowed: allowedPorts: port 25 cannot be "
            "allowed: Customer.io does not connect to it",
            None,
        )
    ]


def _resource_args(resource: FakeResource, config: Any = None) -> ResourceValidationArgs:
    options = PolicyResourceOptions(
        False,
        [],
        None,
        [],
        PolicyCustomTimeouts(0, 0, 0),
        [],
        resource.parent.urn if resource.parent else None,
    )
    return ResourceValidationArgs(
        resource.resource_type,
        unknown_checking_proxy(resource.props),
        resource.urn,
        resource.name,
        options,
        None,
        config,
    )


def test_resource_validator_flags_a_proxied_lane_record() -> None:
    resources = engine_resources(plan_of(bundled_config()))
    bounce = next(r for r in resources if r.name == "acme-receipts-return-path")
    report = Reports()
    args = _resource_args(with_props(bounce, **{tokens.RECORD_PROXIED: True}))
    mail_records_not_proxied.POLICY.validate(args, report)
    [(message, urn)] = report.items
    assert urn == bounce.urn and "pm-bounces.receipts.acme.example" in message


def test_resource_validator_reads_chunked_txt_content() -> None:
    resources = engine_resources(plan_of(bundled_config()))
    dkim = next(r for r in resources if r.name == "acme-receipts-dkim-20261101pm")
    assert dkim.props[tokens.RECORD_CONTENT].count('" "') == 1  # 2048-bit key: two strings
    report = Reports()
    dkim_key_strength.POLICY.validate(_resource_args(dkim), report)
    assert report.items == []


def test_resource_validator_with_unknown_content_asks_for_preview_notice() -> None:
    resources = engine_resources(plan_of(bundled_config()))
    spf = next(r for r in resources if r.name.startswith("acme-revenue-spf"))
    unknown = with_props(spf, **{tokens.RECORD_CONTENT: UNKNOWN_STRING_VALUE})
    with pytest.raises(UnknownValueError):
        spf_syntax.POLICY.validate(_resource_args(unknown), Reports())


def test_resource_validator_ignores_other_resource_types() -> None:
    resources = engine_resources(plan_of(bundled_config()))
    report = Reports()
    lane_resource = next(r for r in resources if r.resource_type == tokens.SENDING_LANE)
    mail_records_not_proxied.POLICY.validate(_resource_args(lane_resource), report)
    assert report.items == []


def _mutate(change: Any) -> dict[str, Any]:
    document = bundled_config()
    change(document)
    return document
