"""Mandrill (Mailchimp Transactional): SPF include and two DKIM CNAMEs."""

from __future__ import annotations

from sendlanes.lanes.fields import ConfigModel
from sendlanes.lanes.records import Purpose, RecordSpec
from sendlanes.providers.base import LaneContext, ProviderPreset, spf_content


class MandrillSettings(ConfigModel):
    """Mandrill needs no settings; the block may be omitted."""


class Mandrill(ProviderPreset[MandrillSettings]):
    name = "mandrill"
    block = "mandrill"
    title = "Mandrill"
    settings_model = MandrillSettings
    block_required = False

    def records(self, lane: LaneContext[MandrillSettings]) -> list[RecordSpec]:
        return [
            lane.txt(lane.fqdn, spf_content("include:spf.mandrillapp.com"), Purpose.SPF),
            lane.cname(lane.under("mte1._domainkey"), "dkim1.mandrillapp.com", Purpose.DKIM),
            lane.cname(lane.under("mte2._domainkey"), "dkim2.mandrillapp.com", Purpose.DKIM),
        ]

    def smtp_host(self, lane: LaneContext[MandrillSettings]) -> str:
        return "smtp.mandrillapp.com"

    def return_path_host(self, lane: LaneContext[MandrillSettings]) -> str:
        return lane.fqdn
