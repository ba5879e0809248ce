"""The pack's identity and its policies, in the order `sendlanes rules` lists the rules."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Policy

from policies import (
    bulk_lanes_one_click_unsubscribe,
    bulk_lanes_separate_smtp_credentials,
    category_intent_matches_lane_kind,
    category_routed_exactly_once,
    cname_stands_alone,
    customerio_at_most_four_servers,
    customerio_fallback_not_promotional,
    customerio_single_fallback_server,
    dkim_key_strength,
    dkim_key_strength_recommended,
    dmarc_present_and_valid,
    dmarc_reporting,
    lane_kinds_separate_dkim,
    lane_kinds_separate_return_path_and_tracking,
    lane_kinds_separate_smtp_credentials,
    lane_subdomains_distinct,
    mail_records_not_proxied,
    new_lane_has_warmup,
    postmark_promotional_uses_broadcast_stream,
    smtp_port_allowed,
    smtp_tls_required,
    spf_lookup_budget,
    spf_lookup_budget_headroom,
    spf_no_permissive_all,
    spf_single_record,
    spf_syntax,
    warmup_schedule_valid,
)

NAME = "sendlanes"
DESCRIPTION = (
    "Email sending lanes: lane separation and authentication hygiene "
    "(the rules of `sendlanes lint`)."
)
ENFORCEMENT_LEVEL = EnforcementLevel.MANDATORY

POLICIES: list[Policy] = [
    lane_subdomains_distinct.POLICY,
    lane_kinds_separate_smtp_credentials.POLICY,
    bulk_lanes_separate_smtp_credentials.POLICY,
    lane_kinds_separate_dkim.POLICY,
    lane_kinds_separate_return_path_and_tracking.POLICY,
    category_intent_matches_lane_kind.POLICY,
    category_routed_exactly_once.POLICY,
    customerio_single_fallback_server.POLICY,
    customerio_fallback_not_promotional.POLICY,
    customerio_at_most_four_servers.POLICY,
    postmark_promotional_uses_broadcast_stream.POLICY,
    smtp_port_allowed.POLICY,
    smtp_tls_required.POLICY,
    spf_single_record.POLICY,
    spf_syntax.POLICY,
    spf_no_permissive_all.POLICY,
    spf_lookup_budget.POLICY,
    spf_lookup_budget_headroom.POLICY,
    dkim_key_strength.POLICY,
    dkim_key_strength_recommended.POLICY,
    dmarc_present_and_valid.POLICY,
    dmarc_reporting.POLICY,
    mail_records_not_proxied.POLICY,
    cname_stands_alone.POLICY,
    bulk_lanes_one_click_unsubscribe.POLICY,
    warmup_schedule_valid.POLICY,
    new_lane_has_warmup.POLICY,
]
