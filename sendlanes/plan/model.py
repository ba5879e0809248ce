"""What the plan is made of: brands, lanes, their records, SMTP and DMARC settings, warm-up.

The plan is the one description that the Pulumi components publish, the rules judge and
``verify`` compares with live DNS. These types are frozen; :mod:`sendlanes.plan.build`
makes them from a validated config.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sendlanes.auth.dkim_key import KeyAlgorithm
from sendlanes.auth.dmarc_record import (
    AlignmentMode,
    DmarcRecord,
    FailureOption,
    format_dmarc_record,
    parse_report_uri,
)
from sendlanes.config.schema import DmarcConfig, DmarcPolicy, MessageType
from sendlanes.errors import UsageError
from sendlanes.lanes.catalog import Catalog, LaneKind
from sendlanes.lanes.fields import TlsMode
from sendlanes.lanes.records import Purpose, RecordSpec

CUSTOMERIO_TRACKING_TARGETS = {"us": "e.customeriomail.com", "eu": "e-eu.customeriomail.com"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: TlsMode
    username: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "host": self.host,
            "port": self.port,
            "tls": str(self.tls),
            "username": self.username,
        }


@dataclass(frozen=True)
class DmarcSettings:
    """A lane's effective DMARC tags (brand defaults merged with the lane's own)."""

    policy: DmarcPolicy | None
    sp: DmarcPolicy | None = None
    np: DmarcPolicy | None = None
    adkim: Literal["r", "s"] = "r"
    aspf: Literal["r", "s"] = "r"
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    fo: str | None = None
    testing: bool = False

    @classmethod
    def from_config(cls, merged: DmarcConfig | None) -> DmarcSettings:
        if merged is None:
            return cls(policy=None)
        return cls(
            policy=merged.policy,
            sp=merged.subdomain_policy,
            np=merged.nonexistent_policy,
            adkim=merged.adkim or "r",
            aspf=merged.aspf or "r",
            rua=merged.rua or (),
            ruf=merged.ruf or (),
            fo=merged.fo,
            testing=bool(merged.testing),
        )

    def record_content(self) -> str | None:
        """The ``_dmarc`` TXT value (RFC 9989 tags, fixed order), or None without a policy."""
        if self.policy is None:
            return None
        record = DmarcRecord(
            p=self.policy,
            sp=self.sp,
            np=self.np,
            # relaxed is the default: leave it out, as receivers assume it
            adkim=AlignmentMode.STRICT if self.adkim == "s" else None,
            aspf=AlignmentMode.STRICT if self.aspf == "s" else None,
            rua=tuple(parse_report_uri(uri) for uri in self.rua),
            ruf=tuple(parse_report_uri(uri) for uri in self.ruf),
            fo=tuple(FailureOption(option) for option in (self.fo or "").split(":") if option),
            t=True if self.testing else None,
        )
        return format_dmarc_record(record)

    def report_domains(self) -> tuple[str, ...]:
        """Domains of the ``rua``/``ruf`` addresses, in order, without repeats."""
        domains = (uri.split("@", 1)[1].split("!", 1)[0].lower() for uri in self.rua + self.ruf)
        return tuple(dict.fromkeys(domains))

    def to_json(self) -> dict[str, object]:
        return {
            "policy": str(self.policy) if self.policy else None,
            "sp": str(self.sp) if self.sp else None,
            "np": str(self.np) if self.np else None,
            "adkim": self.adkim,
            "aspf": self.aspf,
            "rua": list(self.rua),
            "ruf": list(self.ruf),
            "fo": self.fo,
            "testing": self.testing,
        }


@dataclass(frozen=True)
class DkimKey:
    """A DKIM key the lane publishes itself (TXT), with its strength facts."""

    name: str
    algorithm: KeyAlgorithm
    bits: int
    public_key: str


@dataclass(frozen=True)
class WarmupPlan:
    start: datetime.date
    daily_limits: tuple[int, ...]
    today_limit: int | None
    day: int

    @property
    def complete(self) -> bool:
        return self.day >= len(self.daily_limits)

    def to_json(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "dailyLimits": list(self.daily_limits),
            "day": self.day + 1 if self.day >= 0 else self.day,
            "todayLimit": self.today_limit,
            "complete": self.complete,
        }


@dataclass(frozen=True)
class LanePlan:
    brand: str
    name: str
    kind: LaneKind
    fqdn: str
    provider: str
    records: tuple[RecordSpec, ...]
    smtp: SmtpSettings
    categories: tuple[str, ...]
    message_types: tuple[MessageType, ...]
    dmarc: DmarcSettings
    dkim_selectors: tuple[str, ...]
    dkim_keys: tuple[DkimKey, ...]
    return_path_host: str | None
    tracking_hosts: tuple[str, ...]
    one_click_unsubscribe: bool
    warmup: WarmupPlan | None
    previous_names: tuple[str, ...] = ()
    has_password: bool = False

    @property
    def key(self) -> str:
        return f"{self.brand}/{self.name}"

    def records_with(self, purpose: Purpose) -> tuple[RecordSpec, ...]:
        return tuple(r for r in self.records if r.purpose is purpose)

    def to_json(self) -> dict[str, object]:
        document: dict[str, object] = {
            "name": self.name,
            "kind": str(self.kind),
            "fqdn": self.fqdn,
            "provider": self.provider,
            "records": [r.to_json() for r in self.records],
            "smtp": self.smtp.to_json(),
            "categories": list(self.categories),
            "customerio": {"messageTypes": [str(m) for m in self.message_types]},
            "dmarc": self.dmarc.to_json(),
            "dkim": [
                {"name": k.name, "algorithm": str(k.algorithm), "bits": k.bits}
                for k in self.dkim_keys
            ],
            "returnPath": self.return_path_host,
            "trackingHosts": list(self.tracking_hosts),
            "unsubscribe": {"oneClick": self.one_click_unsubscribe},
        }
        if self.warmup is not None:
            document["warmup"] = self.warmup.to_json()
        return document


@dataclass(frozen=True)
class BrandPlan:
    name: str
    domain: str
    zone_id: str
    region: Literal["us", "eu"]
    ttl: int
    lanes: tuple[LanePlan, ...]
    #: brand-level records: Customer.io link tracking, DMARC report authorizations
    records: tuple[RecordSpec, ...] = ()

    def all_records(self) -> Iterator[RecordSpec]:
        yield from self.records
        for lane in self.lanes:
            yield from lane.records

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "domain": self.domain,
            "zoneId": self.zone_id,
            "customerio": {"region": self.region},
            "records": [r.to_json() for r in self.records],
            "lanes": [lane.to_json() for lane in self.lanes],
        }


@dataclass(frozen=True)
class Plan:
    brands: tuple[BrandPlan, ...]
    catalog: Catalog
    today: datetime.date
    source: str = field(default="<config>")

    def lanes(self) -> tuple[LanePlan, ...]:
        return tuple(lane for brand in self.brands for lane in brand.lanes)

    def brand(self, name: str) -> BrandPlan:
        for brand in self.brands:
            if brand.name == name:
                return brand
        raise KeyError(name)

    def select_lanes(self, selectors: Sequence[str]) -> tuple[LanePlan, ...]:
        """Lanes named ``brand/lane`` (all lanes when *selectors* is empty)."""
        if not selectors:
            return self.lanes()
        by_key = {lane.key: lane for lane in self.lanes()}
        unknown = [s for s in selectors if s not in by_key]
        if unknown:
            known = ", ".join(by_key)
            raise UsageError([f"{self.source}: no lane {s!r} (lanes: {known})" for s in unknown])
        return tuple(by_key[s] for s in dict.fromkeys(selectors))

    def to_json(self) -> dict[str, object]:
        return {"brands": [brand.to_json() for brand in self.brands]}
