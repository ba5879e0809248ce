"""DMARC over DNS: the RFC 9989 §4.10 Tree Walk, policy discovery, Organizational Domains,
identifier alignment and external report destinations (RFC 9990 §3, RFC 7489 §7.1).

DNS is only reached through :class:`sendlanes.dns.resolver.DnsLookup`. A name that does not exist
or has no TXT record means "no record here"; a :class:`DnsTemporaryError` means no verdict,
never a pass.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace

from sendlanes.auth.dmarc_parse import DmarcAnalysis, analyze_dmarc_record, is_dmarc_record
from sendlanes.auth.dmarc_record import AlignmentMode, DmarcRecord, Policy, PsdFlag
from sendlanes.dns.resolver import DnsLookup, DnsTemporaryError, NxDomain

# RFC 9989 §4.10 steps 3-4: names of 8+ labels jump to their last 7 labels, so a walk asks
# at most 8 questions.
MAX_TREE_WALK_QUERIES = 8
_SHORTENED_LABELS = 7
_MAX_NAME_OCTETS = 253
_MAX_LABEL_OCTETS = 63
_ONE_LEVEL_DOWN = {Policy.REJECT: Policy.QUARANTINE, Policy.QUARANTINE: Policy.NONE}


def normalize_domain(name: str) -> str:
    """Lower-case A-label form without the trailing dot (RFC 9989 §5.3.1, RFC 4343).

    :raises ValueError: when *name* is not a domain name.
    """
    text = name.strip().rstrip(".").lower()
    try:
        text = text.encode("idna").decode("ascii") if not text.isascii() else text
    except UnicodeError as error:
        raise ValueError(f"{name!r} is not a domain name: {error}") from error
    labels = text.split(".")
    if not text or len(text) > _MAX_NAME_OCTETS:
        raise ValueError(f"{name!r} is not a domain name (1-253 octets, RFC 1035 §2.3.4)")
    if any(not label or len(label) > _MAX_LABEL_OCTETS for label in labels):
        raise ValueError(f"{name!r} has an empty or over-long label (RFC 1035 §2.3.4)")
    return text


def tree_walk_targets(domain: str) -> tuple[str, ...]:
    """The names whose ``_dmarc`` TXT a Tree Walk from *domain* asks for, in order (§4.10)."""
    labels = domain.split(".")
    first_parent = min(len(labels) - 1, _SHORTENED_LABELS)
    return (domain, *(".".join(labels[-count:]) for count in range(first_parent, 0, -1)))


@dataclass(frozen=True)
class FoundRecord:
    """The single DMARC record at ``_dmarc.<domain>``, and its analysis."""

    domain: str
    text: str
    analysis: DmarcAnalysis

    @property
    def psd(self) -> PsdFlag:
        record = self.analysis.record
        return record.psd_flag if record is not None else PsdFlag.UNKNOWN


@dataclass(frozen=True)
class TreeWalk:
    """What one Tree Walk (RFC 9989 §4.10) saw: names asked, records found, problems."""

    start: str
    queried: tuple[str, ...]
    records: tuple[FoundRecord, ...]
    problems: tuple[str, ...] = ()

    def record_at(self, domain: str) -> FoundRecord | None:
        return next((found for found in self.records if found.domain == domain), None)

    @property
    def organizational_domain(self) -> str:
        """Selection of RFC 9989 §4.10.2, from the longest name to the shortest."""
        for found in self.records:
            if found.psd is PsdFlag.NO:
                return found.domain
            if found.psd is PsdFlag.YES and found.domain != self.start:
                below = found.domain.count(".") + 2
                return ".".join(self.start.split(".")[-below:])
        return self.records[-1].domain if self.records else self.start


def tree_walk(domain: str, lookup: DnsLookup) -> TreeWalk:
    """Walk from ``_dmarc.<domain>`` towards the root (RFC 9989 §4.10).

    At each name, TXT records not starting with ``v=DMARC1`` are dropped and several DMARC
    records are all discarded (step 2); a single record with ``psd=y`` or ``psd=n`` stops
    the walk.

    :raises DnsTemporaryError: when a query gets no answer.
    :raises ValueError: when *domain* is not a domain name.
    """
    start = normalize_domain(domain)
    queried: list[str] = []
    records: list[FoundRecord] = []
    problems: list[str] = []
    for target in tree_walk_targets(start):
        name = f"_dmarc.{target}"
        queried.append(name)
        try:
            texts = [text for text in lookup.txt(name) if is_dmarc_record(text)]
        except NxDomain:
            texts = []
        if len(texts) > 1:
            problems.append(
                f"{name} has {len(texts)} DMARC records: receivers discard all of them "
                "(RFC 9989 §4.10 step 2)"
            )
            continue
        if not texts:
            continue
        found = FoundRecord(target, texts[0], analyze_dmarc_record(texts[0]))
        records.append(found)
        if found.analysis.errors:
            problems.append(f"{name}: " + "; ".join(found.analysis.errors))
        if found.psd in (PsdFlag.YES, PsdFlag.NO):
            break
    return TreeWalk(start, tuple(queried), tuple(records), tuple(problems))


def organizational_domain(name: str, lookup: DnsLookup) -> str:
    """The Organizational Domain of *name* by the Tree Walk (RFC 9989 §4.10.2).

    ``psd=n`` makes its domain the Organizational Domain; ``psd=y`` makes the name one label
    below it one; otherwise the shortest name with a record is; with no record, *name*.

    :raises DnsTemporaryError: when a query gets no answer (no verdict is possible).
    :raises ValueError: when *name* is not a domain name.
    """
    return tree_walk(name, lookup).organizational_domain


def is_aligned(
    domain_a: str, domain_b: str, mode: AlignmentMode, org_domain: Callable[[str], str]
) -> bool:
    """Identifier alignment (RFC 9989 §3.2.10, §4.4): strict means the same name (compared
    case-insensitively); relaxed means the same Organizational Domain, as *org_domain*
    (e.g. ``lambda d: organizational_domain(d, lookup)``) says.

    :raises DnsTemporaryError: from *org_domain* when DNS gives no answer.
    """
    a, b = domain_a.rstrip(".").lower(), domain_b.rstrip(".").lower()
    if a == b:
        return True
    if mode is AlignmentMode.STRICT:
        return False
    return org_domain(a).rstrip(".").lower() == org_domain(b).rstrip(".").lower()


class DiscoveryStatus(enum.StrEnum):
    FOUND = "found"  # a usable record applies
    NONE = "none"  # no record: DMARC does not apply (RFC 9989 §4.10.1)
    INVALID = "invalid"  # the applicable record is unusable: no DMARC processing
    ERROR = "error"  # DNS gave no answer: no verdict


class PolicySource(enum.StrEnum):
    """Which tag of the applied record gives the policy for the name."""

    P = "p"
    SP = "sp"
    NP = "np"


@dataclass(frozen=True)
class DmarcDiscovery:
    """The policy a receiver applies to mail from *domain*, and where it came from."""

    domain: str
    status: DiscoveryStatus
    organizational_domain: str
    record_domain: str | None = None
    record_text: str | None = None
    analysis: DmarcAnalysis | None = None
    policy: Policy | None = None
    policy_source: PolicySource | None = None
    queried: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    error: str | None = None

    @property
    def record(self) -> DmarcRecord | None:
        return self.analysis.record if self.analysis is not None else None

    @property
    def enforced_policy(self) -> Policy | None:
        """*policy*, one level lower under ``t=y`` (RFC 9989 §4.7)."""
        if self.policy is None or self.record is None or not self.record.testing:
            return self.policy
        return _ONE_LEVEL_DOWN.get(self.policy, self.policy)


def _policy_record(walk: TreeWalk, org: str) -> FoundRecord | None:
    # RFC 9989 §4.10.1: the Author Domain's record, else its Organizational Domain's, else
    # its Public Suffix Domain's.
    for candidate in (walk.record_at(walk.start), walk.record_at(org)):
        if candidate is not None:
            return candidate
    return next((found for found in walk.records if found.psd is PsdFlag.YES), None)


def _subdomain_source(domain: str, record: DmarcRecord, lookup: DnsLookup) -> PolicySource:
    """``sp`` for an existing subdomain, ``np`` for a non-existent one (RFC 9989 §4.10.1)."""
    if record.np is None or record.np == record.subdomain_policy:
        return PolicySource.SP  # the answer does not depend on existence: skip the query
    try:
        lookup.a(domain)
    except NxDomain:
        return PolicySource.NP  # RFC 9989 §3.2.13 / RFC 8020: NXDOMAIN means non-existent
    return PolicySource.SP


def discover_policy(domain: str, lookup: DnsLookup) -> DmarcDiscovery:
    """DMARC policy discovery for mail from *domain* (RFC 9989 §4.10.1); never raises.

    The record at ``_dmarc.<domain>`` applies with its ``p``. Otherwise the Tree Walk finds
    the Organizational Domain's record (or the Public Suffix Domain's) and its ``sp`` applies,
    or ``np`` when *domain* does not exist (one A query, only when ``np`` differs). At most
    :data:`MAX_TREE_WALK_QUERIES` ``_dmarc`` queries are made.
    """
    try:
        walk = tree_walk(domain, lookup)
    except (ValueError, DnsTemporaryError) as error:
        return DmarcDiscovery(domain, DiscoveryStatus.ERROR, domain, error=str(error))
    org = walk.organizational_domain
    result = DmarcDiscovery(
        walk.start, DiscoveryStatus.NONE, org, queried=walk.queried, problems=walk.problems
    )
    found = _policy_record(walk, org)
    if found is None:
        return result
    result = replace(
        result,
        status=DiscoveryStatus.INVALID,
        record_domain=found.domain,
        record_text=found.text,
        analysis=found.analysis,
    )
    record = found.analysis.record
    if record is None:
        return result
    try:
        source = (
            PolicySource.P
            if found.domain == walk.start
            else _subdomain_source(walk.start, record, lookup)
        )
    except DnsTemporaryError as error:
        reason = f"cannot tell whether {walk.start} exists (sp= or np=?): {error}"
        return replace(result, status=DiscoveryStatus.ERROR, error=reason)
    policy = {
        PolicySource.P: record.p,
        PolicySource.SP: record.subdomain_policy,
        PolicySource.NP: record.nonexistent_policy,
    }[source]
    return replace(result, status=DiscoveryStatus.FOUND, policy=policy, policy_source=source)
