"""The stack outputs built from the plan (plain data).

``lanes`` stays readable because it holds no secret (one secret inside would make the whole
output secret); the passwords are a separate output, ``smtpPasswords`` (components.passwords).
"""

from __future__ import annotations

from components import tokens
from sendlanes.customerio.allowlist import egress_addresses, embedded_list
from sendlanes.customerio.handoff import password_config_path
from sendlanes.plan.model import Plan


def lanes_output(plan: Plan) -> dict[str, dict[str, object]]:
    """``brand/lane`` → the lane's metadata, records and SMTP settings (no password)."""
    lanes: dict[str, dict[str, object]] = {}
    for lane in plan.lanes():
        lanes[lane.key] = {
            tokens.OUT_LANE_FQDN: lane.fqdn,
            tokens.OUT_LANE_KIND: str(lane.kind),
            tokens.OUT_LANE_PROVIDER: lane.provider,
            tokens.OUT_LANE_RECORDS: [record.to_json() for record in lane.records],
            tokens.OUT_LANE_SMTP: lane.smtp.to_json(),
            tokens.OUT_LANE_CATEGORIES: list(lane.categories),
            tokens.OUT_LANE_MESSAGE_TYPES: [str(m) for m in lane.message_types],
            tokens.OUT_LANE_WARMUP_LIMIT_TODAY: (
                lane.warmup.today_limit if lane.warmup is not None else None
            ),
            tokens.OUT_LANE_PASSWORD_SECRET: password_config_path(lane.key),
        }
    return lanes


def allowlist_output(plan: Plan) -> dict[str, dict[str, object]]:
    """Customer.io's egress addresses for each region the stack's brands use."""
    regions: dict[str, list[str]] = {}
    for brand in plan.brands:
        regions.setdefault(brand.region, []).append(brand.name)
    output: dict[str, dict[str, object]] = {}
    for region, brands in regions.items():
        listing = embedded_list(region)
        output[region] = {
            "brands": brands,
            "addresses": list(egress_addresses(region)),
            "source": listing.source,
            "retrieved": listing.retrieved.isoformat(),
        }
    return output
