"""sendlanes' Pulumi program: stack config → plan → components → stack outputs.

Everything is decided by :func:`sendlanes.plan.build_plan`; this file only wires it to the
engine. A config problem stops the program before the first resource is registered, so a
broken config changes nothing (the engine applies no partial update for a failed program).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pulumi

from components import tokens
from components.brand import Brand, BrandArgs
from components.cloudflare_provider import default_provider_disabled, token_problem
from components.outputs import allowlist_output, lanes_output
from components.passwords import (
    password_keys,
    passwords_output,
    warn_unknown_keys,
    with_passwords,
)
from components.planning import brand_values
from sendlanes.collector import collector_paused
from sendlanes.config.load import stack_config_from_values
from sendlanes.config.schema import StackConfig
from sendlanes.customerio.handoff import handoff_json
from sendlanes.errors import UsageError
from sendlanes.lanes.records import Purpose
from sendlanes.plan.build import build_plan
from sendlanes.plan.model import Plan
from sendlanes.plan.naming import brand_resource_name, check_names


def read_stack(config: pulumi.Config, stack_file: Path) -> tuple[StackConfig, Plan]:
    """Validate the engine's config values (errors cite *stack_file*'s lines when it exists:
    the values may come from elsewhere, such as an ESC environment) into a plan."""
    brands = config.get_object(tokens.CONFIG_BRANDS)
    if brands is None:
        raise UsageError(
            f"{stack_file}: missing `{tokens.CONFIG_NAMESPACE}:{tokens.CONFIG_BRANDS}` "
            "(the brands and their lanes; see README, Config reference)"
        )
    categories = config.get_object(tokens.CONFIG_CATEGORIES)
    stack = stack_config_from_values(brands, categories, stack_file=stack_file)
    plan = build_plan(stack, today=datetime.date.today())
    check_names(plan)
    return stack, plan


def provider_problems(stack: StackConfig) -> list[str]:
    """Brands whose Cloudflare provider cannot be set up, before anything is registered."""
    problems = [
        problem
        for brand in stack.brands
        if brand.cloudflare is not None
        and (problem := token_problem(brand.name, brand.cloudflare.api_token_key)) is not None
    ]
    if default_provider_disabled():
        problems += [
            f"brand {brand.name}: pulumi:disable-default-providers includes cloudflare, so the "
            "brand needs a `cloudflare` block (accountId, apiTokenKey)"
            for brand in stack.brands
            if brand.cloudflare is None
        ]
    return problems


def report_authorizations(plan: Plan, brand: str) -> list[str]:
    return [
        record.name
        for record in plan.brand(brand).records
        if record.purpose is Purpose.DMARC_REPORT_AUTHORIZATION
    ]


config = pulumi.Config(tokens.CONFIG_NAMESPACE)
stack_file = Path(f"Pulumi.{pulumi.get_stack()}.yaml")
try:
    # Settling the collector once the plan is built saves 33% of the whole process on 100
    # brands (bench/program.py: ours against ours-unsettled; README, Benchmarks).
    with collector_paused(settle=True):
        stack, plan = read_stack(config, stack_file)
    problems = provider_problems(stack)
    if problems:
        raise UsageError(problems)
except UsageError as error:
    # RunError: the language host prints the message alone, without a traceback.
    lines = error.lines()
    raise pulumi.RunError(
        f"sendlanes: {len(lines)} problem(s) in the stack config; nothing was changed:\n"
        + "\n".join(f"  {line}" for line in lines)
    ) from None

secret_map = config.get_secret_object(tokens.CONFIG_SMTP_PASSWORDS)
lane_keys = [lane.key for lane in plan.lanes()]
keys = password_keys(secret_map)
warn_unknown_keys(keys, lane_keys)

for brand in stack.brands:
    args = BrandArgs(**brand_values(brand))  # type: ignore[typeddict-item]
    if stack.categories:
        args["categories"] = {name: str(kind) for name, kind in stack.categories.items()}
    if secret_map is not None:
        args["smtp_passwords"] = secret_map
    args["report_authorizations"] = report_authorizations(plan, brand.name)
    Brand(brand_resource_name(brand.name), args)

pulumi.export(tokens.OUTPUT_LANES, lanes_output(plan))
pulumi.export(tokens.OUTPUT_SMTP_PASSWORDS, passwords_output(secret_map, lane_keys))
pulumi.export(tokens.OUTPUT_CUSTOMERIO, keys.apply(lambda k: handoff_json(with_passwords(plan, k))))
pulumi.export(tokens.OUTPUT_ALLOWLIST, allowlist_output(plan))
