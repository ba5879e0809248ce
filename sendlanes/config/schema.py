"""The stack config schema (ARCHITECTURE.md §3): frozen pydantic models, camelCase in YAML.

:func:`load_stack_config` in :mod:`sendlanes.config.load` reads a ``Pulumi.<stack>.yaml`` into
:class:`StackConfig`; this module only defines the shape and per-object rules.
"""

from __future__ import annotations

import datetime
import itertools
import re
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, create_model, model_validator

from sendlanes.auth.dmarc_record import DmarcParseError, parse_report_uri
from sendlanes.auth.dmarc_record import Policy as DmarcPolicy
from sendlanes.errors import quoted
from sendlanes.lanes.catalog import LaneKind
from sendlanes.lanes.fields import (
    IMPLICIT_TLS_PORTS,
    ConfigModel,
    Domain,
    Label,
    Port,
    ServerHost,
    TlsMode,
    Ttl,
)
from sendlanes.providers import PROVIDERS

__all__ = [
    "BrandConfig",
    "CloudflareBrand",
    "CustomerioBrand",
    "CustomerioLane",
    "DmarcConfig",
    "DmarcPolicy",
    "LaneConfig",
    "MessageType",
    "SmtpConfig",
    "StackConfig",
    "Warmup",
]


class MessageType(StrEnum):
    """Customer.io message types a custom SMTP server can be chosen for."""

    ALL_EMAILS = "all_emails"
    TRANSACTIONAL = "transactional"
    EVENT_TRIGGERED = "event_triggered"
    SEGMENT_TRIGGERED = "segment_triggered"
    DATE_TRIGGERED = "date_triggered"
    NEWSLETTERS = "newsletters"
    TRIGGERED_BROADCASTS = "triggered_broadcasts"


_ALIGNMENT_WORDS = {"r": "r", "s": "s", "relaxed": "r", "strict": "s"}
_FO = re.compile(r"^[01ds](:[01ds])*$")
_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _alignment(value: object) -> object:
    if isinstance(value, str) and value.lower() in _ALIGNMENT_WORDS:
        return _ALIGNMENT_WORDS[value.lower()]
    return value


def _report_uri(value: str) -> str:
    try:
        uri = parse_report_uri(value)
    except DmarcParseError as error:
        raise ValueError(f"{quoted(value)} is not a DMARC report URI: {error}") from None
    if uri.scheme != "mailto" or uri.domain is None:
        raise ValueError(
            f"{quoted(value)} is not a DMARC report URI: use mailto:address@domain (RFC 9989 §4.8)"
        )
    if "." not in uri.domain.rstrip("."):
        raise ValueError(f"{quoted(value)}: the address's domain must be fully qualified")
    return value


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            f"{quoted(value)}: use lower-case letters, digits and inner hyphens "
            "(it becomes part of resource names)"
        )
    return value


Alignment = Annotated[Literal["r", "s"], BeforeValidator(_alignment)]
ReportUri = Annotated[str, AfterValidator(_report_uri)]
Name = Annotated[str, AfterValidator(_name)]
ZoneId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class DmarcConfig(ConfigModel):
    """DMARC tags (RFC 9989). Brand values are defaults; a lane's values override them."""

    policy: DmarcPolicy | None = None
    subdomain_policy: DmarcPolicy | None = None
    nonexistent_policy: DmarcPolicy | None = None
    adkim: Alignment | None = None
    aspf: Alignment | None = None
    rua: tuple[ReportUri, ...] | None = None
    ruf: tuple[ReportUri, ...] | None = None
    fo: Annotated[str, Field(pattern=_FO.pattern)] | None = None
    testing: bool | None = None

    def merged_over(self, default: DmarcConfig | None) -> DmarcConfig:
        """These settings, with fields left unset taken from *default*."""
        if default is None:
            return self
        values = default.model_dump(exclude_unset=True)
        values.update(self.model_dump(exclude_unset=True))
        return DmarcConfig.model_validate(values)


class SmtpConfig(ConfigModel):
    host: ServerHost | None = None
    port: Port = 587
    tls: TlsMode | None = None
    username: Annotated[str, Field(min_length=1, max_length=256)] | None = None

    @property
    def tls_mode(self) -> TlsMode:
        """Explicit mode, else implicit TLS on 465/2465 and STARTTLS elsewhere."""
        if self.tls is not None:
            return self.tls
        return TlsMode.IMPLICIT if self.port in IMPLICIT_TLS_PORTS else TlsMode.STARTTLS


class CustomerioLane(ConfigModel):
    message_types: tuple[MessageType, ...] = ()


class CustomerioBrand(ConfigModel):
    region: Literal["us", "eu"] = "us"
    tracking_host: Label | None = None


