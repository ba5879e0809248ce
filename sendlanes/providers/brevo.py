"""Brevo: two DKIM CNAMEs and the optional `brevo-code` ownership TXT."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sendlanes.lanes.fields import ConfigModel
from sendlanes.lanes.records import Purpose, RecordSpec
from sendlanes.providers.base import LaneContext, ProviderPreset


class BrevoSettings(ConfigModel):
    verification_code: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{8,64}$")] | None = None


class Brevo(ProviderPreset[BrevoSettings]):
    name = "brevo"
    block = "brevo"
    title = "Brevo"
    settings_model = BrevoSettings
    block_required = False

    def records(self, lane: LaneContext[BrevoSettings]) -> list[RecordSpec]:
        dashed = lane.fqdn.replace(".", "-")
        records = [
            lane.cname(
                lane.under(f"brevo{n}._domainkey"), f"b{n}.{dashed}.dkim.brevo.com", Purpose.DKIM
            )
            for n in (1, 2)
        ]
        if lane.settings.verification_code is not None:
            code = lane.settings.verification_code
            records.append(lane.txt(lane.fqdn, f"brevo-code:{code}", Purpose.VERIFICATION))
        return records

    def smtp_host(self, lane: LaneContext[BrevoSettings]) -> str:
        return "smtp-relay.brevo.com"

    def return_path_host(self, lane: LaneContext[BrevoSettings]) -> str:
        return lane.fqdn
