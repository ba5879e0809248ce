"""Postmark: DKIM TXT and a custom Return-Path CNAME; broadcasts use their own SMTP host."""

from __future__ import annotations

from sendlanes.lanes.catalog import LaneKind
from sendlanes.lanes.fields import ConfigModel, DkimKeyText, Label, Selector
from sendlanes.lanes.records import Purpose, RecordSpec
from sendlanes.providers.base import LaneContext, ProviderPreset, dkim_txt_content

TRANSACTIONAL_HOST = "smtp.postmarkapp.com"
BROADCAST_HOST = "smtp-broadcasts.postmarkapp.com"


class PostmarkSettings(ConfigModel):
    dkim_selector: Selector
    dkim_public_key: DkimKeyText
    return_path_host: Label = "pm-bounces"


class Postmark(ProviderPreset[PostmarkSettings]):
    name = "postmark"
    block = "postmark"
    title = "Postmark"
    settings_model = PostmarkSettings

    def records(self, lane: LaneContext[PostmarkSettings]) -> list[RecordSpec]:
        settings = lane.settings
        return [
            lane.txt(
                lane.under(f"{settings.dkim_selector}._domainkey"),
                dkim_txt_content(settings.dkim_public_key),
                Purpose.DKIM,
            ),
            lane.cname(self.return_path_host(lane), "pm.mtasv.net", Purpose.RETURN_PATH),
        ]

    def smtp_host(self, lane: LaneContext[PostmarkSettings]) -> str:
        # Postmark keeps bulk mail on a separate "broadcast" message stream and host.
        return BROADCAST_HOST if lane.kind is LaneKind.PROMOTIONAL else TRANSACTIONAL_HOST

    def return_path_host(self, lane: LaneContext[PostmarkSettings]) -> str:
        return lane.under(lane.settings.return_path_host)
