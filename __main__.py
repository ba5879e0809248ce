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
from components.outputs import allowlist_output, lanes_output, passwords_output
from components.passwords import lane_passwords, password_keys_in, warn_missing_passwords
from sendlanes.collector import collector_paused
from sendlanes.config.load import stack_config_from_values
from sendlanes.customerio.handoff import handoff_json
from sendlanes.errors import UsageError
from sendlanes.plan.build import build_plan
from sendlanes.plan.model import Plan
from sendlanes.plan.naming import brand_resource_name, check_names


def read_plan(config: pulumi.Config, stack_file: Path, password_keys: frozenset[str]) -> Plan:
    """Validate the engine's config values (errors cite *stack_file*'s lines) into a plan."""
    brands = config.get_object(tokens.CONFIG_BRANDS)
    if brands is None:
        raise UsageError(
            f"{stack_file}: missing `{tokens.CONFIG_NAMESPACE}:{tokens.CONFIG_BRANDS}` "
            "(the brands and their lanes; see README, Config reference)"
        )
    stack = stack_config_from_values(
        brands, config.get_object(tokens.CONFIG_CATEGORIES), password_keys, stack_file
    )
    plan = build_plan(stack, today=datetime.date.today())
    check_names(plan)
    return plan


config = pulumi.Config(tokens.CONFIG_NAMESPACE)
stack_file = Path(f"Pulumi.{pulumi.get_stack()}.yaml")
# The config and the plan live until exit: the cycle collector would only walk them again
# and again while they are built, and, once frozen, not while the program then allocates the
# SDK's many short-lived objects per resource (see sendlanes.collector).
with collector_paused(settle=True):
    listed = password_keys_in(stack_file)
    try:
        plan = read_plan(config, stack_file, listed or frozenset())
    except UsageError as error:
        # RunError: the language host prints the message alone, without a traceback.
        problems = error.lines()
        raise pulumi.RunError(
            f"sendlanes: {len(problems)} problem(s) in the stack config; nothing was changed:\n"
            + "\n".join(f"  {line}" for line in problems)
        ) from None

secret_map = config.get_secret_object(tokens.CONFIG_SMTP_PASSWORDS)
if secret_map is not None and listed is None:
    pulumi.log.warn(
        f"cannot tell from {stack_file} which lanes have an SMTP password; exporting one "
        "smtpPasswords entry per lane (null where none is set)"
    )
passwords = lane_passwords(
    secret_map, [lane.key for lane in plan.lanes() if listed is None or lane.key in listed]
)
password_keys = listed if listed is not None else frozenset()
intents = {category: str(kind) for category, kind in plan.catalog.intents.items()}
brands = []
for brand_plan in plan.brands:  # a loop, not a comprehension: one stack frame less per resource
    brands.append(
        Brand(
            brand_resource_name(brand_plan.name),
            BrandArgs(brand_plan, passwords, password_keys, intents),
        )
    )
warn_missing_passwords(
    plan,
    listed if secret_map is not None else frozenset(),
    {key: lane for brand in brands for key, lane in brand.lanes.items()},
)

pulumi.export(tokens.OUTPUT_LANES, lanes_output(plan))
pulumi.export(tokens.OUTPUT_SMTP_PASSWORDS, passwords_output(plan, passwords, listed))
pulumi.export(tokens.OUTPUT_CUSTOMERIO, handoff_json(plan))
pulumi.export(tokens.OUTPUT_ALLOWLIST, allowlist_output(plan))
