"""Resource names of everything the Pulumi program registers, derived from the plan.

A resource's name is half of its identity (the URN); change it and the engine deletes the old
record and creates a new one. So a name depends only on the thing it names:

* brand component: ``<brand>``
* lane component: ``<brand>-<lane>``; its SMTP credential: ``<brand>-<lane>-smtp``
* lane record: ``<brand>-<lane>-<purpose>[-<distinguisher>]``
* brand-wide record: ``<brand>-<purpose>[-<distinguisher>]``

The distinguisher comes from the record itself (DKIM selector, tracking host label, MX target,
reporting lane), never from its position, so adding a record never renames another. Names are
joined with hyphens, which names may contain too; :func:`check_names` reports the rare
stacks where two things would get the same name, before anything is registered.

Pure: no Pulumi here (the program and the policy pack both use these names).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sendlanes.errors import UsageError
from sendlanes.lanes.records import Purpose, RecordSpec
from sendlanes.plan.model import BrandPlan, LanePlan, Plan

COMMENT_MAX_CHARS = 100
"""Cloudflare's limit for a record comment on the Free plan (paid plans allow 500)."""

_DKIM_INFIX = "._domainkey"
_REPORT_INFIX = "._report._dmarc."


@dataclass(frozen=True)
class NamedRecord:
    """A record with its resource name and the names it had under earlier lane names."""

    resource_name: str
    record: RecordSpec
    comment: str
    #: (previous lane resource name, this record's resource name under it)
    previous: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LaneNames:
    component: str
    credential: str
    records: tuple[NamedRecord, ...]
    #: the lane component's and its credential's names under `previousNames`
    previous_components: tuple[str, ...]
    previous_credentials: tuple[str, ...] = ()


@dataclass(frozen=True)
class BrandNames:
    component: str
    records: tuple[NamedRecord, ...]


def brand_resource_name(brand: str) -> str:
    return brand


def lane_resource_name(brand: str, lane: str) -> str:
    return f"{brand}-{lane}"


def credential_resource_name(brand: str, lane: str) -> str:
    return f"{lane_resource_name(brand, lane)}-smtp"


def record_distinguisher(record: RecordSpec, parent_fqdn: str) -> str | None:
    """What tells *record* apart from other records of its purpose, or None if nothing must.

    *parent_fqdn* is the lane's FQDN (brand domain for brand-wide records).
    """
    purpose = record.purpose
    if purpose is Purpose.DKIM:
        relative = _relative(record.name, parent_fqdn)
        return relative.removesuffix(_DKIM_INFIX)
    if purpose is Purpose.TRACKING:
        return _relative(record.name, parent_fqdn)
    if purpose is Purpose.INBOUND:
        return record.content.split(".", 1)[0].lower()
    if purpose is Purpose.DMARC_REPORT_AUTHORIZATION:
        return record.name.split(_REPORT_INFIX, 1)[0]
    # SPF, DMARC, return path, verification, Customer.io tracking: one per lane (or brand).
    return None


def _relative(name: str, parent: str) -> str:
    suffix = f".{parent}"
    return name[: -len(suffix)] if name.endswith(suffix) else name


def record_resource_name(owner: str, record: RecordSpec, parent_fqdn: str) -> str:
    """``<owner>-<purpose>[-<distinguisher>]``; *owner* is the lane or brand resource name."""
    name = f"{owner}-{record.purpose}"
    distinguisher = record_distinguisher(record, parent_fqdn)
    return f"{name}-{distinguisher}" if distinguisher else name


def record_comment(brand: str, lane: LanePlan | None, record: RecordSpec) -> str:
    """The Cloudflare record comment: who owns the record and why it exists."""
    if lane is not None:
        text = f"sendlanes {brand}/{lane.name} {lane.kind} {record.purpose}"
    else:
        text = f"sendlanes {brand} brand-wide {record.purpose}"
    if record.purpose is Purpose.DMARC_REPORT_AUTHORIZATION:
        text += f" for {record.name.split(_REPORT_INFIX, 1)[0]}"
    if len(text) > COMMENT_MAX_CHARS:
        text = text[: COMMENT_MAX_CHARS - 1] + "…"
    return text


def lane_names(lane: LanePlan) -> LaneNames:
    """Every resource name of *lane*, with the names its records had before a rename."""
    component = lane_resource_name(lane.brand, lane.name)
    previous_components = tuple(lane_resource_name(lane.brand, p) for p in lane.previous_names)
    records = tuple(
        NamedRecord(
            record_resource_name(component, record, lane.fqdn),
            record,
            record_comment(lane.brand, lane, record),
            tuple(
                (old, record_resource_name(old, record, lane.fqdn)) for old in previous_components
            ),
        )
        for record in lane.records
    )
    return LaneNames(
        component,
        credential_resource_name(lane.brand, lane.name),
        records,
        previous_components,
        tuple(credential_resource_name(lane.brand, p) for p in lane.previous_names),
    )


def brand_names(brand: BrandPlan) -> BrandNames:
    """The brand component's name and its brand-wide records' names."""
    component = brand_resource_name(brand.name)
    records = tuple(
        NamedRecord(
            record_resource_name(component, record, brand.domain),
            record,
            record_comment(brand.name, None, record),
        )
        for record in brand.records
    )
    return BrandNames(component, records)


def _owned_names(plan: Plan) -> Iterator[tuple[str, str]]:
    """(resource name, what it names) for every resource, current names first."""
    for brand in plan.brands:
        names = brand_names(brand)
        yield names.component, f"brand {brand.name}"
        for named in names.records:
            yield named.resource_name, f"brand {brand.name} {named.record.purpose} record"
        for lane in brand.lanes:
            ln = lane_names(lane)
            yield ln.component, f"lane {lane.key}"
            yield ln.credential, f"lane {lane.key} SMTP credential"
            for named in ln.records:
                yield (
                    named.resource_name,
                    f"lane {lane.key} {named.record.purpose} record {named.record.name}",
                )


def _alias_names(plan: Plan) -> Iterator[tuple[str, str]]:
    for lane in plan.lanes():
        ln = lane_names(lane)
        for old in ln.previous_components:
            yield old, f"lane {lane.key} (previous name)"
        for old in ln.previous_credentials:
            yield old, f"lane {lane.key} SMTP credential (previous name)"
        for named in ln.records:
            for _, old_name in named.previous:
                yield old_name, f"lane {lane.key} record {named.record.name} (previous name)"


def name_problems(plan: Plan) -> list[str]:
    """Names that two things would share; empty when every name is unique.

    The engine identifies a resource by its name and its parents' *types* only, so e.g. lane
    ``eu-receipts`` of brand ``acme`` and lane ``receipts`` of brand ``acme-eu`` would collide.
    A previous name (alias) must not be another resource's current name either.
    """
    owners: dict[str, list[str]] = defaultdict(list)
    for name, owner in _owned_names(plan):
        owners[name].append(owner)
    problems = [
        f"{plan.source}: resource name {name!r} is shared by {' and '.join(who)}: rename one "
        "of the lanes or brands"
        for name, who in owners.items()
        if len(who) > 1
    ]
    for name, owner in _alias_names(plan):
        if name in owners:
            problems.append(
                f"{plan.source}: {owner} was named {name!r}, which is now the name of "
                f"{owners[name][0]}; drop it from previousNames or pick another name"
            )
    return problems


def check_names(plan: Plan) -> None:
    """Raise :class:`UsageError` listing every resource-name collision of *plan*."""
    problems = name_problems(plan)
    if problems:
        raise UsageError(problems)
