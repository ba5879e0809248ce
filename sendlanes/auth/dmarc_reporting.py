"""May reports for one domain go to an address at another? (RFC 9990 §3, RFC 7489 §7.1)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sendlanes.auth.dmarc_discovery import normalize_domain, organizational_domain
from sendlanes.auth.dmarc_parse import is_dmarc_record
from sendlanes.dns.resolver import DnsLookup, DnsTemporaryError, NxDomain


class AuthorizationStatus(enum.StrEnum):
    NOT_REQUIRED = "not-required"  # same Organizational Domain
    AUTHORIZED = "authorized"
    UNAUTHORIZED = "unauthorized"  # receivers MUST NOT send reports there
    ERROR = "error"  # DNS gave no answer, or a name is malformed: no verdict


@dataclass(frozen=True)
class ReportAuthorization:
    policy_domain: str
    uri_domain: str
    status: AuthorizationStatus
    detail: str
    query_name: str | None = None


def report_authorization_name(policy_domain: str, uri_domain: str) -> str:
    """``<policy_domain>._report._dmarc.<uri_domain>``, where the authorization lives."""
    return f"{policy_domain}._report._dmarc.{uri_domain}"


def check_report_authorization(
    policy_domain: str, uri_domain: str, lookup: DnsLookup
) -> ReportAuthorization:
    """Check that *uri_domain* accepts DMARC reports about *policy_domain*; never raises.

    Within one Organizational Domain (RFC 9989 §4.10.2) no authorization is needed.
    Otherwise a TXT record starting with ``v=DMARC1`` must exist at
    ``<policy_domain>._report._dmarc.<uri_domain>`` (RFC 9990 §3, RFC 7489 §7.1); a missing
    name, no TXT or no such record means receivers MUST NOT send reports there.
    """
    try:
        policy = normalize_domain(policy_domain)
        uri = normalize_domain(uri_domain)
    except ValueError as error:
        return ReportAuthorization(
            policy_domain, uri_domain, AuthorizationStatus.ERROR, detail=str(error)
        )
    name = report_authorization_name(policy, uri)
    try:
        policy_org = organizational_domain(policy, lookup)
        uri_org = organizational_domain(uri, lookup)
        if policy_org == uri_org:
            detail = f"{uri} is in {policy}'s Organizational Domain {policy_org}"
            return ReportAuthorization(policy, uri, AuthorizationStatus.NOT_REQUIRED, detail)
        texts = lookup.txt(name)
    except NxDomain:
        texts = ()
    except DnsTemporaryError as error:
        detail = f"no verdict: {error}"
        return ReportAuthorization(policy, uri, AuthorizationStatus.ERROR, detail, name)
    if any(is_dmarc_record(text) for text in texts):
        detail = f"{name} authorizes reports about {policy} (RFC 9990 §3)"
        return ReportAuthorization(policy, uri, AuthorizationStatus.AUTHORIZED, detail, name)
    found = "no TXT record" if not texts else f"{len(texts)} TXT record(s), none v=DMARC1"
    detail = (
        f"{uri} ({uri_org}) is outside {policy}'s Organizational Domain {policy_org} and {name} "
        f"has {found}: receivers MUST NOT send reports there (RFC 9990 §3, RFC 7489 §7.1)"
    )
    return ReportAuthorization(policy, uri, AuthorizationStatus.UNAUTHORIZED, detail, name)
