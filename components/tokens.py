"""Type tokens and engine property names of everything the program registers.

This is the one place these strings are spelled. The components write them, the policy pack
and the tests read them; keep it free of imports (no pulumi, no pulumi_cloudflare) so that the
policy pack can import it without paying for either.

Property names are the camelCase names the engine stores and the analyzer protocol carries.
"""

from __future__ import annotations

from typing import Final

# -- type tokens -----------------------------------------------------------------------------

BRAND: Final = "sendlanes:index:Brand"
"""One brand: parent of its lanes and of its brand-wide records."""
SENDING_LANE: Final = "sendlanes:index:SendingLane"
"""One sending lane: parent of its DNS records and of its SMTP credential."""
SMTP_CREDENTIAL: Final = "sendlanes:index:SmtpCredential"
"""A lane's SMTP connection settings; the password only as a secret output."""
DNS_RECORD: Final = "cloudflare:index/dnsRecord:DnsRecord"
"""pulumi-cloudflare v6 ``DnsRecord``."""
CLOUDFLARE_PROVIDER: Final = "pulumi:providers:cloudflare"
"""An explicit ``cloudflare.Provider`` (one per brand with a ``cloudflare`` block)."""
STACK: Final = "pulumi:pulumi:Stack"

# -- Brand inputs and outputs ----------------------------------------------------------------

BRAND_NAME: Final = "brand"
BRAND_DOMAIN: Final = "domain"
BRAND_ZONE_ID: Final = "zoneId"
BRAND_CUSTOMERIO_REGION: Final = "customerioRegion"
BRAND_CLOUDFLARE_ACCOUNT_ID: Final = "cloudflareAccountId"
"""Only for a brand with a ``cloudflare`` block (its records use a provider of their own)."""
BRAND_RECORDS: Final = "records"
"""List of ``{resourceName, name, type, purpose}``: what each brand-wide child record is for."""

# -- SendingLane inputs and outputs (also what stack policies read) --------------------------

LANE_BRAND: Final = "brand"
LANE_NAME: Final = "lane"
LANE_KIND: Final = "kind"
"""``transactional`` | ``lifecycle`` | ``promotional``."""
LANE_FQDN: Final = "fqdn"
LANE_DOMAIN: Final = "domain"
LANE_PROVIDER: Final = "provider"
LANE_CATEGORIES: Final = "categories"
LANE_CATEGORY_INTENTS: Final = "categoryIntents"
"""``{category: transactional|lifecycle|promotional}`` for the lane's categories, the stack's own
categories (``sendlanes:categories``) included, so policies judge them as ``lint`` does."""
LANE_MESSAGE_TYPES: Final = "customerioMessageTypes"
LANE_SMTP: Final = "smtp"
"""``{host, port, tls, username}`` (keys below)."""
LANE_ONE_CLICK_UNSUBSCRIBE: Final = "oneClickUnsubscribe"
LANE_RETURN_PATH: Final = "returnPathHost"
LANE_TRACKING_HOSTS: Final = "trackingHosts"
LANE_DKIM_SELECTORS: Final = "dkimSelectors"
LANE_WARMUP: Final = "warmup"
"""``{start, dailyLimits}`` or absent; today's limit is a stack output, not a property."""
LANE_PASSWORD_SECRET: Final = "passwordSecret"
"""The config path of the lane's password (``sendlanes:smtpPasswords.brand/lane``)."""
LANE_RECORDS: Final = "records"
"""List of ``{resourceName, name, type, purpose}``: what each child DnsRecord is for."""

RECORD_REF_RESOURCE_NAME: Final = "resourceName"
RECORD_REF_NAME: Final = "name"
RECORD_REF_TYPE: Final = "type"
RECORD_REF_PURPOSE: Final = "purpose"

SMTP_HOST: Final = "host"
SMTP_PORT: Final = "port"
SMTP_TLS: Final = "tls"
SMTP_USERNAME: Final = "username"

WARMUP_START: Final = "start"
WARMUP_DAILY_LIMITS: Final = "dailyLimits"

# -- SmtpCredential inputs and outputs -------------------------------------------------------

CREDENTIAL_HOST: Final = "host"
CREDENTIAL_PORT: Final = "port"
CREDENTIAL_TLS: Final = "tls"
CREDENTIAL_USERNAME: Final = "username"
CREDENTIAL_PASSWORD_SECRET: Final = "passwordSecret"
CREDENTIAL_HAS_PASSWORD: Final = "hasPassword"
CREDENTIAL_PASSWORD: Final = "password"
"""Registered as a secret *output* only, never as an input."""

# -- cloudflare.DnsRecord inputs, as the engine names them -----------------------------------

RECORD_ZONE_ID: Final = "zoneId"
RECORD_NAME: Final = "name"
RECORD_TYPE: Final = "type"
RECORD_CONTENT: Final = "content"
RECORD_TTL: Final = "ttl"
RECORD_PRIORITY: Final = "priority"
RECORD_PROXIED: Final = "proxied"
RECORD_COMMENT: Final = "comment"

# -- stack outputs ---------------------------------------------------------------------------

OUTPUT_LANES: Final = "lanes"
OUTPUT_SMTP_PASSWORDS: Final = "smtpPasswords"
OUTPUT_CUSTOMERIO: Final = "customerio"
OUTPUT_ALLOWLIST: Final = "allowlist"

# keys of each entry of the `lanes` output
OUT_LANE_FQDN: Final = "fqdn"
OUT_LANE_KIND: Final = "kind"
OUT_LANE_PROVIDER: Final = "provider"
OUT_LANE_RECORDS: Final = "records"
OUT_LANE_SMTP: Final = "smtp"
OUT_LANE_CATEGORIES: Final = "categories"
OUT_LANE_MESSAGE_TYPES: Final = "customerioMessageTypes"
OUT_LANE_WARMUP_LIMIT_TODAY: Final = "warmupLimitToday"
OUT_LANE_PASSWORD_SECRET: Final = "passwordSecret"

# -- config ----------------------------------------------------------------------------------

CONFIG_NAMESPACE: Final = "sendlanes"
CONFIG_BRANDS: Final = "brands"
CONFIG_CATEGORIES: Final = "categories"
CONFIG_SMTP_PASSWORDS: Final = "smtpPasswords"
