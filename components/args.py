"""The components' arguments: the stack config's shapes as TypedDicts of ``pulumi.Input`` fields.

Each class mirrors one block of the documented stack config (README, "Config reference"); the
component package's schema turns the snake_case names into the same camelCase keys a stack
file uses (``dkim_public_key`` → ``dkimPublicKey``). ``tests/test_component_package.py``
checks the two cannot drift apart.

No ``from __future__ import annotations`` here: the component provider infers the package
schema from these annotations at run time, so they must be real types, not strings.
"""

from typing import NotRequired, TypedDict

import pulumi


class DmarcArgs(TypedDict):
    """DMARC tags (RFC 9989). Brand values are defaults; a lane's values override them."""

    policy: NotRequired[pulumi.Input[str]]
    """``p``: none, quarantine or reject."""
    subdomain_policy: NotRequired[pulumi.Input[str]]
    """``sp``: none, quarantine or reject."""
    nonexistent_policy: NotRequired[pulumi.Input[str]]
    """``np``: none, quarantine or reject."""
    adkim: NotRequired[pulumi.Input[str]]
    """DKIM alignment: relaxed (r) or strict (s)."""
    aspf: NotRequired[pulumi.Input[str]]
    """SPF alignment: relaxed (r) or strict (s)."""
    rua: NotRequired[pulumi.Input[list[str]]]
    """Aggregate report addresses (``mailto:`` URIs)."""
    ruf: NotRequired[pulumi.Input[list[str]]]
    """Failure report addresses (``mailto:`` URIs)."""
    fo: NotRequired[pulumi.Input[str]]
    """Failure reporting options: 0, 1, d, s, colon-separated."""
    testing: NotRequired[pulumi.Input[bool]]
    """``t=y``."""


class SmtpArgs(TypedDict):
    """How Customer.io connects to the lane's SMTP server; defaults come from the provider."""

    host: NotRequired[pulumi.Input[str]]
    port: NotRequired[pulumi.Input[int]]
    tls: NotRequired[pulumi.Input[str]]
    """starttls, implicit or none (none is refused by the policy pack)."""
    username: NotRequired[pulumi.Input[str]]


class CustomerioLaneArgs(TypedDict):
    """Which Customer.io message types the lane's server is chosen for."""

    message_types: NotRequired[pulumi.Input[list[str]]]


class CustomerioBrandArgs(TypedDict):
    """The brand's Customer.io region and branded link-tracking host."""

    region: NotRequired[pulumi.Input[str]]
    """us or eu."""
    tracking_host: NotRequired[pulumi.Input[str]]
    """A label: ``links`` publishes ``links.<domain>`` CNAME to Customer.io."""


class WarmupArgs(TypedDict):
    """A new lane's warm-up schedule."""

    start: pulumi.Input[str]
    """First day, ISO 8601 (YYYY-MM-DD)."""
    daily_limits: pulumi.Input[list[int]]
    """Positive, non-decreasing; day 1 first."""


class UnsubscribeArgs(TypedDict):
    """List-Unsubscribe behaviour of the lane's mail."""

    one_click: NotRequired[pulumi.Input[bool]]
    """The lane sends RFC 8058 one-click unsubscribe headers."""


class SesArgs(TypedDict):
    """Amazon SES."""

    region: pulumi.Input[str]
    dkim_tokens: pulumi.Input[list[str]]
    mail_from_subdomain: NotRequired[pulumi.Input[str]]


class LinkBrandingArgs(TypedDict):
    """SendGrid link branding."""

    host: pulumi.Input[str]
    user_id: pulumi.Input[str]


class SendgridArgs(TypedDict):
    """SendGrid."""

    return_path_host: pulumi.Input[str]
    wl_host: pulumi.Input[str]
    link_branding: NotRequired[pulumi.Input[LinkBrandingArgs]]


