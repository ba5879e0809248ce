"""The components under Pulumi's mock runtime, on a generated stack that uses every provider.

What is checked here is what the engine and the stack policies will see: types, names,
parents, aliases and inputs as registered (see tests/support/pulumi_mocks.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.genstack import stack as generated_stack
from components import tokens
from sendlanes.config.load import parse_stack_config
from sendlanes.lanes.records import cloudflare_txt_content
from sendlanes.plan.build import build_plan
from tests.support.pulumi_mocks import (
    PROJECT_ROOT,
    ProgramConfig,
    ProgramRequest,
    ProgramRun,
    RegisteredResource,
    Secret,
    run_programs,
)

BRANDS = 10  # brand 9 reports to brand 0: a cross-brand DMARC authorization record


def _write(directory: Path, document: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "Pulumi.prod.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _renamed(document: dict[str, Any]) -> dict[str, Any]:
    renamed = json.loads(json.dumps(document, default=str))
    lane = renamed["config"]["sendlanes:brands"][0]["lanes"][2]
    assert lane["name"] == "promos"
    lane["name"] = "bulk"
    lane["previousNames"] = ["promos"]
    return renamed


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, ProgramRun]]:
    """The generated stack file; runs of it, of the bundled stack and of that stack renamed."""
    root = tmp_path_factory.mktemp("components")
    document = generated_stack(BRANDS, passwords=True)
    # A category of the stack's own, which only the lane's categoryIntents can tell policies.
    document["config"]["sendlanes:categories"] = {"restock_alert": "lifecycle"}
    document["config"]["sendlanes:brands"][0]["lanes"][1]["categories"].append("restock_alert")
    stack_file = _write(root / "generated", document)
    prod_file = PROJECT_ROOT / "Pulumi.prod.yaml"
    renamed_file = _write(root / "renamed", _renamed(yaml.safe_load(prod_file.read_text())))
    requests = [
        ProgramRequest(ProgramConfig.from_stack_file(path), work_dir=path.parent)
        for path in (stack_file, prod_file, renamed_file)
    ]
    results = dict(zip(("generated", "prod", "renamed"), run_programs(requests), strict=True))
    for run in results.values():
        assert run.error is None, run.traceback or run.error
    return stack_file, results


@pytest.fixture(scope="module")
def generated(runs: tuple[Path, dict[str, ProgramRun]]) -> tuple[Path, ProgramRun, ProgramRun]:
    """(the generated stack file, its run, the renamed bundled stack's run)."""
    stack_file, results = runs
    return stack_file, results["generated"], results["renamed"]


@pytest.fixture(scope="module")
def prod_run(runs: tuple[Path, dict[str, ProgramRun]]) -> ProgramRun:
    return runs[1]["prod"]


def _parent(run: ProgramRun, resource: RegisteredResource) -> RegisteredResource:
    return run.by_urn()[resource.parent]


def test_every_plan_record_becomes_one_dns_record_with_its_canonical_content(
    generated: tuple[Path, ProgramRun, ProgramRun],
) -> None:
    stack_file, run, _ = generated
    plan = build_plan(parse_stack_config(stack_file.read_text(encoding="utf-8")))
    expected = sorted(
        (
            r.name,
            str(r.type),
            r.content if str(r.type) != "TXT" else cloudflare_txt_content(r.content),
        )
        for brand in plan.brands
        for r in brand.all_records()
    )
    registered = sorted(
        (
            r.inputs[tokens.RECORD_NAME],
            r.inputs[tokens.RECORD_TYPE],
            r.inputs[tokens.RECORD_CONTENT],
        )
        for r in run.of_type(tokens.DNS_RECORD)
    )
    assert registered == expected
    providers = {lane.provider for lane in plan.lanes()}
    assert providers == {
        "ses",
        "sendgrid",
        "mailgun",
        "postmark",
        "sparkpost",
        "mailjet",
        "mandrill",
        "brevo",
        "smtp",
    }


def test_records_are_never_proxied_and_say_who_owns_them(
    generated: tuple[Path, ProgramRun, ProgramRun],
) -> None:
    _, run, _ = generated
    for record in run.of_type(tokens.DNS_RECORD):
        assert record.inputs[tokens.RECORD_PROXIED] is False
        parent = _parent(run, record)
        comment = record.inputs[tokens.RECORD_COMMENT]
        assert len(comment) <= 100
        if parent.type == tokens.SENDING_LANE:
            lane = parent.inputs
            assert comment.startswith(
                f"sendlanes {lane[tokens.LANE_BRAND]}/{lane[tokens.LANE_NAME]} "
                f"{lane[tokens.LANE_KIND]} "
            )
        else:
            assert parent.type == tokens.BRAND
            assert comment.startswith(f"sendlanes {parent.inputs[tokens.BRAND_NAME]} brand-wide ")


def test_record_names_follow_brand_lane_purpose_and_are_unique(
    generated: tuple[Path, ProgramRun, ProgramRun],
) -> None:
    _, run, _ = generated
    names = [r.name for r in run.resources]
    assert len(names) == len(set(names))
    urns = [r.urn for r in run.resources]
    assert len(urns) == len(set(urns))
    for record in run.of_type(tokens.DNS_RECORD):
        parent = _parent(run, record)
        assert record.name.startswith(f"{parent.name}-")
        refs = {
            ref[tokens.RECORD_REF_RESOURCE_NAME]: ref
            for ref in parent.inputs[tokens.LANE_RECORDS]  # same key on Brand
        }
        ref = refs[record.name]
        assert ref[tokens.RECORD_REF_NAME] == record.inputs[tokens.RECORD_NAME]
        assert record.name.startswith(f"{parent.name}-{ref[tokens.RECORD_REF_PURPOSE]}")


def test_lane_metadata_is_registered_as_inputs_and_outputs(
    generated: tuple[Path, ProgramRun, ProgramRun],
) -> None:
    _, run, _ = generated
    lanes = run.of_type(tokens.SENDING_LANE)
    assert len(lanes) == BRANDS * 3
    for lane in lanes:
        assert lane.wire_outputs == lane.wire_inputs
        assert all("_" not in key for key in lane.inputs)  # camelCase on the wire
        assert lane.inputs[tokens.LANE_KIND] in {"transactional", "lifecycle", "promotional"}
        smtp = lane.inputs[tokens.LANE_SMTP]
        assert set(smtp) <= {
            tokens.SMTP_HOST,
            tokens.SMTP_PORT,
            tokens.SMTP_TLS,
            tokens.SMTP_USERNAME,
        }
        assert smtp[tokens.SMTP_PORT] in {465, 587, 2587}
        assert _parent(run, lane).type == tokens.BRAND
        children = {c.type for c in run.children_of(lane)}
        assert children == {tokens.DNS_RECORD, tokens.SMTP_CREDENTIAL}
        intents = lane.inputs[tokens.LANE_CATEGORY_INTENTS]
        assert set(intents) == set(lane.inputs[tokens.LANE_CATEGORIES])
    revenue = next(r for r in lanes if r.name == "brand00000-revenue")
    assert revenue.inputs[tokens.LANE_CATEGORY_INTENTS]["restock_alert"] == "lifecycle"
    assert revenue.inputs[tokens.LANE_CATEGORY_INTENTS]["cart_abandon"] == "lifecycle"


def test_smtp_password_is_a_secret_output_and_never_an_input(
    generated: tuple[Path, ProgramRun, ProgramRun],
) -> None:
    _, run, _ = generated
    credentials = run.of_type(tokens.SMTP_CREDENTIAL)
    assert len(credentials) == BRANDS * 3
    for credential in credentials:
        assert tokens.CREDENTIAL_PASSWORD not in credential.inputs
        assert credential.inputs[tokens.CREDENTIAL_HAS_PASSWORD] is True
        outputs = credential.outputs or {}
        password = outputs[tokens.CREDENTIAL_PASSWORD]
        assert isinstance(password, Secret)
        lane = _parent(run, credential).inputs
        assert password.value == f"pw-{lane[tokens.LANE_BRAND]}/{lane[tokens.LANE_NAME]}"
        assert credential.name == f"{_parent(run, credential).name}-smtp"


def test_brand_wide_records_hang_under_the_brand(
    generated: tuple[Path, ProgramRun, ProgramRun],
) -> None:
    _, run, _ = generated
    brand_records = {
        r.name: r for r in run.of_type(tokens.DNS_RECORD) if _parent(run, r).type == tokens.BRAND
    }
    assert "brand00003-customerio-tracking" in brand_records
    authorization = brand_records[
        "brand00000-dmarc-report-authorization-receipts.brand00009.example"
    ]
    assert authorization.inputs[tokens.RECORD_NAME] == (
        "receipts.brand00009.example._report._dmarc.brand00000.example"
    )
    assert authorization.inputs[tokens.RECORD_CONTENT] == '"v=DMARC1"'
    assert (
        authorization.inputs[tokens.RECORD_ZONE_ID]
        == (_parent(run, authorization).inputs[tokens.BRAND_ZONE_ID])
    )


def test_no_record_asks_for_delete_before_replace(
    generated: tuple[Path, ProgramRun, ProgramRun],
) -> None:
    _, run, _ = generated
    assert not any(r.delete_before_replace for r in run.resources)
    assert not any(r.replace_on_changes for r in run.resources)


def _alias_urn(alias: dict[str, Any], resource: RegisteredResource, stack_urn: str) -> str:
    """The URN an alias spec names (unset fields: the resource's own name, type, parent)."""
    spec = alias["spec"]
    qualified = spec.get("type") or resource.type
    if not spec.get("noParent"):
        parent = spec.get("parentUrn") or resource.parent
        parent_type = parent.split("::")[2]
        if parent_type != tokens.STACK:
            qualified = f"{parent_type}${qualified}"
    stack, project = stack_urn.split("::")[0].split(":")[2], stack_urn.split("::")[1]
    return f"urn:pulumi:{stack}::{project}::{qualified}::{spec.get('name') or resource.name}"


def test_a_renamed_lane_keeps_every_urn_through_aliases(
    generated: tuple[Path, ProgramRun, ProgramRun], prod_run: ProgramRun
) -> None:
    _, _, renamed = generated
    before = {r.urn for r in prod_run.resources}
    after: set[str] = set()
    for resource in renamed.resources:
        after.add(resource.urn)
        after.update(_alias_urn(a, resource, renamed.stack_urn) for a in resource.aliases)
    assert before - {r.urn for r in renamed.resources}  # the rename did change URNs
    assert before <= after
    lane = next(r for r in renamed.of_type(tokens.SENDING_LANE) if r.name == "acme-bulk")
    assert [a["spec"]["name"] for a in lane.aliases] == ["acme-promos"]
    record = next(r for r in renamed.of_type(tokens.DNS_RECORD) if r.name == "acme-bulk-dmarc")
    assert _alias_urn(record.aliases[0], record, renamed.stack_urn) == (
        "urn:pulumi:prod::sendlanes::sendlanes:index:Brand$sendlanes:index:SendingLane"
        "$cloudflare:index/dnsRecord:DnsRecord::acme-promos-dmarc"
    )


def test_tokens_module_imports_neither_pulumi_nor_pulumi_cloudflare() -> None:
    probe = (
        "import sys, components, components.tokens as t; "
        "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi'))); "
        "print(t.SENDING_LANE)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.splitlines() == ["[]", "sendlanes:index:SendingLane"]


def test_record_content_round_trips_through_the_quoted_form(
    generated: tuple[Path, ProgramRun, ProgramRun],
) -> None:
    _, run, _ = generated
    for record in run.of_type(tokens.DNS_RECORD):
        if record.inputs[tokens.RECORD_TYPE] != "TXT":
            continue
        strings = re.findall(r'"((?:[^"\\]|\\.)*)"', record.inputs[tokens.RECORD_CONTENT])
        assert all(len(s.encode()) <= 255 for s in strings), record.name
