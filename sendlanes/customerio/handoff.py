"""The Customer.io hand-off: what to type into Customer.io for each brand, and what is left.

Customer.io has no API for its Custom SMTP settings, so a person fills in the "Add Custom SMTP
Server" form once per lane. This module turns the plan into that person's sheet: per brand,
each server's host, port, user name and *which secret* holds its password (never the password),
the message types it takes, the fallback server (Customer.io requires one server on "All
Emails"; every type without a server of its own goes there), and the checklist of steps that
stay manual. ``sendlanes plan --format customerio`` prints it; the Pulumi program exports
the same structure as the ``customerio`` stack output.

Facts from Customer.io's documentation ("Use your own SMTP server", "Using multiple SMTP
servers", "Use your Postmark account").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sendlanes.config.load import KEY_PASSWORDS
from sendlanes.config.schema import MessageType
from sendlanes.lanes.fields import TlsMode
from sendlanes.lanes.records import Purpose
from sendlanes.plan.model import BrandPlan, LanePlan, Plan

SETTINGS_PATH = "Settings > Workspace Settings > Email > Custom SMTP Settings"
PASSWORDS_OUTPUT = "smtpPasswords"

MESSAGE_TYPE_LABELS: dict[MessageType, str] = {
    MessageType.ALL_EMAILS: "All Emails",
    MessageType.TRANSACTIONAL: "Transactional",
    MessageType.EVENT_TRIGGERED: "Event Triggered",
    MessageType.SEGMENT_TRIGGERED: "Segment Triggered",
    MessageType.DATE_TRIGGERED: "Date Triggered",
    MessageType.NEWSLETTERS: "Newsletters",
    MessageType.TRIGGERED_BROADCASTS: "Triggered Broadcasts",
}

# Providers Customer.io takes delivered/bounce/spam events from ("Use your own SMTP server").
EVENT_INTEGRATIONS = {
    "mailgun": "Mailgun",
    "mailjet": "Mailjet",
    "mandrill": "Mandrill",
    "postmark": "Postmark",
    "sendgrid": "SendGrid",
    "sparkpost": "SparkPost",
}
POSTMARK_WEBHOOKS = {
    "us": "https://track.customer.io/postmark/events",
    "eu": "https://track-eu.customer.io/postmark/events",
}
# "Using multiple SMTP servers": delivery is split by at most four campaign/broadcast types.
MAX_SEGMENTING_SERVERS = 4


def password_config_path(lane_key: str) -> str:
    """The config path of a lane's password: ``sendlanes:smtpPasswords.brand/lane``."""
    return f"{KEY_PASSWORDS}.{lane_key}"


def set_password_command(lane_key: str) -> str:
    """The command that stores a lane's password as a Pulumi secret (it prompts for the value)."""
    return f"pulumi config set --path --secret '{password_config_path(lane_key)}'"


def show_password_command(lane_key: str) -> str:
    """A command that prints one lane's password from the stack outputs."""
    return f"pulumi stack output {PASSWORDS_OUTPUT} --show-secrets --json | jq -r '.\"{lane_key}\"'"


@dataclass(frozen=True)
class SmtpServer:
    """One "Add Custom SMTP Server" form, filled in."""

    lane: LanePlan

    @property
    def label(self) -> str:
        return f"{self.lane.brand} {self.lane.name} ({self.lane.kind})"

    @property
    def security(self) -> str:
        tls = self.lane.smtp.tls
        if tls is TlsMode.IMPLICIT:
            return "TLS from the first byte (implicit TLS)"
        if tls is TlsMode.STARTTLS:
            return "STARTTLS"
        return "no TLS"

    def to_json(self) -> dict[str, object]:
        lane = self.lane
        warmup = lane.warmup
        return {
            "lane": lane.name,
            "label": self.label,
            "kind": str(lane.kind),
            "provider": lane.provider,
            "host": lane.smtp.host,
            "port": lane.smtp.port,
            "tls": str(lane.smtp.tls),
            "username": lane.smtp.username,
            "password": {
                "secret": password_config_path(lane.key),
                "set": lane.has_password,
                "stackOutput": PASSWORDS_OUTPUT,
                "key": lane.key,
            },
            "messageTypes": [str(m) for m in lane.message_types],
            "fromDomain": lane.fqdn,
            "warmupLimitToday": warmup.today_limit if warmup is not None else None,
        }


