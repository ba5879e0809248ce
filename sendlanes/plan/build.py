"""Config → :class:`~sendlanes.plan.model.Plan`: every brand's lanes with their records.

Pure: no I/O. It decides everything (record shapes come from the provider presets, DMARC
from the brand merged with the lane, warm-up from *today*); the plan's consumers decide
nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence

from sendlanes.auth.dkim_key import DkimKeyError, parse_public_key
from sendlanes.config.schema import BrandConfig, LaneConfig, StackConfig
from sendlanes.errors import UsageError
from sendlanes.lanes.catalog import Catalog
from sendlanes.lanes.records import Purpose, RecordSpec, RecordType
from sendlanes.plan.model import (
    CUSTOMERIO_TRACKING_TARGETS,
    BrandPlan,
    DkimKey,
    DmarcSettings,
    LanePlan,
    Plan,
    SmtpSettings,
    WarmupPlan,
)
from sendlanes.providers import PROVIDERS
from sendlanes.providers.base import LaneContext


def build_plan(config: StackConfig, today: datetime.date | None = None) -> Plan:
    """Turn a validated config into the plan (pure: no I/O; *today* drives warm-up)."""
    day = today or datetime.date.today()
    catalog = Catalog.with_user_categories(config.categories)
    brands = [_brand_plan(brand, config, day) for brand in config.brands]
    authorizations = _report_authorizations(brands)
    brands = [
        BrandPlan(
            b.name,
            b.domain,
            b.zone_id,
            b.region,
            b.ttl,
            b.lanes,
            b.records + tuple(authorizations.get(b.name, ())),
        )
        for b in brands
    ]
    return Plan(tuple(brands), catalog, day, config.source)


def _brand_plan(brand: BrandConfig, config: StackConfig, today: datetime.date) -> BrandPlan:
    lanes = tuple(_lane_plan(brand, lane, config, today) for lane in brand.lanes)
    records: tuple[RecordSpec, ...] = ()
    tracking = brand.customerio.tracking_host
    if tracking is not None:
        records = (
            RecordSpec(
                f"{tracking}.{brand.domain}",
                RecordType.CNAME,
                CUSTOMERIO_TRACKING_TARGETS[brand.customerio.region],
                brand.ttl,
                Purpose.CUSTOMERIO_TRACKING,
            ),
        )
    return BrandPlan(
        brand.name, brand.domain, brand.zone_id, brand.customerio.region, brand.ttl, lanes, records
    )


def _lane_plan(
    brand: BrandConfig, lane: LaneConfig, config: StackConfig, today: datetime.date
) -> LanePlan:
    fqdn = f"{lane.subdomain}.{brand.domain}"
    preset = PROVIDERS[lane.provider]
    context = LaneContext(fqdn, lane.kind, brand.ttl, lane.provider_settings())
    dmarc = DmarcSettings.from_config(
        lane.dmarc.merged_over(brand.dmarc) if lane.dmarc is not None else brand.dmarc
    )
    records = list(preset.records(context))
    dmarc_content = dmarc.record_content()
    if dmarc_content is not None:
        records.append(context.txt(f"_dmarc.{fqdn}", dmarc_content, Purpose.DMARC))
    host = lane.smtp.host or preset.smtp_host(context)
    if host is None:  # configload reports this; guard for programmatic callers
        raise UsageError(f"{brand.name}/{lane.name}: no SMTP host")
    smtp = SmtpSettings(
        host, lane.smtp.port, lane.smtp.tls_mode, lane.smtp.username or preset.fixed_username
    )
    warmup = None
    if lane.warmup is not None:
        warmup = WarmupPlan(
            lane.warmup.start,
            lane.warmup.daily_limits,
            lane.warmup.limit_on(today),
            (today - lane.warmup.start).days,
        )
    dkim_records = [r for r in records if r.purpose is Purpose.DKIM]
    return LanePlan(
        brand=brand.name,
        name=lane.name,
        kind=lane.kind,
        fqdn=fqdn,
        provider=lane.provider,
        records=tuple(records),
        smtp=smtp,
        categories=lane.categories,
        message_types=lane.customerio.message_types,
        dmarc=dmarc,
        dkim_selectors=tuple(r.name for r in dkim_records),
        dkim_keys=tuple(_dkim_keys(dkim_records)),
        return_path_host=preset.return_path_host(context),
        tracking_hosts=tuple(r.name for r in records if r.purpose is Purpose.TRACKING),
        one_click_unsubscribe=lane.unsubscribe.one_click,
        warmup=warmup,
        previous_names=lane.previous_names,
        has_password=f"{brand.name}/{lane.name}" in config.smtp_passwords,
    )


def _dkim_keys(records: Sequence[RecordSpec]) -> Iterator[DkimKey]:
    for record in records:
        if record.type is not RecordType.TXT:
            continue  # CNAME-delegated keys live at the provider
        tags = dict(part.strip().split("=", 1) for part in record.content.split(";") if "=" in part)
        try:
            key = parse_public_key(tags.get("p", ""))
        except DkimKeyError:  # pragma: no cover - config validation already parsed the key
            continue
        yield DkimKey(record.name, key.algorithm, key.bits, tags["p"])


def _report_authorizations(brands: Sequence[BrandPlan]) -> dict[str, list[RecordSpec]]:
    """RFC 7489 §7.1 / RFC 9990 records a brand publishes so lanes may report to it.

    Published for every report domain of the stack outside the lane's own name, the brand's
    own domain included: under RFC 9989's DNS tree walk a lane whose brand has no
    ``_dmarc`` record at its apex is its own organizational domain, and receivers then treat
    ``dmarc@<brand domain>`` as an external destination. The records are harmless where
    they are not needed (RFC 7489's public-suffix view), so they are always published.
    """
    found: dict[str, dict[str, RecordSpec]] = {}
    by_domain: dict[str, tuple[int, BrandPlan]] = {}
    for position, brand in enumerate(brands):
        by_domain.setdefault(brand.domain, (position, brand))
    for brand in brands:
        for lane in brand.lanes:
            for domain in lane.dmarc.report_domains():
                if domain == lane.fqdn or domain.endswith(f".{lane.fqdn}"):
                    continue  # reports to the lane's own name need no authorization
                target = _owning_brand(domain, by_domain)
                if target is None:
                    continue  # outside the stack: not ours to publish; lint says so
                name = f"{lane.fqdn}._report._dmarc.{domain}"
                found.setdefault(target.name, {})[name] = RecordSpec(
                    name, RecordType.TXT, "v=DMARC1", target.ttl, Purpose.DMARC_REPORT_AUTHORIZATION
                )
    return {brand: list(records.values()) for brand, records in found.items()}


def _owning_brand(domain: str, by_domain: dict[str, tuple[int, BrandPlan]]) -> BrandPlan | None:
    """The first brand (config order) whose domain is *domain* or one of its parents."""
    labels = domain.split(".")
    # One lookup per parent domain instead of a scan of every brand per lane.
    owners = [by_domain[s] for i in range(len(labels)) if (s := ".".join(labels[i:])) in by_domain]
    return min(owners, key=lambda owner: owner[0])[1] if owners else None
