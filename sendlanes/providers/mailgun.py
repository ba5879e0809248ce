"""Mailgun sending domain: SPF, DKIM TXT, tracking CNAME and optional inbound MX."""

from __future__ import annotations

from typing import Literal

from sendlanes.lanes.fields import ConfigModel, DkimKeyText, Label, Selector
from sendlanes.lanes.records import Purpose, RecordSpec
from sendlanes.providers.base import LaneContext, ProviderPreset, dkim_txt_content, spf_content


class MailgunSettings(ConfigModel):
    region: Literal["us", "eu"] = "us"
    dkim_selector: Selector
    dkim_public_key: DkimKeyText
    tracking_host: Label = "email"
    receiving: bool = False


class Mailgun(ProviderPreset[MailgunSettings]):
    name = "mailgun"
    block = "mailgun"
    title = "Mailgun"
    settings_model = MailgunSettings

    def records(self, lane: LaneContext[MailgunSettings]) -> list[RecordSpec]:
        settings = lane.settings
        prefix = "eu." if settings.region == "eu" else ""
        records = [
            lane.txt(lane.fqdn, spf_content("include:mailgun.org"), Purpose.SPF),
            lane.txt(
                lane.under(f"{settings.dkim_selector}._domainkey"),
                dkim_txt_content(settings.dkim_public_key),
                Purpose.DKIM,
            ),
            lane.cname(
                lane.under(settings.tracking_host), f"{prefix}mailgun.org", Purpose.TRACKING
            ),
        ]
        if settings.receiving:
            records += [
                lane.mx(lane.fqdn, f"{host}.{prefix}mailgun.org", 10, Purpose.INBOUND)
                for host in ("mxa", "mxb")
            ]
        return records

    def smtp_host(self, lane: LaneContext[MailgunSettings]) -> str:
        return "smtp.eu.mailgun.org" if lane.settings.region == "eu" else "smtp.mailgun.org"

    def return_path_host(self, lane: LaneContext[MailgunSettings]) -> str:
        return lane.fqdn
