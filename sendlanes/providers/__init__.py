"""Provider presets, one module each. Adding one: write the module, list it here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendlanes.providers.base import LaneContext, ProviderPreset
from sendlanes.providers.brevo import Brevo
from sendlanes.providers.mailgun import Mailgun
from sendlanes.providers.mailjet import Mailjet
from sendlanes.providers.mandrill import Mandrill
from sendlanes.providers.postmark import Postmark
from sendlanes.providers.selfhosted import SelfHosted
from sendlanes.providers.sendgrid import SendGrid
from sendlanes.providers.ses import Ses
from sendlanes.providers.sparkpost import SparkPost

PROVIDERS: Mapping[str, ProviderPreset[Any]] = {
    preset.name: preset
    for preset in (
        Ses(),
        SendGrid(),
        Mailgun(),
        Postmark(),
        SparkPost(),
        Mailjet(),
        Mandrill(),
        Brevo(),
        SelfHosted(),
    )
}

__all__ = ["PROVIDERS", "LaneContext", "ProviderPreset"]