@dataclass(frozen=True)
class BrandHandoff:
    """Everything the Customer.io workspace of one brand needs by hand."""

    brand: BrandPlan
    servers: tuple[SmtpServer, ...]
    #: lane names that take "All Emails" (Customer.io needs exactly one)
    fallback: tuple[str, ...]
    #: message type -> lanes that take it explicitly (empty: it goes to the fallback)
    routes: dict[MessageType, tuple[str, ...]]
    checklist: tuple[str, ...]

    @property
    def tracking_domain(self) -> str | None:
        for record in self.brand.records:
            if record.purpose is Purpose.CUSTOMERIO_TRACKING:
                return record.name
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "brand": self.brand.name,
            "domain": self.brand.domain,
            "region": self.brand.region,
            "trackingDomain": self.tracking_domain,
            "servers": [server.to_json() for server in self.servers],
            "fallback": self.fallback[0] if len(self.fallback) == 1 else None,
            "routes": {
                str(kind): {
                    "lanes": list(lanes),
                    "via": "assigned" if lanes else ("fallback" if self.fallback else "none"),
                }
                for kind, lanes in self.routes.items()
            },
            "checklist": list(self.checklist),
        }


def brand_handoff(brand: BrandPlan) -> BrandHandoff:
    """The hand-off sheet for one brand (one Customer.io workspace)."""
    servers = tuple(SmtpServer(lane) for lane in brand.lanes)
    fallback = tuple(
        lane.name for lane in brand.lanes if MessageType.ALL_EMAILS in lane.message_types
    )
    routes: dict[MessageType, tuple[str, ...]] = {
        kind: tuple(lane.name for lane in brand.lanes if kind in lane.message_types)
        for kind in MessageType
        if kind is not MessageType.ALL_EMAILS
    }
    handoff = BrandHandoff(brand, servers, fallback, routes, ())
    return BrandHandoff(brand, servers, fallback, routes, tuple(_checklist(handoff)))


def handoff(plan: Plan) -> tuple[BrandHandoff, ...]:
    """One hand-off sheet per brand, in config order."""
    return tuple(brand_handoff(brand) for brand in plan.brands)


def handoff_json(plan: Plan) -> dict[str, object]:
    """The hand-off keyed by brand name (the ``customerio`` stack output)."""
    return {sheet.brand.name: sheet.to_json() for sheet in handoff(plan)}


def _checklist(sheet: BrandHandoff) -> Iterator[str]:
    brand = sheet.brand
    region = brand.region.upper()
    yield (
        f"Open the Customer.io workspace that sends for {brand.name} ({region} region) at "
        f"{SETTINGS_PATH}."
    )
    self_hosted = [s for s in sheet.servers if s.lane.provider == "smtp"]
    if self_hosted:
        hosts = ", ".join(dict.fromkeys(s.lane.smtp.host for s in self_hosted))
        yield (
            f"Before adding {hosts}: let Customer.io's {region} egress addresses in "
            f"(`sendlanes allowlist --region {brand.region}`, or the stack output `allowlist`)."
        )
    for server in sheet.servers:
        lane = server.lane
        types = ", ".join(MESSAGE_TYPE_LABELS[m] for m in lane.message_types) or "None"
        password = (
            f"password from `{show_password_command(lane.key)}`"
            if lane.has_password
            else f"password not stored yet: `{set_password_command(lane.key)}`"
        )
        yield (
            f'Add Custom SMTP Server "{server.label}": {lane.smtp.host} port {lane.smtp.port} '
            f"({server.security}), user {lane.smtp.username or '(none set)'}, {password}; "
            f"send: {types}."
        )
    if len(sheet.fallback) == 1:
        yield (
            f"Keep {sheet.fallback[0]} on All Emails: Customer.io sends every message type "
            "without a server of its own through it."
        )
    elif not sheet.fallback:
        yield (
            "No lane takes all_emails, but Customer.io requires one server on All Emails (the "
            "fallback): add all_emails to one lane's customerio.messageTypes."
        )
    else:
        yield (
            f"Lanes {', '.join(sheet.fallback)} all take all_emails; Customer.io keeps one "
            "fallback server: choose one in the config."
        )
    for kind, lanes in sheet.routes.items():
        if len(lanes) > 1:
            yield (
                f"{MESSAGE_TYPE_LABELS[kind]} is listed on lanes {', '.join(lanes)}; Customer.io "
                "routes a message type to one server: keep it on one lane."
            )
    if len(sheet.servers) > MAX_SEGMENTING_SERVERS:
        yield (
            f"{len(sheet.servers)} servers: Customer.io splits delivery by at most "
            f"{MAX_SEGMENTING_SERVERS} campaign/broadcast types, so it uses at most "
            f"{MAX_SEGMENTING_SERVERS} of them."
        )
    tracking = sheet.tracking_domain
    if tracking is not None:
        yield (
            f"Set the link tracking domain to {tracking} and verify it in Customer.io "
            "(`pulumi up` publishes its CNAME)."
        )
    yield (
        "Send each campaign from an address at its lane's domain so DMARC aligns: "
        + ", ".join(f"{s.lane.name} → …@{s.lane.fqdn}" for s in sheet.servers)
        + "."
    )
    for server in sheet.servers:
        lane = server.lane
        title = EVENT_INTEGRATIONS.get(lane.provider)
        if lane.provider == "postmark":
            yield (
                f"{lane.name}: point the Postmark message stream's webhooks (Delivery, Bounce, "
                f"Spam, Subscription Change; not Open or Link Click) at "
                f"{POSTMARK_WEBHOOKS[brand.region]}."
            )
        elif title is not None:
            yield (
                f"{lane.name}: connect {title}'s delivery/bounce/spam events to Customer.io "
                f"(Customer.io's {title} integration page)."
            )
        else:
            yield (
                f"{lane.name}: Customer.io gets no delivered/bounce/spam data from "
                f"{lane.provider}; watch them at the provider."
            )
    for server in sheet.servers:
        warmup = server.lane.warmup
        if warmup is None or warmup.complete:
            continue
        if warmup.day < 0:
            yield (
                f"{server.lane.name}: warm-up starts {warmup.start.isoformat()}; route nothing "
                "to it before then."
            )
        else:
            yield (
                f"{server.lane.name}: warm-up day {warmup.day + 1} of {len(warmup.daily_limits)}: "
                f"send at most {warmup.today_limit} messages today (Customer.io does not know "
                "this limit; throttle the campaigns routed here)."
            )
    one_click = [s.lane.name for s in sheet.servers if s.lane.one_click_unsubscribe]
    if one_click:
        yield (
            f"Send a test through {', '.join(one_click)} and check that `sendlanes headers` "
            "finds List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058)."
        )
    yield (
        "Send a test message through every server and run `sendlanes headers FILE.eml` on it: "
        "it must name the lane it was meant for."
    )


