"""Mailjet: SPF include and the `mailjet._domainkey` TXT key."""

from __future__ import annotations

from sendlanes.lanes.fields import ConfigModel, DkimKeyText
from sendlanes.lanes.records import Purpose, RecordSpec
from sendlanes.providers.base import LaneContext, ProviderPreset, dkim_txt_content, spf_content


class MailjetSettings(ConfigModel):
    dkim_public_key: DkimKeyText


class Mailjet(ProviderPreset[MailjetSettings]):
    name = "mailjet"
    block = "mailjet"
    title = "Mailjet"
    settings_model = MailjetSettings

    def records(self, lane: LaneContext[MailjetSettings]) -> list[RecordSpec]:
        return [
            lane.txt(lane.fqdn, spf_content("include:spf.mailjet.com"), Purpose.SPF),
            lane.txt(
                lane.under("mailjet._domainkey"),
                dkim_txt_content(lane.settings.dkim_public_key),
                Purpose.DKIM,
            ),
        ]

    def smtp_host(self, lane: LaneContext[MailjetSettings]) -> str:
        return "in-v3.mailjet.com"

    def return_path_host(self, lane: LaneContext[MailjetSettings]) -> str:
        return lane.fqdn
