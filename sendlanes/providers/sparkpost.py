"""SparkPost sending domain: DKIM TXT and a bounce-domain CNAME."""

from __future__ import annotations

from typing import Literal

from sendlanes.lanes.fields import ConfigModel, DkimKeyText, Label, Selector
from sendlanes.lanes.records import Purpose, RecordSpec
from sendlanes.providers.base import LaneContext, ProviderPreset, dkim_txt_content


class SparkPostSettings(ConfigModel):
    region: Literal["us", "eu"] = "us"
    dkim_selector: Selector
    dkim_public_key: DkimKeyText
    bounce_host: Label = "bounce"


class SparkPost(ProviderPreset[SparkPostSettings]):
    name = "sparkpost"
    block = "sparkpost"
    title = "SparkPost"
    settings_model = SparkPostSettings
    fixed_username = "SMTP_Injection"

    def records(self, lane: LaneContext[SparkPostSettings]) -> list[RecordSpec]:
        settings = lane.settings
        target = "eu.sparkpostmail.com" if settings.region == "eu" else "sparkpostmail.com"
        return [
            lane.txt(
                lane.under(f"{settings.dkim_selector}._domainkey"),
                dkim_txt_content(settings.dkim_public_key),
                Purpose.DKIM,
            ),
            lane.cname(self.return_path_host(lane), target, Purpose.RETURN_PATH),
        ]

    def smtp_host(self, lane: LaneContext[SparkPostSettings]) -> str:
        if lane.settings.region == "eu":
            return "smtp.eu.sparkpostmail.com"
        return "smtp.sparkpostmail.com"

    def return_path_host(self, lane: LaneContext[SparkPostSettings]) -> str:
        return lane.under(lane.settings.bounce_host)
