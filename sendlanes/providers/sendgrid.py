"""SendGrid domain authentication (automated security) and link branding."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sendlanes.lanes.fields import ConfigModel, Hostname, Label
from sendlanes.lanes.records import Purpose, RecordSpec
from sendlanes.providers.base import LaneContext, ProviderPreset


class LinkBranding(ConfigModel):
    host: Label
    user_id: Annotated[str, Field(pattern=r"^[0-9]{1,12}$")]


class SendGridSettings(ConfigModel):
    return_path_host: Label
    wl_host: Hostname
    link_branding: LinkBranding | None = None


class SendGrid(ProviderPreset[SendGridSettings]):
    name = "sendgrid"
    block = "sendgrid"
    title = "SendGrid"
    settings_model = SendGridSettings
    fixed_username = "apikey"

    def records(self, lane: LaneContext[SendGridSettings]) -> list[RecordSpec]:
        settings = lane.settings
        records = [
            lane.cname(self.return_path_host(lane), settings.wl_host, Purpose.RETURN_PATH),
            *(
                lane.cname(
                    lane.under(f"{s}._domainkey"), f"{s}.domainkey.{settings.wl_host}", Purpose.DKIM
                )
                for s in ("s1", "s2")
            ),
        ]
        if settings.link_branding is not None:
            branding = settings.link_branding
            records += [
                lane.cname(lane.under(branding.host), "sendgrid.net", Purpose.TRACKING),
                lane.cname(lane.under(branding.user_id), "sendgrid.net", Purpose.TRACKING),
            ]
        return records

    def smtp_host(self, lane: LaneContext[SendGridSettings]) -> str:
        return "smtp.sendgrid.net"

    def return_path_host(self, lane: LaneContext[SendGridSettings]) -> str:
        return lane.under(lane.settings.return_path_host)
