"""What receivers will make of a lane: SPF, DKIM, DMARC, return path and link tracking.

Each function turns one analyzer's verdict (:mod:`sendlanes.auth`) into checks; none of them
parses a record itself. A DNS failure anywhere in an analysis is an ``error`` check: no
verdict, never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from sendlanes.auth.dkim import (
    DkimAnalysis,
    DkimStatus,
    analyze_dkim_record,
    verifier_refusals,
)
from sendlanes.auth.dmarc import (
    AuthorizationStatus,
    DiscoveryStatus,
    DmarcDiscovery,
    Policy,
    check_report_authorization,
    discover_policy,
)
from sendlanes.auth.dmarc import organizational_domain as organizational_domain_of
from sendlanes.auth.spf import MAX_LOOKUPS, MAX_VOID_LOOKUPS, SpfStatus, analyze_spf
from sendlanes.dns.resolver import AnswerLookup, DnsAnswer, DnsTemporaryError, NxDomain
from sendlanes.lanes.records import Purpose, RecordSpec, RecordType
from sendlanes.plan.model import BrandPlan, LanePlan
from sendlanes.verify.model import Check, CheckKind, CheckStatus, error_check
from sendlanes.verify.records import record_checks, undeclared_txt_check

#: MX hosts of a return path tried for an address before giving up.
MAX_MX_HOSTS_TRIED = 3


def lane_checks(
    lane: LanePlan, lookup: AnswerLookup, memo: RunMemo | None = None
) -> tuple[Check, ...]:
    """Every check of one lane, in a fixed order."""
    checks = record_checks(lane.records, lookup)
    if not any(r.name == lane.fqdn and r.type is RecordType.TXT for r in lane.records):
        extra = undeclared_txt_check(lane.fqdn, lookup)
        if extra is not None:
            checks.append(extra)
    checks += [spf_check(domain, lookup) for domain in spf_domains(lane)]
    checks += [dkim_check(r.name, lookup, memo) for r in lane.records_with(Purpose.DKIM)]
    checks += dmarc_checks(lane.fqdn, lookup, memo)
    for host in dict.fromkeys(r.name for r in lane.records_with(Purpose.RETURN_PATH)):
        checks.append(return_path_check(host, lookup))
    checks += [tracking_check(r.name, lookup) for r in _tracking_records(lane.records)]
    return tuple(checks)


def brand_checks(brand: BrandPlan, lookup: AnswerLookup) -> tuple[Check, ...]:
    """Brand-wide records: Customer.io link tracking and DMARC report authorizations."""
    checks = record_checks(brand.records, lookup)
    checks += [tracking_check(r.name, lookup) for r in _tracking_records(brand.records)]
    return tuple(checks)


def _tracking_records(records: Sequence[RecordSpec]) -> list[RecordSpec]:
    purposes = (Purpose.TRACKING, Purpose.CUSTOMERIO_TRACKING)
    return [r for r in records if r.purpose in purposes and r.type is RecordType.CNAME]


# -- SPF -----------------------------------------------------------------------------------


def spf_domains(lane: LanePlan) -> list[str]:
    """Where the lane's SPF is evaluated: its SPF records' names, and a return path that is
    delegated to the provider by CNAME (the provider publishes SPF there)."""
    names = [r.name for r in lane.records_with(Purpose.SPF)]
    if lane.return_path_host is not None and any(
        r.name == lane.return_path_host and r.type is RecordType.CNAME
        for r in lane.records_with(Purpose.RETURN_PATH)
    ):
        names.append(lane.return_path_host)
    return list(dict.fromkeys(names))


def spf_check(domain: str, lookup: AnswerLookup) -> Check:
    """The SPF record at *domain* (after CNAMEs) must be valid within RFC 7208's limits."""
    analysis = analyze_spf(domain, lookup)
    via = _via(domain, "TXT", lookup)
    if analysis.status is SpfStatus.TEMPERROR:
        return error_check(CheckKind.SPF, domain, analysis.error or "temperror")
    if analysis.status is SpfStatus.NONE:
        return Check(CheckKind.SPF, domain, CheckStatus.FAIL, f"none: {analysis.error}{via}")
    if analysis.status is SpfStatus.PERMERROR:
        return Check(CheckKind.SPF, domain, CheckStatus.FAIL, f"permerror: {analysis.error}{via}")
    detail = (
        f'"{analysis.record}"{via}: {analysis.lookups}/{MAX_LOOKUPS} DNS lookups, '
        f"{analysis.void_lookups}/{MAX_VOID_LOOKUPS} void"
    )
    if analysis.warnings:
        return Check(
            CheckKind.SPF, domain, CheckStatus.WARN, f"{detail}; {'; '.join(analysis.warnings)}"
        )
    return Check(CheckKind.SPF, domain, CheckStatus.PASS, detail)


