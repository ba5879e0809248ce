"""Zone semantics a plan must keep: a CNAME stands alone at its name.

RFC 1034 §3.6.2 and RFC 2181 §10.1: a name that has a CNAME has no other data, so at most one
CNAME and nothing beside it (no MX, TXT or second CNAME). Knot and Cloudflare refuse such a
zone; a plan that holds one would fail half-way through ``pulumi up``. The check is shared:
``plan`` refuses the config (exit 2, naming both config fields), and the
``cname-stands-alone`` rule reports the same collision for ``lint`` and the policy pack.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from sendlanes.config.load import display_path, field_locations
from sendlanes.errors import UsageError
from sendlanes.lanes.records import Purpose, RecordSpec, RecordType
from sendlanes.plan.model import Plan
from sendlanes.providers import PROVIDERS

CNAME = str(RecordType.CNAME)
RFC = "RFC 1034 §3.6.2, RFC 2181 §10.1"


class NamedRecord(Protocol):
    """What the check reads of a record: its owner name and type."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...


R = TypeVar("R", bound=NamedRecord)


@dataclass(frozen=True)
class CnameCollision(Generic[R]):
    """A CNAME at *name* with other records there (another CNAME, MX, TXT, ...)."""

    name: str
    cname: R
    others: tuple[R, ...]


def cname_collisions(records: Iterable[R]) -> list[CnameCollision[R]]:
    """Every name where a CNAME does not stand alone, in the order the names first appear."""
    by_name: dict[str, list[R]] = {}
    for record in records:
        by_name.setdefault(record.name.lower().rstrip("."), []).append(record)
    collisions: list[CnameCollision[R]] = []
    for name, group in by_name.items():
        if len(group) < 2:
            continue
        cname = next((r for r in group if str(r.type) == CNAME), None)
        if cname is not None:
            collisions.append(
                CnameCollision(name, cname, tuple(r for r in group if r is not cname))
            )
    return collisions


@dataclass(frozen=True)
class PlannedRecord:
    """A planned record and the config field that puts it in the zone."""

    spec: RecordSpec
    #: the config path of the field (``brands[0].customerio.trackingHost``)
    field: tuple[str | int, ...]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def type(self) -> str:
        return str(self.spec.type)


def planned_records(plan: Plan) -> Iterator[PlannedRecord]:
    """Every record of *plan* with the config field it comes from."""
    for b, brand in enumerate(plan.brands):
        for record in brand.records:
            if record.purpose is Purpose.CUSTOMERIO_TRACKING:
                yield PlannedRecord(record, ("brands", b, "customerio", "trackingHost"))
            else:
                yield PlannedRecord(record, ("brands", b, "dmarc"))
        for n, lane in enumerate(brand.lanes):
            base: tuple[str | int, ...] = ("brands", b, "lanes", n)
            preset = PROVIDERS.get(lane.provider)
            for record in lane.records:
                at_lane = record.name in (lane.fqdn, f"_dmarc.{lane.fqdn}")
                if at_lane or preset is None or not preset.block:
                    yield PlannedRecord(record, (*base, "subdomain"))
                else:
                    yield PlannedRecord(record, (*base, preset.block))


def refuse_cname_collisions(plan: Plan) -> None:
    """:raises UsageError: one line per name where a CNAME does not stand alone, naming the
    config fields of both sides with their ``file:line`` where the file is known."""
    collisions = cname_collisions(planned_records(plan))
    if not collisions:
        return
    fields = {r.field for c in collisions for r in (c.cname, *c.others)}
    where = field_locations(plan.source, fields)
    lines = []
    for collision in collisions:
        cname = collision.cname
        others = _describe(collision.others, where)
        lines.append(
            f"{where[cname.field]}: {display_path(cname.field)}: CNAME {collision.name} "
            f"cannot share its name with {others}: a CNAME stands alone at its name ({RFC}) "
            "[cname-stands-alone]"
        )
    raise UsageError(lines)


def _describe(others: Sequence[PlannedRecord], where: dict[tuple[str | int, ...], str]) -> str:
    parts = []
    for record in others:
        parts.append(
            f"the {record.type} record from {display_path(record.field)} ({where[record.field]})"
        )
    return ", ".join(parts)
