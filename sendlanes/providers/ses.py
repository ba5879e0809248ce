"""Amazon SES: Easy DKIM CNAMEs and a custom MAIL FROM domain.

Per the SES developer guide ("Easy DKIM", "Using a custom MAIL FROM domain").
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from sendlanes.lanes.fields import ConfigModel, Label
from sendlanes.lanes.records import Purpose, RecordSpec
from sendlanes.providers.base import LaneContext, ProviderPreset, spf_content

AwsRegion = Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")]


class SesSettings(ConfigModel):
    region: AwsRegion
    dkim_tokens: tuple[str, ...]
    mail_from_subdomain: Label = "bounce"

    @field_validator("dkim_tokens")
    @classmethod
    def _three_tokens(cls, tokens: tuple[str, ...]) -> tuple[str, ...]:
        if len(tokens) != 3:
            raise ValueError(f"SES Easy DKIM publishes exactly 3 tokens, got {len(tokens)}")
        for token in tokens:
            if not token.isalnum() or not 16 <= len(token) <= 63:
                raise ValueError(f"{token!r} is not an SES DKIM token (16-63 letters and digits)")
        if len(set(tokens)) != 3:
            raise ValueError("the 3 DKIM tokens must differ")
        return tuple(t.lower() for t in tokens)


class Ses(ProviderPreset[SesSettings]):
    name = "ses"
    block = "ses"
    title = "Amazon SES"
    settings_model = SesSettings

    def records(self, lane: LaneContext[SesSettings]) -> list[RecordSpec]:
        settings = lane.settings
        mail_from = self.return_path_host(lane)
        return [
            *(
                lane.cname(lane.under(f"{t}._domainkey"), f"{t}.dkim.amazonses.com", Purpose.DKIM)
                for t in settings.dkim_tokens
            ),
            lane.mx(
                mail_from,
                f"feedback-smtp.{settings.region}.amazonses.com",
                10,
                Purpose.RETURN_PATH,
            ),
            lane.txt(mail_from, spf_content("include:amazonses.com"), Purpose.SPF),
        ]

    def smtp_host(self, lane: LaneContext[SesSettings]) -> str:
        return f"email-smtp.{lane.settings.region}.amazonaws.com"

    def return_path_host(self, lane: LaneContext[SesSettings]) -> str:
        return lane.under(lane.settings.mail_from_subdomain)