class MailgunArgs(TypedDict):
    """Mailgun."""

    region: NotRequired[pulumi.Input[str]]
    dkim_selector: pulumi.Input[str]
    dkim_public_key: pulumi.Input[str]
    tracking_host: NotRequired[pulumi.Input[str]]
    receiving: NotRequired[pulumi.Input[bool]]


class PostmarkArgs(TypedDict):
    """Postmark."""

    dkim_selector: pulumi.Input[str]
    dkim_public_key: pulumi.Input[str]
    return_path_host: NotRequired[pulumi.Input[str]]


class SparkpostArgs(TypedDict):
    """SparkPost."""

    region: NotRequired[pulumi.Input[str]]
    dkim_selector: pulumi.Input[str]
    dkim_public_key: pulumi.Input[str]
    bounce_host: NotRequired[pulumi.Input[str]]


class MailjetArgs(TypedDict):
    """Mailjet."""

    dkim_public_key: pulumi.Input[str]


class MandrillArgs(TypedDict):
    """Mandrill needs no settings; the block may be omitted."""


class BrevoArgs(TypedDict):
    """Brevo."""

    verification_code: NotRequired[pulumi.Input[str]]


class MtaArgs(TypedDict):
    """A self-hosted MTA (provider ``smtp``)."""

    ip4: NotRequired[pulumi.Input[list[str]]]
    ip6: NotRequired[pulumi.Input[list[str]]]
    dkim_selector: pulumi.Input[str]
    dkim_public_key: pulumi.Input[str]


class LaneArgs(TypedDict):
    """One sending lane, as an entry of a brand's ``lanes`` in the stack config."""

    name: pulumi.Input[str]
    kind: pulumi.Input[str]
    """transactional, lifecycle or promotional."""
    subdomain: pulumi.Input[str]
    provider: pulumi.Input[str]
    """ses, sendgrid, mailgun, postmark, sparkpost, mailjet, mandrill, brevo or smtp."""
    ses: NotRequired[pulumi.Input[SesArgs]]
    sendgrid: NotRequired[pulumi.Input[SendgridArgs]]
    mailgun: NotRequired[pulumi.Input[MailgunArgs]]
    postmark: NotRequired[pulumi.Input[PostmarkArgs]]
    sparkpost: NotRequired[pulumi.Input[SparkpostArgs]]
    mailjet: NotRequired[pulumi.Input[MailjetArgs]]
    mandrill: NotRequired[pulumi.Input[MandrillArgs]]
    brevo: NotRequired[pulumi.Input[BrevoArgs]]
    mta: NotRequired[pulumi.Input[MtaArgs]]
    smtp: NotRequired[pulumi.Input[SmtpArgs]]
    categories: NotRequired[pulumi.Input[list[str]]]
    customerio: NotRequired[pulumi.Input[CustomerioLaneArgs]]
    dmarc: NotRequired[pulumi.Input[DmarcArgs]]
    warmup: NotRequired[pulumi.Input[WarmupArgs]]
    unsubscribe: NotRequired[pulumi.Input[UnsubscribeArgs]]
    previous_names: NotRequired[pulumi.Input[list[str]]]
    """Earlier names of the lane: its resources keep their URNs (aliases)."""


class CloudflareArgs(TypedDict):
    """The Cloudflare account of a brand's zone and the config key of its API token."""

    account_id: pulumi.Input[str]
    api_token_key: pulumi.Input[str]
    """``namespace:key``, optionally ``.path`` into an object value."""


# -- output shapes ---------------------------------------------------------------------------


class RecordOutput(TypedDict):
    """A DNS record a component publishes."""

    resource_name: str
    """The ``cloudflare.DnsRecord`` child's resource name."""
    name: str
    """The record's FQDN, without the trailing dot."""
    type: str
    content: str
    """The logical value (TXT unquoted and unsplit)."""
    ttl: int
    priority: NotRequired[int]
    purpose: str
    """What the record is for: spf, dkim, dmarc, return-path, tracking, ..."""
