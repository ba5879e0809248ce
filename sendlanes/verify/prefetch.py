"""Asking DNS in waves before the checks run, so the checks read a warm cache.

The plan says which questions every lane's checks will ask first (its records, ``_dmarc``
names of the DMARC Tree Walk, SPF and return-path names). They are sent together, pipelined
(:func:`sendlanes.dns.resolver.prefetch_together`); the answers name the next questions — the end
of a CNAME chain the server did not follow, an SPF record's ``include:`` and ``redirect=``
targets, the hosts of an MX set — which make the next wave, until no new question appears.
The checks then run against the run's cache; anything the waves did not foresee is asked
when a check needs it, so the waves change how fast a run is, never what it finds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from sendlanes.auth.dmarc import analyze_dmarc_record, is_dmarc_record, tree_walk_targets
from sendlanes.auth.spf import MechanismKind, SpfSyntaxError, is_spf_record, parse_spf_record
from sendlanes.auth.spf_macro import MacroString, expand_domain
from sendlanes.dns.resolver import DnsAnswer, DnsError, Question
from sendlanes.lanes.records import Purpose, RecordSpec, RecordType
from sendlanes.plan.model import BrandPlan, LanePlan
from sendlanes.verify.auth import spf_domains
from sendlanes.verify.records import PROBE_TYPES

#: Waves after the first; SPF include chains deeper than this are asked when checked.
MAX_WAVES = 8

Outcomes = Mapping[Question, DnsAnswer | DnsError]
Prefetch = Callable[[Iterable[Question]], Outcomes]


def lane_questions(lane: LanePlan) -> Iterator[Question]:
    """The first questions *lane*'s checks ask."""
    yield from _record_questions(lane.records)
    yield (lane.fqdn, "TXT")
    yield from ((domain, "TXT") for domain in spf_domains(lane))
    yield from ((f"_dmarc.{name}", "TXT") for name in tree_walk_targets(lane.fqdn.lower()))


def brand_questions(brand: BrandPlan) -> Iterator[Question]:
    yield from _record_questions(brand.records)
    yield from ((f"_dmarc.{name}", "TXT") for name in tree_walk_targets(brand.domain.lower()))


def _record_questions(records: Sequence[RecordSpec]) -> Iterator[Question]:
    for record in records:
        if record.type is RecordType.CNAME:
            yield (record.name, PROBE_TYPES.get(record.purpose, "CNAME"))
        else:
            yield (record.name, str(record.type))
        if record.purpose is Purpose.RETURN_PATH:
            yield (record.name, "MX")


def follow_ups(outcomes: Outcomes) -> set[Question]:
    """The questions the answers in *outcomes* lead to."""
    found: set[Question] = set()
    for (name, rdtype), outcome in outcomes.items():
        if not isinstance(outcome, DnsAnswer):
            continue
        if outcome.aliases and not outcome.records and rdtype != "CNAME":
            found.add((outcome.aliases[-1], rdtype))
        if rdtype == "TXT":
            for text in outcome.records:
                if is_spf_record(text):
                    found.update(_spf_targets(text, name))
                elif name.startswith("_dmarc.") and is_dmarc_record(text):
                    found.update(_report_authorization(text, name.removeprefix("_dmarc.")))
        elif rdtype == "MX":
            for text in outcome.records:
                host = text.partition(" ")[2]
                if host not in ("", "."):
                    found.add((host, "A"))
            if not outcome.records:
                found.add((name, "A"))  # no MX: mail goes to the address (RFC 5321 §5.1)
    return found


def _report_authorization(text: str, domain: str) -> Iterator[Question]:
    """The RFC 9990 §3 authorization records a DMARC record's report addresses need.

    Only for destinations outside *domain*'s own tree: a parent or child is almost always
    the same organization, and the check asks then if the Tree Walk says otherwise.
    """
    record = analyze_dmarc_record(text).record
    if record is None:
        return
    for uri in (*record.rua, *record.ruf):
        target = uri.domain
        if target is None or target == domain:
            continue
        if domain.endswith(f".{target}") or target.endswith(f".{domain}"):
            continue
        yield (f"{domain}._report._dmarc.{target}", "TXT")
        yield from ((f"_dmarc.{name}", "TXT") for name in tree_walk_targets(target))


def _spf_targets(text: str, domain: str) -> Iterator[Question]:
    """What evaluating the SPF record *text* of *domain* asks first (RFC 7208 §5)."""
    try:
        record = parse_spf_record(text)
    except SpfSyntaxError:
        return
    for mechanism in record.reachable_mechanisms:
        target = _expanded(mechanism.target, domain)
        if target is None:
            continue
        if mechanism.kind is MechanismKind.INCLUDE:
            yield (target, "TXT")
        elif mechanism.kind is MechanismKind.MX:
            yield (target, "MX")
        elif mechanism.kind in (MechanismKind.A, MechanismKind.EXISTS):
            yield (target, "A")
    redirect = record.effective_redirect
    if redirect is not None:
        target = _expanded(redirect.value, domain)
        if target is not None:
            yield (target, "TXT")


def _expanded(spec: MacroString | None, domain: str) -> str | None:
    if spec is None:
        return domain
    if spec.letters - {"d"}:
        return None  # depends on the message: nothing to ask ahead
    try:
        return expand_domain(spec, lambda _letter: domain)
    except ValueError:
        return None


def warm(
    prefetch: Prefetch,
    questions: Iterable[Question],
    *,
    on_wave: Callable[[int, int], None] | None = None,
) -> int:
    """Ask *questions*, then what their answers lead to, wave by wave; return the count.

    *on_wave* is called with (wave number, questions in it) before each wave is sent.
    """
    asked: set[Question] = set()
    wave = list(dict.fromkeys((n.rstrip(".").lower(), t) for n, t in questions))
    for number in range(1, MAX_WAVES + 2):
        wave = [question for question in wave if question not in asked]
        if not wave:
            break
        if on_wave is not None:
            on_wave(number, len(wave))
        asked.update(wave)
        wave = sorted(follow_ups(prefetch(wave)))
    return len(asked)
