"""Resource names: derived from the thing named, stable, unique — checked before registering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from bench.genstack import RSA_2048_KEY
from bench.genstack import stack as generated_stack
from sendlanes.config.load import parse_stack_config
from sendlanes.lanes.records import Purpose, RecordSpec, RecordType
from sendlanes.plan.build import build_plan
from sendlanes.plan.model import Plan
from sendlanes.plan.naming import (
    COMMENT_MAX_CHARS,
    brand_names,
    check_names,
    lane_names,
    name_problems,
)

PROD = Path(__file__).resolve().parents[1] / "Pulumi.prod.yaml"


def _plan(document: dict[str, Any]) -> Plan:
    text = yaml.safe_dump(json.loads(json.dumps(document, default=str)), sort_keys=False)
    return build_plan(parse_stack_config(text, "Pulumi.test.yaml"))


def _brand(name: str, domain: str, lanes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "domain": domain, "zoneId": "0" * 32, "lanes": lanes}


def _lane(name: str, subdomain: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "transactional", "subdomain": subdomain,
            "provider": "mandrill", "categories": ["receipt"], **extra}  # fmt: skip


def _stack(*brands: dict[str, Any]) -> dict[str, Any]:
    return {"config": {"sendlanes:brands": list(brands)}}


def test_bundled_stack_names_read_brand_lane_purpose() -> None:
    plan = build_plan(parse_stack_config(PROD.read_text(encoding="utf-8")))
    (brand,) = plan.brands
    assert brand_names(brand).component == "acme"
    assert [n.resource_name for n in brand_names(brand).records] == [
        "acme-customerio-tracking",
        "acme-dmarc-report-authorization-receipts.acme.example",
        "acme-dmarc-report-authorization-notify.acme.example",
        "acme-dmarc-report-authorization-mail.acme.example",
    ]
    receipts, revenue, promos = (lane_names(lane) for lane in brand.lanes)
    assert (receipts.component, receipts.credential) == ("acme-receipts", "acme-receipts-smtp")
    assert [n.resource_name for n in receipts.records] == [
        "acme-receipts-dkim-20261101pm",
        "acme-receipts-return-path",
        "acme-receipts-dmarc",
    ]
    assert [n.resource_name for n in revenue.records] == [
        "acme-revenue-dkim-exajm5ogzicibxm11fop3ukzlceh1rqr",
        "acme-revenue-dkim-7vtd1wfk9nml7xjusntct50uuyhae3hi",
        "acme-revenue-dkim-glkqy1l8g2oaedrchu66iixhvplde4eb",
        "acme-revenue-return-path",
        "acme-revenue-spf",
        "acme-revenue-dmarc",
    ]
    assert [n.resource_name for n in promos.records] == [
        "acme-promos-return-path",
        "acme-promos-dkim-s1",
        "acme-promos-dkim-s2",
        "acme-promos-tracking-url3629",
        "acme-promos-tracking-2744887",
        "acme-promos-dmarc",
    ]
    assert receipts.records[0].comment == "sendlanes acme/receipts transactional dkim"


def test_adding_records_to_a_lane_renames_none_of_its_other_records() -> None:
    mailgun = {"dkimSelector": "mg", "dkimPublicKey": RSA_2048_KEY}
    sending = _plan(_stack(_brand("acme", "acme.example", [
        _lane("receipts", "receipts", provider="mailgun", mailgun=mailgun)])))  # fmt: skip
    receiving = _plan(_stack(_brand("acme", "acme.example", [
        _lane("receipts", "receipts", provider="mailgun", mailgun={**mailgun, "receiving": True})
    ])))  # fmt: skip
    before = {n.resource_name for n in lane_names(sending.lanes()[0]).records}
    after = {n.resource_name for n in lane_names(receiving.lanes()[0]).records}
    assert before < after
    assert after - before == {"acme-receipts-inbound-mxa", "acme-receipts-inbound-mxb"}


def test_rotating_a_dkim_selector_renames_only_that_record() -> None:
    def names(selector: str) -> list[str]:
        postmark = {"dkimSelector": selector, "dkimPublicKey": RSA_2048_KEY}
        plan = _plan(_stack(_brand("acme", "acme.example", [
            _lane("receipts", "receipts", provider="postmark", postmark=postmark)])))  # fmt: skip
        return [n.resource_name for n in lane_names(plan.lanes()[0]).records]

    assert names("2026a") == ["acme-receipts-dkim-2026a", "acme-receipts-return-path"]
    assert names("2027a") == ["acme-receipts-dkim-2027a", "acme-receipts-return-path"]


def test_every_name_of_a_large_generated_stack_is_unique() -> None:
    plan = _plan(generated_stack(100))
    assert name_problems(plan) == []
    check_names(plan)  # does not raise
    names = [lane_names(lane) for lane in plan.lanes()]
    all_names = [n.component for n in names] + [n.credential for n in names]
    all_names += [r.resource_name for n in names for r in n.records]
    all_names += [b.component for b in map(brand_names, plan.brands)]
    all_names += [r.resource_name for b in map(brand_names, plan.brands) for r in b.records]
    assert len(all_names) == len(set(all_names)) > 1500


def test_hyphenated_brand_and_lane_names_that_would_collide_are_reported() -> None:
    plan = _plan(_stack(
        _brand("acme", "acme.example", [_lane("eu-receipts", "receipts")]),
        _brand("acme-eu", "acme-eu.example", [_lane("receipts", "receipts")]),
    ))  # fmt: skip
    problems = name_problems(plan)
    assert problems[0] == (
        "Pulumi.test.yaml: resource name 'acme-eu-receipts' is shared by lane acme/eu-receipts "
        "and lane acme-eu/receipts: rename one of the lanes or brands"
    )
    assert any("'acme-eu-receipts-spf'" in p for p in problems)
    try:
        check_names(plan)
    except Exception as error:  # UsageError: exit code 2 on the command line
        assert str(error).splitlines() == problems
    else:  # pragma: no cover - the assertion below explains
        raise AssertionError("check_names accepted colliding names")


def test_a_previous_name_that_another_lane_now_uses_is_reported() -> None:
    plan = _plan(_stack(_brand("acme", "acme.example", [
        _lane("bulk", "mail", previousNames=["promos"]),
        _lane("promos", "news"),
    ])))  # fmt: skip
    problems = name_problems(plan)
    assert problems
    assert problems[0].startswith(
        "Pulumi.test.yaml: lane acme/bulk (previous name) was named 'acme-promos', which is now "
        "the name of lane acme/promos"
    )


def test_previous_names_give_each_record_its_old_name() -> None:
    plan = _plan(_stack(_brand("acme", "acme.example", [
        _lane("bulk", "mail", previousNames=["promos", "newsletters"])])))  # fmt: skip
    names = lane_names(plan.lanes()[0])
    assert names.previous_components == ("acme-promos", "acme-newsletters")
    spf = next(n for n in names.records if n.record.purpose is Purpose.SPF)
    assert spf.resource_name == "acme-bulk-spf"
    assert spf.previous == (
        ("acme-promos", "acme-promos-spf"),
        ("acme-newsletters", "acme-newsletters-spf"),
    )


def test_comments_fit_cloudflares_free_plan_limit() -> None:
    long_brand = "b" * 63
    plan = _plan(_stack(_brand(long_brand, "long.example", [_lane("l" * 63, "receipts")])))
    for named in lane_names(plan.lanes()[0]).records:
        assert len(named.comment) == COMMENT_MAX_CHARS
        assert named.comment.startswith(f"sendlanes {long_brand}/")
        assert named.comment.endswith("…")


def test_report_authorization_is_named_after_the_reporting_lane() -> None:
    plan = _plan(generated_stack(10))
    tracking, *authorizations = brand_names(plan.brands[0]).records
    assert tracking.resource_name == "brand00000-customerio-tracking"
    # one per lane of brand00009 (its reports go to brand00000), after brand00000's own
    authorizations = [a for a in authorizations if "brand00009" in a.resource_name]
    assert len(authorizations) == 3
    authorization = authorizations[0]
    assert authorization.resource_name == (
        "brand00000-dmarc-report-authorization-receipts.brand00009.example"
    )
    assert authorization.comment == (
        "sendlanes brand00000 brand-wide dmarc-report-authorization for receipts.brand00009.example"
    )
    assert authorization.record == RecordSpec(
        "receipts.brand00009.example._report._dmarc.brand00000.example",
        RecordType.TXT,
        "v=DMARC1",
        3600,
        Purpose.DMARC_REPORT_AUTHORIZATION,
    )