class Warmup(ConfigModel):
    start: datetime.date
    daily_limits: tuple[Annotated[int, Field(gt=0, strict=True)], ...]

    @model_validator(mode="after")
    def _non_decreasing(self) -> Warmup:
        if not self.daily_limits:
            raise ValueError("dailyLimits needs at least one day")
        limits = self.daily_limits
        for day, (before, after) in enumerate(itertools.pairwise(limits)):
            if after < before:
                raise ValueError(
                    f"dailyLimits must not decrease: day {day + 2} ({after}) is below "
                    f"day {day + 1} ({before})"
                )
        return self

    def limit_on(self, today: datetime.date) -> int | None:
        """Today's daily limit: 0 before the start, None once the schedule is complete."""
        day = (today - self.start).days
        if day < 0:
            return 0
        if day >= len(self.daily_limits):
            return None
        return self.daily_limits[day]


class Unsubscribe(ConfigModel):
    one_click: bool = False


class _LaneBase(ConfigModel):
    name: Name
    kind: LaneKind
    subdomain: Label
    provider: str
    smtp: SmtpConfig = SmtpConfig()
    categories: tuple[str, ...] = ()
    customerio: CustomerioLane = CustomerioLane()
    dmarc: DmarcConfig | None = None
    warmup: Warmup | None = None
    unsubscribe: Unsubscribe = Unsubscribe()
    previous_names: tuple[Name, ...] = ()

    @model_validator(mode="after")
    def _provider_block(self) -> _LaneBase:
        preset = PROVIDERS.get(self.provider)
        if preset is None:
            known = ", ".join(sorted(PROVIDERS))
            raise ValueError(f"unknown provider {quoted(self.provider)} (known: {known})")
        for field_name, other in _OTHER_BLOCKS[preset.name]:
            if getattr(self, field_name) is not None:
                raise ValueError(
                    f"block {other.block!r} belongs to provider {other.name!r}, "
                    f"but this lane uses {quoted(self.provider)}"
                )
        if preset.block_required and getattr(self, _block_field(preset.block)) is None:
            raise ValueError(f"provider {quoted(self.provider)} needs a {preset.block!r} block")
        return self

    def provider_settings(self) -> ConfigModel:
        preset = PROVIDERS[self.provider]
        settings: ConfigModel | None = getattr(self, _block_field(preset.block))
        return settings if settings is not None else preset.settings_model()


def _block_field(block: str) -> str:
    return f"{block}_settings"


# provider → (field, preset) of every other provider's block, which its lanes must not have.
_OTHER_BLOCKS = {
    name: [
        (_block_field(other.block), other)
        for other in PROVIDERS.values()
        if other.block != preset.block
    ]
    for name, preset in PROVIDERS.items()
}

# One optional field per provider block, so a new preset needs no change here.
_PROVIDER_FIELDS: dict[str, Any] = {
    _block_field(preset.block): (
        preset.settings_model | None,
        Field(default=None, alias=preset.block),
    )
    for preset in PROVIDERS.values()
}

if TYPE_CHECKING:
    LaneConfig = _LaneBase
else:
    LaneConfig = create_model("LaneConfig", __base__=_LaneBase, **_PROVIDER_FIELDS)


_CONFIG_KEY = re.compile(r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_/-]+)*$")


class CloudflareBrand(ConfigModel):
    """The Cloudflare account of a brand's zone and where its API token is configured.

    With this block the brand's records go through a provider of their own; without it,
    through the default ``cloudflare`` provider (``cloudflare:apiToken``).
    """

    account_id: ZoneId
    #: the Pulumi config key holding the token, ``namespace:key`` with an optional
    #: ``.path`` into an object value (an ESC environment's ``pulumiConfig`` sets it)
    api_token_key: Annotated[str, Field(pattern=_CONFIG_KEY.pattern)]


class BrandConfig(ConfigModel):
    name: Name
    domain: Domain
    zone_id: ZoneId
    cloudflare: CloudflareBrand | None = None
    customerio: CustomerioBrand = CustomerioBrand()
    dmarc: DmarcConfig | None = None
    ttl: Ttl = 3600
    lanes: Annotated[tuple[LaneConfig, ...], Field(min_length=1)]


class StackConfig(ConfigModel):
    """Everything sendlanes reads from a stack's config (``sendlanes:*`` keys)."""

    brands: Annotated[tuple[BrandConfig, ...], Field(min_length=1)]
    categories: dict[str, LaneKind] = Field(default_factory=dict)
    #: lanes that have an SMTP password in the secret map (values are never read here)
    smtp_passwords: frozenset[str] = frozenset()
    #: where the config was read from, for messages
    source: str = Field(default="<config>", exclude=True)