def _via(name: str, rdtype: str, lookup: AnswerLookup) -> str:
    """`` via CNAME a → b`` when *name* is an alias (from the cache: asked already)."""
    try:
        aliases = lookup.answer(name, rdtype).aliases
    except (NxDomain, DnsTemporaryError):
        return ""
    return f" (via CNAME → {' → '.join(aliases)})" if aliases else ""


# -- DKIM ----------------------------------------------------------------------------------


def dkim_check(name: str, lookup: AnswerLookup, memo: RunMemo | None = None) -> Check:
    """The key at selector *name*, following a provider's CNAME, must be one usable key."""
    try:
        answer = lookup.answer(name, "TXT")
    except NxDomain as error:
        where = "" if error.name.lower() == name.lower() else f" (the CNAME target {error.name})"
        return Check(CheckKind.DKIM, name, CheckStatus.FAIL, f"no key: NXDOMAIN{where}")
    except DnsTemporaryError as error:
        return error_check(CheckKind.DKIM, name, error)
    via = f" via CNAME → {' → '.join(answer.aliases)}" if answer.aliases else ""
    if not answer.records:
        return Check(CheckKind.DKIM, name, CheckStatus.FAIL, f"no key: no TXT record{via} (NODATA)")
    if len(answer.records) > 1:
        detail = (
            f"{len(answer.records)} TXT records at {answer.canonical_name}{via}: a verifier may "
            "use either (RFC 6376 §3.6.2.2)"
        )
        return Check(CheckKind.DKIM, name, CheckStatus.FAIL, detail)
    text = answer.records[0]
    analysis = memo.dkim(text) if memo is not None else analyze_dkim_record(text)
    if analysis.status is DkimStatus.REVOKED:
        detail = f"revoked{via}: p= is empty, so no signature verifies (RFC 6376 §3.6.1)"
        return Check(CheckKind.DKIM, name, CheckStatus.FAIL, detail)
    if analysis.status is not DkimStatus.VALID or analysis.record is None:
        detail = f"{analysis.status}{via}: {'; '.join(analysis.reasons) or 'unusable key'}"
        return Check(CheckKind.DKIM, name, CheckStatus.FAIL, detail)
    refusals = verifier_refusals(analysis.record)
    if refusals:
        detail = f"unusable{via}: {'; '.join(refusals)}"
        return Check(CheckKind.DKIM, name, CheckStatus.FAIL, detail)
    key = analysis.record.key
    detail = f"{key.algorithm} {key.bits}-bit key{via}" if key is not None else f"key{via}"
    if analysis.warnings:
        return Check(
            CheckKind.DKIM, name, CheckStatus.WARN, f"{detail}; {'; '.join(analysis.warnings)}"
        )
    return Check(CheckKind.DKIM, name, CheckStatus.PASS, detail)


# -- DMARC ---------------------------------------------------------------------------------


