"""What every provider preset provides, and the lane context it works from.

A preset owns its record shapes (facts from the provider's documentation) and SMTP defaults.
Presets never see the whole config: only the lane they are asked about.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from sendlanes.auth.dkim import format_dkim_record
from sendlanes.lanes.catalog import LaneKind
from sendlanes.lanes.fields import ConfigModel
from sendlanes.lanes.records import Purpose, RecordSpec, RecordType

SettingsT = TypeVar("SettingsT", bound=ConfigModel)


@dataclass(frozen=True)
class LaneContext(Generic[SettingsT]):
    """The facts about one lane a preset needs. ``fqdn`` has no trailing dot."""

    fqdn: str
    kind: LaneKind
    ttl: int
    settings: SettingsT

    def txt(self, name: str, content: str, purpose: Purpose) -> RecordSpec:
        return RecordSpec(name, RecordType.TXT, content, self.ttl, purpose)

    def cname(self, name: str, target: str, purpose: Purpose) -> RecordSpec:
        return RecordSpec(name, RecordType.CNAME, target, self.ttl, purpose)

    def mx(self, name: str, host: str, priority: int, purpose: Purpose) -> RecordSpec:
        return RecordSpec(name, RecordType.MX, host, self.ttl, purpose, priority)

    def under(self, label: str) -> str:
        return f"{label}.{self.fqdn}"


class ProviderPreset(ABC, Generic[SettingsT]):
    """One email service provider (or a self-hosted MTA)."""

    #: the `provider:` value in config
    name: ClassVar[str]
    #: the config key of its settings block
    block: ClassVar[str]
    #: human name for docs and tables
    title: ClassVar[str]
    settings_model: ClassVar[type[ConfigModel]]
    #: whether the lane must carry the settings block (False: an empty block is implied)
    block_required: ClassVar[bool] = True
    #: SMTP user name the provider always uses (SendGrid's "apikey"), if any
    fixed_username: ClassVar[str | None] = None

    @abstractmethod
    def records(self, lane: LaneContext[SettingsT]) -> list[RecordSpec]:
        """The lane's records besides its DMARC record."""

    @abstractmethod
    def smtp_host(self, lane: LaneContext[SettingsT]) -> str | None:
        """The default SMTP host, or None when the user must give one."""

    @abstractmethod
    def return_path_host(self, lane: LaneContext[SettingsT]) -> str:
        """The envelope-sender (Return-Path / MAIL FROM) domain the provider uses."""


def dkim_txt_content(public_key: str) -> str:
    """``v=DKIM1; k=rsa|ed25519; p=<key>`` (RFC 6376 §3.6.1, RFC 8463 §4.2)."""
    return format_dkim_record(public_key)


def spf_content(*mechanisms: str) -> str:
    return " ".join(("v=spf1", *mechanisms, "~all"))
