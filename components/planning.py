"""From component arguments (stack-config shapes) to the plan the components register.

Every component validates its arguments with the same pydantic schema and builds its records
with the same :func:`sendlanes.plan.build_plan` as ``sendlanes plan``: a component called from
TypeScript through the component package decides nothing the Python program would not.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any, cast

import pulumi
from pydantic.alias_generators import to_camel

from components.args import LaneArgs
from sendlanes.config.load import stack_config_from_values
from sendlanes.config.schema import BrandConfig, LaneConfig
from sendlanes.errors import UsageError
from sendlanes.lanes.records import Purpose, RecordSpec, RecordType
from sendlanes.plan.build import build_plan
from sendlanes.plan.model import BrandPlan, LanePlan, Plan
from sendlanes.providers import PROVIDERS

_REPORT_INFIX = "._report._dmarc."
#: pydantic field name of each provider block → the block's key in the config
_BLOCK_FIELDS = {f"{preset.block}_settings": preset.block for preset in PROVIDERS.values()}


class ArgumentError(ValueError):
    """A component's arguments are not a valid stack config block (message names them all)."""


def known(value: object, what: str) -> Any:
    """*value* itself, or :class:`ArgumentError` if it (or anything inside) is not yet known.

    The values a lane is built from decide which records exist, and resources are never
    created inside ``apply``: they must be plain values when the component is constructed.
    """
    if isinstance(value, pulumi.Output) or hasattr(value, "__await__"):
        raise ArgumentError(
            f"{what} must be a plain value when the component is constructed (it decides which "
            "records exist), not an Output"
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            known(item, f"{what}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            known(item, f"{what}[{index}]")
    return value


def stack_form(value: Any) -> Any:
    """Component arguments (snake_case keys) in the stack file's form (camelCase keys).

    Safe because a brand or lane block holds no free-form mapping: every key is a field name.
    Whole floats become ints: the gRPC wire (a protobuf Struct) carries every number as a
    float, and the schema's integer lists (``dailyLimits``) are strict.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {to_camel(str(key)): stack_form(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [stack_form(item) for item in value]
    return value


def _validated_brand(
    who: str,
    brand: Mapping[str, Any],
    categories: object,
    today: datetime.date,
    path: str = "brands[0].",
) -> Plan:
    """One brand validated as a stack config would be; problems name the component and the
    argument path (*path* is how much of the stack path the component's arguments skip)."""
    try:
        config = stack_config_from_values([stack_form(brand)], categories)
    except UsageError as error:
        problems = [
            line.removeprefix("stack config: ").removeprefix(path) for line in error.lines()
        ]
        raise ArgumentError(f"{who}: " + "; ".join(problems)) from None
    return build_plan(config, today=today)


def brand_plan(
    who: str,
    brand: Mapping[str, Any],
    categories: object = None,
    report_authorizations: Iterable[str] = (),
    today: datetime.date | None = None,
) -> BrandPlan:
    """The plan of one brand (stack-config keys, snake_case or camelCase).

    *report_authorizations* are the RFC 7489 §7.1 record names this brand publishes for
    lanes of other brands that send DMARC reports to it (``<lane fqdn>._report._dmarc.<d>``);
    a brand cannot see other brands, so whoever composes several passes them in.
    """
    day = today or datetime.date.today()
    categories = known(categories, f"{who} categories")
    plan = _validated_brand(who, known(brand, who), categories, day).brands[0]
    own = {record.name for record in plan.records}
    extra: list[RecordSpec] = []
    for name in known(list(report_authorizations), f"{who} reportAuthorizations"):
        domain = str(name).partition(_REPORT_INFIX)[2]
        if not domain or not (domain == plan.domain or domain.endswith(f".{plan.domain}")):
            raise ArgumentError(
                f"{who}: reportAuthorizations: {name!r} is not <lane fqdn>._report._dmarc."
                f"<a domain at or under {plan.domain}>"
            )
        if name not in own:
            own.add(name)
            extra.append(
                RecordSpec(
                    name, RecordType.TXT, "v=DMARC1", plan.ttl, Purpose.DMARC_REPORT_AUTHORIZATION
                )
            )
    return BrandPlan(
        plan.name,
        plan.domain,
        plan.zone_id,
        plan.region,
        plan.ttl,
        plan.lanes,
        plan.records + tuple(extra),
    )


def lane_plan(
    who: str,
    brand: Mapping[str, Any],
    lane: LaneArgs,
    categories: object = None,
    today: datetime.date | None = None,
) -> tuple[LanePlan, dict[str, str]]:
    """The plan of one lane of *brand* (its name, domain, zone, ttl and DMARC defaults), and
    the intent (lane kind) of every category the stack knows, its own ones included."""
    day = today or datetime.date.today()
    whole = {**known(brand, who), "lanes": [known(lane, f"{who} lane")]}
    categories = known(categories, f"{who} categories")
    plan = _validated_brand(who, whole, categories, day, "brands[0].lanes[0].")
    intents = {category: str(kind) for category, kind in plan.catalog.intents.items()}
    return plan.brands[0].lanes[0], intents


def lane_args(lane: LaneConfig) -> LaneArgs:
    """A validated lane config as the ``LaneArgs`` it was given as (only the keys set)."""
    values = lane.model_dump(mode="json", exclude_unset=True)
    return cast(LaneArgs, {_BLOCK_FIELDS.get(key, key): value for key, value in values.items()})


def brand_values(brand: BrandConfig) -> dict[str, Any]:
    """A validated brand config as plain values (only the keys set), its lanes as LaneArgs."""
    values = brand.model_dump(mode="json", exclude_unset=True)
    values["lanes"] = [lane_args(lane) for lane in brand.lanes]
    return values