class RunMemo:
    """What one run works out once and every lane reuses.

    Every lane of a brand reports to the same address, and the Tree Walk of that address's
    domain (RFC 9989 §4.10.2) gives the same Organizational Domain each time; lanes that
    delegate DKIM to one provider often serve the same key text. Both are pure given the
    run's cache, so they are remembered for the run (never across runs). Thread-safe: a
    race only repeats a computation whose questions are cached.
    """

    def __init__(self, lookup: AnswerLookup) -> None:
        self._lookup = lookup
        self._organizations: dict[str, str | None] = {}
        self._dkim: dict[str, DkimAnalysis] = {}

    def same_organization(self, organizational_domain: str, domain: str) -> bool:
        """Whether *domain* is in *organizational_domain* (False when DNS cannot tell)."""
        if domain not in self._organizations:
            try:
                self._organizations[domain] = organizational_domain_of(domain, self._lookup)
            except (DnsTemporaryError, ValueError):
                self._organizations[domain] = None  # the full check reports the error
        return self._organizations[domain] == organizational_domain

    def dkim(self, text: str) -> DkimAnalysis:
        analysis = self._dkim.get(text)
        if analysis is None:
            analysis = self._dkim[text] = analyze_dkim_record(text)
        return analysis


def dmarc_checks(fqdn: str, lookup: AnswerLookup, memo: RunMemo | None = None) -> list[Check]:
    """The policy receivers apply to mail from *fqdn* (RFC 9989 §4.10.1), and whether its
    report destinations accept the reports (RFC 9990 §3)."""
    name = f"_dmarc.{fqdn}"
    found = discover_policy(fqdn, lookup)
    if found.status is DiscoveryStatus.ERROR:
        return [error_check(CheckKind.DMARC, name, found.error or "DNS error")]
    if found.status is DiscoveryStatus.NONE:
        asked = ", ".join(found.queried)
        detail = f"no DMARC policy applies to {fqdn} (asked {asked}): receivers do no DMARC"
        problems = "; ".join(found.problems)
        return [_dmarc(name, CheckStatus.FAIL, f"{detail}{'; ' + problems if problems else ''}")]
    if found.status is DiscoveryStatus.INVALID or found.record is None:
        reasons = "; ".join((*found.problems, *(found.analysis.errors if found.analysis else ())))
        return [_dmarc(name, CheckStatus.FAIL, f"_dmarc.{found.record_domain} unusable: {reasons}")]
    memo = memo or RunMemo(lookup)
    return [_dmarc_verdict(name, fqdn, found), *_report_checks(fqdn, found, lookup, memo)]


def _dmarc_verdict(name: str, fqdn: str, found: DmarcDiscovery) -> Check:
    record = found.record
    assert record is not None and found.analysis is not None  # FOUND has a record
    detail = f"{found.policy_source}={found.policy} from _dmarc.{found.record_domain}"
    failures = [*found.problems, *found.analysis.errors]
    warnings = list(found.analysis.warnings)
    if found.record_domain != fqdn:
        warnings.append(f"no record at {name} itself")
    if found.policy is Policy.NONE:
        warnings.append("policy none: monitoring only, failing mail is delivered")
    if record.testing:
        warnings.append(f"t=y: receivers apply {found.enforced_policy} (RFC 9989 §4.7)")
    if not record.rua:
        warnings.append("no rua=: nobody receives aggregate reports (RFC 9989 §4.7)")
    if failures:
        return _dmarc(name, CheckStatus.FAIL, "; ".join([detail, *failures, *warnings]))
    if warnings:
        return _dmarc(name, CheckStatus.WARN, "; ".join([detail, *warnings]))
    return _dmarc(name, CheckStatus.PASS, detail)


def _report_checks(
    fqdn: str, found: DmarcDiscovery, lookup: AnswerLookup, memo: RunMemo
) -> list[Check]:
    record = found.record
    assert record is not None
    domains = dict.fromkeys(uri.domain for uri in (*record.rua, *record.ruf) if uri.domain)
    checks: list[Check] = []
    for domain in domains:
        if domain is None or memo.same_organization(found.organizational_domain, domain):
            continue  # same organization: receivers need no authorization (RFC 9990 §3)
        result = check_report_authorization(fqdn, domain, lookup)
        name = f"{fqdn} → {domain}"
        if result.status is AuthorizationStatus.NOT_REQUIRED:
            continue  # same organization: nothing to check, nothing worth a line
        status = {
            AuthorizationStatus.AUTHORIZED: CheckStatus.PASS,
            AuthorizationStatus.UNAUTHORIZED: CheckStatus.FAIL,
            AuthorizationStatus.ERROR: CheckStatus.ERROR,
        }[result.status]
        checks.append(Check(CheckKind.DMARC_REPORT, name, status, result.detail))
    return checks