def handoff_text(plan: Plan) -> str:
    """The hand-off as text for a person at the Customer.io settings page."""
    return "\n\n".join(_brand_text(sheet) for sheet in handoff(plan)) + "\n"


def _brand_text(sheet: BrandHandoff) -> str:
    brand = sheet.brand
    lines = [
        f"Customer.io hand-off for {brand.name} ({brand.domain}, {brand.region.upper()} region)",
        "",
        f"SMTP servers to add ({SETTINGS_PATH} > Add Custom SMTP Server):",
    ]
    for number, server in enumerate(sheet.servers, start=1):
        lane = server.lane
        password = (
            f"secret {password_config_path(lane.key)}"
            if lane.has_password
            else f"NOT SET — {set_password_command(lane.key)}"
        )
        types = ", ".join(MESSAGE_TYPE_LABELS[m] for m in lane.message_types) or "None"
        lines += [
            "",
            f"  {number}. {server.label}",
            f"     Host:           {lane.smtp.host}",
            f"     Port:           {lane.smtp.port} ({server.security})",
            f"     Username:       {lane.smtp.username or '(none set: add smtp.username)'}",
            f"     Password:       {password}",
        ]
        if lane.has_password:
            lines.append(f"                     {show_password_command(lane.key)}")
        lines += [
            f"     Message types:  {types}",
            f"     From domain:    {lane.fqdn}",
        ]
    lines += ["", _fallback_line(sheet), "", "Routing (Customer.io message type → lane):"]
    width = max(len(label) for label in MESSAGE_TYPE_LABELS.values())
    fallback = sheet.fallback[0] if len(sheet.fallback) == 1 else None
    for kind, lanes in sheet.routes.items():
        if lanes:
            target = ", ".join(lanes)
        elif fallback is not None:
            target = f"{fallback} (fallback)"
        else:
            target = "(no server)"
        lines.append(f"  {MESSAGE_TYPE_LABELS[kind].ljust(width)}  → {target}")
    lines += ["", "Checklist (by hand in Customer.io):"]
    lines += [f"  [ ] {item}" for item in sheet.checklist]
    return "\n".join(lines)


def _fallback_line(sheet: BrandHandoff) -> str:
    if len(sheet.fallback) == 1:
        return (
            f"Fallback server: {sheet.fallback[0]} (All Emails) — every message type without a "
            "server of its own goes here."
        )
    if not sheet.fallback:
        return "Fallback server: none — Customer.io requires one server on All Emails."
    return f"Fallback server: ambiguous — {', '.join(sheet.fallback)} all take All Emails."
