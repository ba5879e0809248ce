"""Per-brand Cloudflare providers in the Pulumi program (mock runtime, no stack file on disk).

A brand with a ``cloudflare`` block gets a provider of its own whose token comes from the
config key the block names; the others keep the default provider, unless the stack disables
default providers, which then is a config error.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from components import tokens
from tests.support.pulumi_mocks import (
    ProgramConfig,
    ProgramRequest,
    ProgramRun,
    Secret,
    contains_text,
    run_programs,
)
from tests.support.stacks import bundled_config

TOKEN = "cf-Token-For-Bravo-93ab1e"
ACCOUNT = "a" * 32


def _two_brands() -> list[dict[str, Any]]:
    acme = bundled_config()["config"]["sendlanes:brands"][0]
    bravo = copy.deepcopy(acme)
    bravo.update(name="bravo", domain="bravo.example", zoneId="b" * 32)
    bravo.pop("dmarc")
    bravo["cloudflare"] = {"accountId": ACCOUNT, "apiTokenKey": "sendlanes:cloudflareTokens.bravo"}
    return [acme, bravo]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ProgramRun]:
    empty = tmp_path_factory.mktemp("no-stack-file")
    brands = _two_brands()
    tokens_map = {"sendlanes:cloudflareTokens": {"bravo": TOKEN}}
    both_blocks = copy.deepcopy(brands)
    both_blocks[0]["cloudflare"] = {"accountId": "c" * 32, "apiTokenKey": "acme:cloudflareToken"}

    def request(brands: Any, extra: dict[str, Any], secret: tuple[str, ...] = ()) -> ProgramRequest:
        config = ProgramConfig.from_values(brands, extra=extra)
        config = ProgramConfig(config.values, config.secret_keys + secret)
        return ProgramRequest(config, work_dir=Path(empty))

    secrets = ("sendlanes:cloudflareTokens", "acme:cloudflareToken")
    disabled = {"pulumi:disable-default-providers": ["cloudflare"]}
    results = run_programs(
        [
            request(brands, tokens_map, secrets),
            request(brands, {}),
            request(brands, {**tokens_map, **disabled}, secrets),
            request(
                both_blocks, {**tokens_map, "acme:cloudflareToken": "cf-acme", **disabled}, secrets
            ),
        ]
    )
    return dict(zip(("mixed", "missing", "disabled", "explicit-only"), results, strict=True))


def _brand_children(run: ProgramRun, brand: str, type_: str) -> list[Any]:
    prefix = f"{brand}-"
    return [r for r in run.of_type(type_) if r.name.startswith(prefix)]


def test_a_brand_with_a_cloudflare_block_gets_its_own_provider_with_a_secret_token(
    runs: dict[str, ProgramRun],
) -> None:
    run = runs["mixed"]
    assert run.error is None, run.traceback or run.error
    (provider,) = run.of_type(tokens.CLOUDFLARE_PROVIDER)
    assert provider.name == "bravo-cloudflare"
    assert run.by_urn()[provider.parent].type == tokens.BRAND
    assert provider.inputs["apiToken"] == Secret(TOKEN)
    brand = next(r for r in run.of_type(tokens.BRAND) if r.name == "bravo")
    assert brand.inputs[tokens.BRAND_CLOUDFLARE_ACCOUNT_ID] == ACCOUNT


def test_every_record_of_that_brand_goes_through_its_provider_and_only_those(
    runs: dict[str, ProgramRun],
) -> None:
    run = runs["mixed"]
    (provider,) = run.of_type(tokens.CLOUDFLARE_PROVIDER)
    bravo = _brand_children(run, "bravo", tokens.DNS_RECORD)
    acme = _brand_children(run, "acme", tokens.DNS_RECORD)
    assert len(bravo) > 10 and len(acme) > 10
    assert all(r.provider.startswith(provider.urn + "::") for r in bravo)
    assert {r.provider for r in acme} == {""}  # the default provider, as before


def test_the_token_is_in_no_plain_input_output_or_log(runs: dict[str, ProgramRun]) -> None:
    run = runs["mixed"]
    for resource in run.resources:
        if resource.type != tokens.CLOUDFLARE_PROVIDER:
            assert not contains_text(resource.wire_inputs, TOKEN), resource.name
    assert not contains_text(run.outputs, TOKEN)
    assert not any(TOKEN in message for _, message in run.logs)


def test_a_token_key_that_is_not_set_is_one_error_naming_brand_and_key(
    runs: dict[str, ProgramRun],
) -> None:
    run = runs["missing"]
    assert run.resources == ()
    assert run.traceback is None and run.error is not None
    lines = run.error.splitlines()
    assert lines[0] == "sendlanes: 1 problem(s) in the stack config; nothing was changed:"
    assert lines[1].startswith(
        "  brand bravo: cloudflare.apiTokenKey sendlanes:cloudflareTokens.bravo is not set"
    )


def test_disabled_default_providers_need_a_block_on_every_brand(
    runs: dict[str, ProgramRun],
) -> None:
    run = runs["disabled"]
    assert run.resources == ()
    assert run.error is not None
    assert "brand acme: pulumi:disable-default-providers includes cloudflare" in run.error
    assert "bravo" not in run.error
    explicit = runs["explicit-only"]
    assert explicit.error is None, explicit.traceback or explicit.error
    assert len(explicit.of_type(tokens.CLOUDFLARE_PROVIDER)) == 2
    records = explicit.of_type(tokens.DNS_RECORD)
    assert records and all(r.provider for r in records)