def _dmarc(name: str, status: CheckStatus, detail: str) -> Check:
    return Check(CheckKind.DMARC, name, status, detail)


# -- return path and tracking ---------------------------------------------------------------


def return_path_check(host: str, lookup: AnswerLookup) -> Check:
    """Bounces to *host* must be deliverable: an MX with an address, or an address."""
    try:
        answer = lookup.answer(host, "MX")
    except NxDomain as error:
        return _route(host, CheckStatus.FAIL, f"{error.name} does not exist: bounces are lost")
    except DnsTemporaryError as error:
        return error_check(CheckKind.RETURN_PATH, host, error)
    via = f" via CNAME → {' → '.join(answer.aliases)}" if answer.aliases else ""
    exchanges = sorted((int(p), h) for p, _, h in (r.partition(" ") for r in answer.records))
    if any(h in ("", ".") for _, h in exchanges):
        detail = f"null MX{via}: the domain accepts no mail, so bounces are refused (RFC 7505)"
        return _route(host, CheckStatus.FAIL, detail)
    if not exchanges:
        return _address_route(host, via, lookup)
    errors: list[str] = []
    for preference, exchange in exchanges[:MAX_MX_HOSTS_TRIED]:
        try:
            addresses = _addresses(exchange, lookup)
        except DnsTemporaryError as error:
            errors.append(str(error))
            continue
        if addresses:
            detail = f"MX {preference} {exchange}{via} → {', '.join(addresses[:2])}"
            return _route(host, CheckStatus.PASS, detail)
    if errors:
        return error_check(CheckKind.RETURN_PATH, host, "; ".join(errors))
    shown = ", ".join(h for _, h in exchanges)
    return _route(host, CheckStatus.FAIL, f"no MX host{via} has an address ({shown})")


def _address_route(host: str, via: str, lookup: AnswerLookup) -> Check:
    try:
        addresses = _addresses(host, lookup)
    except DnsTemporaryError as error:
        return error_check(CheckKind.RETURN_PATH, host, error)
    if addresses:
        detail = f"no MX{via}; mail goes to {', '.join(addresses[:2])} (RFC 5321 §5.1)"
        return _route(host, CheckStatus.PASS, detail)
    return _route(host, CheckStatus.FAIL, f"no MX and no address{via}: bounces are lost")


def _addresses(name: str, lookup: AnswerLookup) -> tuple[str, ...]:
    """A, else AAAA records of *name*; empty when it does not exist or has neither."""
    try:
        return lookup.a(name) or lookup.aaaa(name)
    except NxDomain:
        return ()


def _route(host: str, status: CheckStatus, detail: str) -> Check:
    return Check(CheckKind.RETURN_PATH, host, status, detail)


def tracking_check(name: str, lookup: AnswerLookup) -> Check:
    """A link-tracking host must resolve (through its CNAME) to an address."""
    try:
        answer: DnsAnswer = lookup.answer(name, "A")
        addresses = answer.records or lookup.aaaa(name)
    except NxDomain as error:
        detail = f"{error.name} does not exist: tracked links are broken"
        return Check(CheckKind.TRACKING, name, CheckStatus.FAIL, detail)
    except DnsTemporaryError as error:
        return error_check(CheckKind.TRACKING, name, error)
    chain = " → ".join(answer.aliases)
    if not addresses:
        detail = f"{chain or name} has no address: tracked links are broken"
        return Check(CheckKind.TRACKING, name, CheckStatus.FAIL, detail)
    shown = ", ".join(addresses[:2])
    detail = f"{chain} → {shown}" if chain else shown
    return Check(CheckKind.TRACKING, name, CheckStatus.PASS, detail)
