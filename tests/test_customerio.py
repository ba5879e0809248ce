"""The Customer.io hand-off: per brand, the servers to add, the routing, the manual checklist."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from bench.genstack import stack as generated_stack
from sendlanes.config.load import parse_stack_config
from sendlanes.config.schema import MessageType
from sendlanes.customerio.handoff import brand_handoff, handoff_json, handoff_text
from sendlanes.plan.build import build_plan
from sendlanes.plan.model import Plan

ROOT = Path(__file__).resolve().parents[1]
PROD = ROOT / "Pulumi.prod.yaml"
DAY_3 = datetime.date(2026, 12, 3)


def _prod(passwords: tuple[str, ...] = (), today: datetime.date = DAY_3) -> Plan:
    document = yaml.safe_load(PROD.read_text(encoding="utf-8"))
    if passwords:
        document["config"]["sendlanes:smtpPasswords"] = {
            key: {"secure": "v1:c2VjcmV0"} for key in passwords
        }
    text = yaml.safe_dump(json.loads(json.dumps(document, default=str)))
    return build_plan(parse_stack_config(text, "Pulumi.prod.yaml"), today=today)


def _sheet(plan: Plan) -> dict[str, Any]:
    sheet = handoff_json(plan)["acme"]
    assert isinstance(sheet, dict)
    return sheet


def _sendlanes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sendlanes", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_each_lane_is_one_smtp_server_with_its_form_values() -> None:
    servers = _sheet(_prod(passwords=("acme/receipts",)))["servers"]
    assert [s["lane"] for s in servers] == ["receipts", "revenue", "promos"]
    receipts = servers[0]
    assert receipts == {
        "lane": "receipts",
        "label": "acme receipts (transactional)",
        "kind": "transactional",
        "provider": "postmark",
        "host": "smtp.postmarkapp.com",
        "port": 587,
        "tls": "starttls",
        "username": "0f2c6d3e-8a41-4b7e-9c55-2d1f0e6a7b90",
        "password": {
            "secret": "sendlanes:smtpPasswords.acme/receipts",
            "set": True,
            "stackOutput": "smtpPasswords",
            "key": "acme/receipts",
        },
        "messageTypes": ["all_emails", "transactional"],
        "fromDomain": "receipts.acme.example",
        "warmupLimitToday": None,
    }
    assert servers[2]["username"] == "apikey"  # SendGrid's fixed user name
    assert servers[2]["password"]["set"] is False
    assert servers[1]["warmupLimitToday"] == 5000  # day 3 of the revenue lane's schedule


def test_the_all_emails_lane_is_the_fallback_for_unassigned_message_types() -> None:
    sheet = brand_handoff(_prod().brands[0])
    assert sheet.fallback == ("receipts",)
    assert sheet.routes[MessageType.DATE_TRIGGERED] == ()
    assert sheet.routes[MessageType.NEWSLETTERS] == ("promos",)
    routes = _sheet(_prod())["routes"]
    assert routes["date_triggered"] == {"lanes": [], "via": "fallback"}
    assert routes["event_triggered"] == {"lanes": ["revenue"], "via": "assigned"}


def test_a_brand_without_an_all_emails_lane_is_told_customerio_needs_one() -> None:
    document: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(PROD.read_text()), default=str))
    lanes = document["config"]["sendlanes:brands"][0]["lanes"]
    lanes[0]["customerio"]["messageTypes"] = ["transactional"]
    plan = build_plan(parse_stack_config(yaml.safe_dump(document)), today=DAY_3)
    sheet = brand_handoff(plan.brands[0])
    assert sheet.fallback == ()
    assert any("Customer.io requires one server on All Emails" in c for c in sheet.checklist)
    assert "Fallback server: none" in handoff_text(plan)


def test_checklist_covers_tracking_webhooks_warmup_and_one_click() -> None:
    checklist = brand_handoff(_prod().brands[0]).checklist
    text = "\n".join(checklist)
    assert checklist[0].startswith("Open the Customer.io workspace that sends for acme (US region)")
    assert "Set the link tracking domain to links.acme.example" in text
    assert "https://track.customer.io/postmark/events" in text
    assert "promos: connect SendGrid's delivery/bounce/spam events" in text
    assert "revenue: Customer.io gets no delivered/bounce/spam data from ses" in text
    assert "revenue: warm-up day 3 of 6: send at most 5000 messages today" in text
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058)" in text
    assert "allowlist" not in text  # no self-hosted server in this stack


def test_self_hosted_servers_get_the_allowlist_step_for_their_region() -> None:
    text = yaml.safe_dump(generated_stack(5), sort_keys=False)
    plan = build_plan(parse_stack_config(text), today=DAY_3)
    smtp_brand = next(b for b in plan.brands if any(lane.provider == "smtp" for lane in b.lanes))
    checklist = brand_handoff(smtp_brand).checklist
    step = next(c for c in checklist if "egress addresses" in c)
    assert step.startswith("Before adding mta0.example.net: let Customer.io's US egress")
    assert "`sendlanes allowlist --region us`" in step


def test_warmup_not_yet_started_says_to_route_nothing() -> None:
    plan = _prod(today=datetime.date(2026, 11, 20))
    text = "\n".join(brand_handoff(plan.brands[0]).checklist)
    assert "promos: warm-up starts 2026-12-01; route nothing to it before then." in text


def test_text_names_the_secret_never_a_password() -> None:
    text = handoff_text(_prod(passwords=("acme/receipts", "acme/revenue", "acme/promos")))
    assert "Password:       secret sendlanes:smtpPasswords.acme/receipts" in text
    assert (
        "pulumi stack output smtpPasswords --show-secrets --json | jq -r '.\"acme/revenue\"'"
        in text
    )
    assert "NOT SET" not in text
    assert "v1:c2VjcmV0" not in text


def test_plan_format_customerio_prints_the_hand_off() -> None:
    result = _sendlanes(
        "plan", "--config", str(PROD), "--format", "customerio", "--date", "2026-12-03"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Customer.io hand-off for acme (acme.example, US region)"
    assert "  1. acme receipts (transactional)" in lines
    assert "     Host:           email-smtp.us-east-1.amazonaws.com" in lines
    assert "  Date Triggered        → receipts (fallback)" in lines
    assert result.stdout == handoff_text(_prod())


def test_plan_format_customerio_json_is_the_stack_output_structure() -> None:
    result = _sendlanes(
        "plan", "--config", str(PROD), "--format", "customerio-json", "--date", "2026-12-03"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(json.dumps(handoff_json(_prod())))


def test_sendlanes_plan_never_imports_pulumi() -> None:
    probe = (
        "import sys, runpy; sys.argv = ['sendlanes', 'plan', '--format', 'customerio']\n"
        "try:\n    runpy.run_module('sendlanes', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_cloudflare', "
        "'pulumi_policy', 'components')), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Customer.io hand-off for acme" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "[]"
