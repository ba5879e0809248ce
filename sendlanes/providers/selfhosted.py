"""A self-hosted MTA (Postfix, PowerMTA): SPF with its addresses and its own DKIM key.

Its block is named ``mta:`` because ``smtp:`` is the connection block of every lane.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

from pydantic import model_validator

from sendlanes.lanes.fields import ConfigModel, DkimKeyText, Selector
from sendlanes.lanes.records import Purpose, RecordSpec
from sendlanes.providers.base import LaneContext, ProviderPreset, dkim_txt_content, spf_content


class MtaSettings(ConfigModel):
    ip4: tuple[IPv4Network, ...] = ()
    ip6: tuple[IPv6Network, ...] = ()
    dkim_selector: Selector
    dkim_public_key: DkimKeyText

    @model_validator(mode="after")
    def _some_address(self) -> MtaSettings:
        if not self.ip4 and not self.ip6:
            raise ValueError("list the MTA's sending addresses in ip4 and/or ip6 (for SPF)")
        return self


def _mechanism(prefix: str, network: IPv4Network | IPv6Network) -> str:
    if network.prefixlen == network.max_prefixlen:
        return f"{prefix}:{network.network_address}"
    return f"{prefix}:{network}"


class SelfHosted(ProviderPreset[MtaSettings]):
    name = "smtp"
    block = "mta"
    title = "Self-hosted MTA"
    settings_model = MtaSettings

    def records(self, lane: LaneContext[MtaSettings]) -> list[RecordSpec]:
        settings = lane.settings
        mechanisms = [_mechanism("ip4", n) for n in settings.ip4]
        mechanisms += [_mechanism("ip6", n) for n in settings.ip6]
        return [
            lane.txt(lane.fqdn, spf_content(*mechanisms), Purpose.SPF),
            lane.txt(
                lane.under(f"{settings.dkim_selector}._domainkey"),
                dkim_txt_content(settings.dkim_public_key),
                Purpose.DKIM,
            ),
        ]

    def smtp_host(self, lane: LaneContext[MtaSettings]) -> None:
        return None

    def return_path_host(self, lane: LaneContext[MtaSettings]) -> str:
        return lane.fqdn
