"""DMARC (RFC 9989): record parsing and formatting, policy discovery by the DNS Tree Walk,
Organizational Domains, identifier alignment and external report authorization.

The implementation is split by concern (:mod:`~sendlanes.auth.dmarc_record`,
:mod:`~sendlanes.auth.dmarc_parse`, :mod:`~sendlanes.auth.dmarc_discovery`,
:mod:`~sendlanes.auth.dmarc_reporting`); import from here.
"""

from __future__ import annotations

from sendlanes.auth.dmarc_discovery import (
    MAX_TREE_WALK_QUERIES,
    DiscoveryStatus,
    DmarcDiscovery,
    FoundRecord,
    PolicySource,
    TreeWalk,
    discover_policy,
    is_aligned,
    normalize_domain,
    organizational_domain,
    tree_walk,
    tree_walk_targets,
)
from sendlanes.auth.dmarc_parse import (
    DmarcAnalysis,
    DmarcSpec,
    DmarcStatus,
    analyze_dmarc_record,
    is_dmarc_record,
    parse_dmarc_record,
)
from sendlanes.auth.dmarc_record import (
    AlignmentMode,
    DmarcParseError,
    DmarcRecord,
    FailureOption,
    Policy,
    PsdFlag,
    ReportUri,
    format_dmarc_record,
    parse_report_uri,
)
from sendlanes.auth.dmarc_reporting import (
    AuthorizationStatus,
    ReportAuthorization,
    check_report_authorization,
    report_authorization_name,
)

__all__ = [
    "MAX_TREE_WALK_QUERIES",
    "AlignmentMode",
    "AuthorizationStatus",
    "DiscoveryStatus",
    "DmarcAnalysis",
    "DmarcDiscovery",
    "DmarcParseError",
    "DmarcRecord",
    "DmarcSpec",
    "DmarcStatus",
    "FailureOption",
    "FoundRecord",
    "Policy",
    "PolicySource",
    "PsdFlag",
    "ReportAuthorization",
    "ReportUri",
    "TreeWalk",
    "analyze_dmarc_record",
    "check_report_authorization",
    "discover_policy",
    "format_dmarc_record",
    "is_aligned",
    "is_dmarc_record",
    "normalize_domain",
    "organizational_domain",
    "parse_dmarc_record",
    "parse_report_uri",
    "report_authorization_name",
    "tree_walk",
    "tree_walk_targets",
]
