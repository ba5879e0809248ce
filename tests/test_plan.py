"""The plan: DMARC merging, warm-up, Customer.io tracking and report authorizations."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml

from sendlanes.config.load import load_stack_config, parse_stack_config
from sendlanes.errors import UsageError
from sendlanes.lanes.records import Purpose
from sendlanes.plan.build import build_plan
from sendlanes.plan.model import Plan
from tests.support.stacks import BUNDLED_STACK, brands, bundled_config, lane

DAY = datetime.date(2026, 12, 3)


def plan_of(document: dict[str, Any], today: datetime.date = DAY) -> Plan:
    return build_plan(parse_stack_config(yaml.safe_dump(document, sort_keys=False)), today)


def dmarc_content(plan: Plan, key: str) -> str:
    [lane_plan] = plan.select_lanes([key])
    [record] = lane_plan.records_with(Purpose.DMARC)
    assert record.name == f"_dmarc.{lane_plan.fqdn}"
    return record.content


def test_bundled_plan_has_the_documented_record_counts() -> None:
    plan = build_plan(load_stack_config(BUNDLED_STACK), DAY)
    assert [len(lane.records) for lane in plan.lanes()] == [3, 6, 6]
    assert plan.brands[0].records[0].name == "links.acme.example"
    assert len(plan.brands[0].records) == 4  # tracking CNAME + 3 report authorizations


def test_lane_dmarc_overrides_brand_defaults_field_by_field() -> None:
    plan = plan_of(bundled_config())
    assert dmarc_content(plan, "acme/receipts") == (
        "v=DMARC1; p=reject; adkim=s; rua=mailto:dmarc@acme.example"
    )
    assert dmarc_content(plan, "acme/promos") == (
        "v=DMARC1; p=quarantine; rua=mailto:dmarc@acme.example"
    )


def test_testing_mode_adds_t_y_and_no_pct() -> None:
    document = bundled_config()
    lane(document, "promos")["dmarc"] = {"testing": True, "subdomainPolicy": "reject", "fo": "1"}
    content = dmarc_content(plan_of(document), "acme/promos")
    assert content == (
        "v=DMARC1; p=quarantine; sp=reject; rua=mailto:dmarc@acme.example; fo=1; t=y"
    )
    assert "pct=" not in content


def test_lane_without_any_dmarc_policy_publishes_no_dmarc_record() -> None:
    document = bundled_config()
    del brands(document)[0]["dmarc"]
    plan = plan_of(document)
    [promos] = plan.select_lanes(["acme/promos"])
    assert promos.records_with(Purpose.DMARC) == ()
    assert promos.dmarc.policy is None


def test_customerio_tracking_cname_follows_the_region() -> None:
    document = bundled_config()
    brands(document)[0]["customerio"]["region"] = "eu"
    record = plan_of(document).brands[0].records[0]
    assert (record.name, record.type.value, record.content) == (
        "links.acme.example",
        "CNAME",
        "e-eu.customeriomail.com",
    )


def test_rua_at_another_brand_publishes_its_authorization_record() -> None:
    document = bundled_config()
    second = {
        "name": "beta",
        "domain": "beta.example",
        "zoneId": "a" * 32,
        "dmarc": {"policy": "reject", "rua": ["mailto:reports@acme.example"]},
        "lanes": [
            {
                "name": "receipts",
                "kind": "transactional",
                "subdomain": "receipts",
                "provider": "mandrill",
                "categories": ["receipt"],
            }
        ],
    }
    brands(document).append(second)
    plan = plan_of(document)
    acme, beta = plan.brands
    authorizations = [r for r in acme.records if r.purpose is Purpose.DMARC_REPORT_AUTHORIZATION]
    assert [(r.name, r.content) for r in authorizations if "beta" in r.name] == [
        ("receipts.beta.example._report._dmarc.acme.example", "v=DMARC1")
    ]
    assert not [r for r in beta.records if r.purpose is Purpose.DMARC_REPORT_AUTHORIZATION]


def test_rua_at_the_own_brand_is_authorized_for_the_dns_tree_walk() -> None:
    # Without a _dmarc record at the brand apex, RFC 9989's tree walk makes each lane its own
    # organizational domain, so dmarc@acme.example is an external destination for it.
    plan = plan_of(bundled_config())
    authorizations = [
        r.name for r in plan.brands[0].records if r.purpose is Purpose.DMARC_REPORT_AUTHORIZATION
    ]
    assert authorizations == [
        "receipts.acme.example._report._dmarc.acme.example",
        "notify.acme.example._report._dmarc.acme.example",
        "mail.acme.example._report._dmarc.acme.example",
    ]


def test_rua_under_the_lanes_own_name_needs_no_authorization() -> None:
    document = bundled_config()
    lane(document, "promos")["dmarc"] = {"rua": ["mailto:reports@mail.acme.example"]}
    plan = plan_of(document)
    names = [r.name for r in plan.brands[0].records]
    assert not [n for n in names if n.startswith("mail.acme.example._report")]


@pytest.mark.parametrize(
    ("today", "limit", "complete"),
    [
        (datetime.date(2026, 11, 30), 0, False),
        (datetime.date(2026, 12, 1), 1000, False),
        (datetime.date(2026, 12, 3), 5000, False),
        (datetime.date(2026, 12, 6), 50000, False),
        (datetime.date(2026, 12, 7), None, True),
    ],
)
def test_warmup_limit_for_the_day(today: datetime.date, limit: int | None, complete: bool) -> None:
    [revenue] = plan_of(bundled_config(), today).select_lanes(["acme/revenue"])
    assert revenue.warmup is not None
    assert (revenue.warmup.today_limit, revenue.warmup.complete) == (limit, complete)


def test_select_lanes_rejects_unknown_lanes_by_name() -> None:
    plan = plan_of(bundled_config())
    with pytest.raises(UsageError, match="no lane 'acme/nope'"):
        plan.select_lanes(["acme/nope"])
    assert [lane.key for lane in plan.select_lanes([])] == [
        "acme/receipts",
        "acme/revenue",
        "acme/promos",
    ]


def test_dkim_key_size_is_reported_for_txt_keys() -> None:
    [receipts] = plan_of(bundled_config()).select_lanes(["acme/receipts"])
    [key] = receipts.dkim_keys
    assert (key.algorithm.value, key.bits) == ("rsa", 2048)
    assert receipts.dkim_selectors == ("20261101pm._domainkey.receipts.acme.example",)


def test_password_presence_is_known_without_the_value() -> None:
    document = bundled_config()
    document["config"]["sendlanes:smtpPasswords"] = {"acme/promos": {"secure": "v1:AAAA"}}
    plan = plan_of(document)
    assert [lane.has_password for lane in plan.lanes()] == [False, False, True]
