"""The component package over the real provider gRPC protocol (GetSchema, Construct).

The provider (``provider/``, ``component_provider_host``) runs as its own process, started as
the engine starts plugins; Construct registers its resources with a recording resource
monitor served by the test (tests/support/component_host.py). What it registers is compared
with what the Python program registers for the same config under Pulumi's mock runtime.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import json_format
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from components import tokens
from sendlanes.config.schema import (
    BrandConfig,
    CloudflareBrand,
    CustomerioBrand,
    CustomerioLane,
    DmarcConfig,
    LaneConfig,
    SmtpConfig,
    Unsubscribe,
    Warmup,
)
from sendlanes.providers import PROVIDERS
from sendlanes.providers.sendgrid import LinkBranding
from tests.support.component_host import (
    PROVIDER_DIR,
    RecordingHost,
    RunningProvider,
    make_urn,
    start_provider,
)
from tests.support.pulumi_mocks import (
    PROJECT_ROOT,
    ProgramConfig,
    ProgramRequest,
    ProgramRun,
    RegisteredResource,
    Secret,
    run_program,
)
from tests.support.pulumi_mocks import SECRET_SIG as SIG
from tests.support.pulumi_mocks import SECRET_SIG_KEY as SIG_KEY
from tests.support.stacks import bundled_config

SCHEMA_FILE = PROVIDER_DIR / "schema.json"
PASSWORDS = {"acme/receipts": "pw-Receipts-7f3a9c", "acme/revenue": "pw-Revenue-51d0e2"}
STACK_URN = make_urn("prod", "sendlanes", "", tokens.STACK, "sendlanes-prod")


def _brand() -> dict[str, Any]:
    brand: dict[str, Any] = json.loads(
        json.dumps(bundled_config()["config"]["sendlanes:brands"][0], default=str)
    )
    return brand


def _secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SIG, "value": value}


@pytest.fixture(scope="module")
def provider() -> Iterator[RunningProvider]:
    running = start_provider(RecordingHost())
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(autouse=True)
def _fresh_records(provider: RunningProvider) -> None:
    with provider.host.lock:
        provider.host.registered.clear()
        provider.host.logs.clear()


@pytest.fixture(scope="module")
def program() -> ProgramRun:
    config = ProgramConfig.from_values(
        bundled_config()["config"]["sendlanes:brands"], passwords=PASSWORDS
    )
    run = run_program(ProgramRequest(config, work_dir=PROJECT_ROOT))
    assert run.error is None, run.traceback or run.error
    return run


def _identities(resources: Any) -> list[tuple[str, str, str, str]]:
    return sorted(r.identity() for r in resources)


def _descendants(run: ProgramRun, root: RegisteredResource) -> list[RegisteredResource]:
    found = [root]
    for resource in run.resources:
        if any(resource.parent == r.urn for r in found):
            found.append(resource)
    return found


# -- GetSchema ---------------------------------------------------------------------------------


def test_get_schema_returns_the_checked_in_schema(provider: RunningProvider) -> None:
    served = json.loads(provider.schema())
    assert served == json.loads(SCHEMA_FILE.read_text(encoding="utf-8")), (
        "provider/schema.json is stale: regenerate it (docs/pulumi.md, 'Component package')"
    )
    assert set(served["resources"]) == {tokens.BRAND, tokens.SENDING_LANE, tokens.SMTP_CREDENTIAL}


def _wire_fields(model: Any) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items() if name != "source"}


def test_the_args_types_mirror_the_stack_config_schema_key_for_key() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    types = schema["types"]

    def fields(type_name: str) -> set[str]:
        return set(types[f"sendlanes:index:{type_name}"].get("properties", {}))

    pairs = {
        "DmarcArgs": DmarcConfig,
        "SmtpArgs": SmtpConfig,
        "CustomerioLaneArgs": CustomerioLane,
        "CustomerioBrandArgs": CustomerioBrand,
        "WarmupArgs": Warmup,
        "UnsubscribeArgs": Unsubscribe,
        "LinkBrandingArgs": LinkBranding,
        "CloudflareArgs": CloudflareBrand,
        "LaneArgs": LaneConfig,
    }
    for preset in PROVIDERS.values():
        pairs[f"{preset.block.capitalize()}Args"] = preset.settings_model
    for type_name, model in pairs.items():
        assert fields(type_name) == _wire_fields(model), type_name
    brand_inputs = set(schema["resources"][tokens.BRAND]["inputProperties"])
    assert brand_inputs - _wire_fields(BrandConfig) == {
        "categories",
        "smtpPasswords",
        "reportAuthorizations",
    }
    assert _wire_fields(BrandConfig) <= brand_inputs


# -- Construct ---------------------------------------------------------------------------------


def test_construct_of_a_lane_registers_what_the_program_registers(
    provider: RunningProvider, program: ProgramRun
) -> None:
    brand = _brand()
    lane = next(r for r in program.of_type(tokens.SENDING_LANE) if r.name == "acme-receipts")
    reply = provider.construct(
        tokens.SENDING_LANE,
        "acme-receipts",
        {
            "brand": brand["name"],
            "domain": brand["domain"],
            "zoneId": brand["zoneId"],
            "brandDmarc": brand["dmarc"],
            "lane": brand["lanes"][0],
            "smtpPassword": _secret(PASSWORDS["acme/receipts"]),
        },
        parent=lane.parent,
    )
    assert reply.urn == lane.urn
    registered = provider.host.resources()
    assert len(registered) == len(_descendants(program, lane)) > 3
    assert _identities(registered) == _identities(_descendants(program, lane))
    state = json_format.MessageToDict(reply.state)
    assert state["fqdn"] == "receipts.acme.example"
    assert state["smtpPassword"] == _secret(PASSWORDS["acme/receipts"])
    assert {r["purpose"] for r in state["publishedRecords"]} >= {"dkim", "dmarc", "return-path"}
    assert state["smtpSettings"]["host"] == "smtp.postmarkapp.com"


def test_construct_of_the_bundled_brand_registers_the_whole_program(
    provider: RunningProvider, program: ProgramRun
) -> None:
    reply = provider.construct(
        tokens.BRAND,
        "acme",
        {**_brand(), "smtpPasswords": _secret(PASSWORDS)},
        parent=STACK_URN,
    )
    assert reply.urn == make_urn("prod", "sendlanes", STACK_URN, tokens.BRAND, "acme")
    registered = provider.host.resources()
    assert _identities(registered) == _identities(program.resources)
    assert provider.host.warnings() == [
        "lane acme/promos has no SMTP password in sendlanes:smtpPasswords; Customer.io cannot "
        "log in until you store it: pulumi config set --path --secret "
        "'sendlanes:smtpPasswords.acme/promos'"
    ]
    for resource in registered:
        for password in PASSWORDS.values():
            assert password not in json.dumps(resource.wire_inputs), resource.name


def test_construct_accepts_any_name_and_names_the_children_after_it(
    provider: RunningProvider,
) -> None:
    provider.construct(tokens.BRAND, "marketing", _brand(), parent=STACK_URN)
    names = {r.name for r in provider.host.resources()}
    assert {"marketing", "marketing-receipts", "marketing-receipts-smtp"} <= names
    assert not {name for name in names if name.startswith("acme")}


def test_a_brand_token_key_that_is_not_set_fails_naming_brand_and_key_registering_nothing(
    provider: RunningProvider,
) -> None:
    brand = {**_brand(), "cloudflare": {"accountId": "a" * 32, "apiTokenKey": "acme:cfToken"}}
    with pytest.raises(grpc.RpcError) as caught:
        provider.construct(tokens.BRAND, "acme", brand, parent=STACK_URN)
    message = caught.value.details() or ""
    assert "brand acme: cloudflare.apiTokenKey acme:cfToken is not set" in message
    assert provider.host.resources() == []


def test_a_brand_token_from_config_gives_the_brand_its_own_provider(
    provider: RunningProvider,
) -> None:
    brand = {**_brand(), "cloudflare": {"accountId": "a" * 32, "apiTokenKey": "acme:cfToken"}}
    provider.construct(
        tokens.BRAND,
        "acme",
        brand,
        parent=STACK_URN,
        config={"acme:cfToken": "cf-Token-4417"},
        secret_keys=("acme:cfToken",),
    )
    registered = provider.host.resources()
    (cloudflare,) = [r for r in registered if r.type == tokens.CLOUDFLARE_PROVIDER]
    assert cloudflare.inputs["apiToken"] == Secret("cf-Token-4417")
    records = [r for r in registered if r.type == tokens.DNS_RECORD]
    assert records and all(r.provider.startswith(cloudflare.urn + "::") for r in records)


def test_invalid_arguments_fail_naming_the_component_and_the_field(
    provider: RunningProvider,
) -> None:
    brand = _brand()
    brand["lanes"][1]["kind"] = "bulk"
    with pytest.raises(grpc.RpcError) as caught:
        provider.construct(tokens.BRAND, "acme", brand, parent=STACK_URN)
    assert "Brand acme: lanes[1].kind: Input should be" in (caught.value.details() or "")
    assert provider.host.resources() == []


def test_construct_of_the_yaml_example_brand_succeeds(provider: RunningProvider) -> None:
    program = yaml.safe_load((PROJECT_ROOT / "examples" / "yaml" / "Pulumi.yaml").read_text())
    properties = program["resources"]["acme"]["properties"]
    properties["smtpPasswords"] = _secret(
        {"acme/receipts": "pw-example-1", "acme/revenue": "pw-example-2"}
    )
    reply = provider.construct(tokens.BRAND, "acme", properties, parent=STACK_URN)
    state = json_format.MessageToDict(reply.state)
    assert state["laneFqdns"] == {
        "receipts": "receipts.acme.example",
        "revenue": "notify.acme.example",
    }
    types = [r.type for r in provider.host.resources()]
    assert types.count(tokens.SENDING_LANE) == 2
    assert types.count(tokens.DNS_RECORD) > 8
    assert provider.host.warnings() == []


def test_the_package_requirements_cover_the_projects_dependencies() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    needed = [
        *project["project"]["dependencies"],
        *(
            r
            for r in project["project"]["optional-dependencies"]["pulumi"]
            if not r.startswith("pulumi-policy")
        ),
    ]
    lines = (PROVIDER_DIR / "requirements.txt").read_text(encoding="utf-8").splitlines()
    listed = {
        canonicalize_name(Requirement(line.split("#")[0]).name)
        for line in lines
        if line.strip() and not line.startswith("#")
    }
    assert {canonicalize_name(Requirement(r).name) for r in needed} <= listed
