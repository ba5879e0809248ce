"""Declared against published: one ``record`` check per RecordSpec, ``extra-record`` checks.

Records are compared the way receivers read them, not by bytes: SPF terms case-insensitively
(RFC 7208 §4.6.1), DMARC and DKIM tag lists as tag→value maps (RFC 9989 §4.8, RFC 6376 §3.2:
whitespace around tags is insignificant), names without case or the trailing dot. What
receivers do not fold is not folded: a published record whose version does not open it
exactly as receivers require (``v=spf1`` at the very start, RFC 7208 §4.5; ``v=DMARC1``
first and in that case, RFC 7489 §6.3 and RFC 9989 §4.8; ``v=DKIM1`` first when present,
RFC 6376 §3.6.1) is ignored by them, so it never matches the plan. A pass quotes the record
as published. A TXT record of a kind the plan does not publish at that
name (a site-verification token) is left alone; a second record of a kind that must be unique
(SPF, DMARC, a DKIM key) is a failure.

CNAME records are probed with the type they are used for (TXT for a DKIM delegation, MX for a
return path, A for link tracking): the answer shows the CNAME and primes the run's cache for
the checks that follow it, so nothing is asked twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sendlanes.auth.dmarc import is_dmarc_record
from sendlanes.auth.spf import is_spf_record
from sendlanes.dns.resolver import (
    AnswerLookup,
    DnsAnswer,
    DnsTemporaryError,
    NxDomain,
)
from sendlanes.lanes.records import Purpose, RecordSpec, RecordType
from sendlanes.verify.model import Check, CheckKind, CheckStatus, error_check

#: The question that shows a CNAME of this purpose and also serves the checks that follow it.
PROBE_TYPES = {
    Purpose.DKIM: "TXT",
    Purpose.RETURN_PATH: "MX",
    Purpose.TRACKING: "A",
    Purpose.CUSTOMERIO_TRACKING: "A",
}

#: TXT kinds of which a name may hold one only, and why a second one breaks it.
UNIQUE_KINDS = {
    "spf": "receivers return permerror for a name with two SPF records (RFC 7208 §4.5)",
    "dmarc": "receivers discard every DMARC record at a name that has several "
    "(RFC 9989 §4.10 step 2)",
    "dkim": "a verifier may use either key; signatures made with the other fail "
    "(RFC 6376 §3.6.2.2)",
}

_KIND_OF_PURPOSE = {Purpose.SPF: "spf", Purpose.DMARC: "dmarc", Purpose.DKIM: "dkim"}

#: Texts a person meant as SPF or DMARC records, whatever receivers make of them.
_SPF_LIKE = re.compile(r"\s*v\s*=\s*spf1", re.IGNORECASE)
_DMARC_LIKE = re.compile(r"\s*v\s*=\s*dmarc1", re.IGNORECASE)


def record_checks(records: Sequence[RecordSpec], lookup: AnswerLookup) -> list[Check]:
    """A ``record`` check per declared record and ``extra-record`` checks, in record order."""
    groups: dict[tuple[str, RecordType], list[RecordSpec]] = {}
    for record in records:
        groups.setdefault((record.name.lower(), record.type), []).append(record)
    checks: list[Check] = []
    for (name, rtype), specs in groups.items():
        if rtype is RecordType.TXT:
            checks += _txt_group(name, specs, lookup)
        elif rtype is RecordType.MX:
            checks += _mx_group(name, specs, lookup)
        else:
            checks += [_cname_check(spec, lookup) for spec in specs]
    return checks


def undeclared_txt_check(name: str, lookup: AnswerLookup) -> Check | None:
    """A ``warn`` when *name* (where the plan publishes no TXT) has SPF or DMARC records.

    Someone added them by hand; they are not what the plan manages. NXDOMAIN, NODATA and
    unrelated TXT records are fine (None); a failed look-up is an ``error``.
    """
    try:
        published = lookup.answer(name, "TXT").records
    except NxDomain:
        return None
    except DnsTemporaryError as error:
        return error_check(CheckKind.EXTRA_RECORD, f"TXT {name}", error)
    found = [text for text in published if _published_kind(text, name) in UNIQUE_KINDS]
    if not found:
        return None
    return Check(
        CheckKind.EXTRA_RECORD,
        f"TXT {name}",
        CheckStatus.WARN,
        f"published but not in the plan: {_quoted(found)}",
    )


# -- TXT ----------------------------------------------------------------------------------


def _declared_kind(record: RecordSpec) -> str:
    return _KIND_OF_PURPOSE.get(record.purpose, "other")


def _published_kind(text: str, name: str) -> str:
    if is_spf_record(text):
        return "spf"
    if name.startswith("_dmarc.") and is_dmarc_record(text):
        return "dmarc"
    if "._domainkey." in f".{name}":
        return "dkim"
    return "other"


def _tags(text: str, *, fold_values: bool) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in text.split(";"):
        tag, equals, value = part.partition("=")
        if not equals:
            continue
        compact = "".join(value.split())
        tags[tag.strip().lower()] = compact.lower() if fold_values else compact
    return tags


def ignored_by_receivers(kind: str, text: str) -> str | None:
    """Why receivers ignore *text* as a record of *kind* although it looks like one (its
    version tag is not exactly where and what they require), or None."""
    if kind == "spf" and _SPF_LIKE.match(text) and not is_spf_record(text):
        return (
            'receivers ignore it: an SPF record starts with exactly "v=spf1" followed by a '
            "space or its end, with nothing before it (RFC 7208 §4.5)"
        )
    if kind == "dmarc" and _DMARC_LIKE.match(text) and not is_dmarc_record(text):
        return (
            'receivers ignore it: the first tag must be exactly "v=DMARC1", case included '
            "(RFC 7489 §6.3, RFC 9989 §4.8)"
        )
    if kind == "dkim":
        tags = list(_tags(text, fold_values=False).items())
        version = dict(tags).get("v")
        if version is not None and (tags[0][0] != "v" or version != "DKIM1"):
            return (
                'receivers discard it: "v=DKIM1" must be the first tag when present, '
                "case included (RFC 6376 §3.6.1)"
            )
    return None


def same_txt(kind: str, published: str, declared: str) -> bool:
    """Do two TXT values of *kind* mean the same to a receiver?"""
    if ignored_by_receivers(kind, published) is not None:
        return False
    if (kind == "spf" and not is_spf_record(published)) or (
        kind == "dmarc" and not is_dmarc_record(published)
    ):
        return False  # receivers do not see it as a record of that kind at all
    if published == declared:
        return True  # published exactly as planned: the common case, whatever the kind
    if kind == "spf":
        return published.lower().split() == declared.lower().split()
    if kind in ("dmarc", "dkim"):
        fold = kind == "dmarc"
        return _tags(published, fold_values=fold) == _tags(declared, fold_values=fold)
    return published.strip() == declared.strip()


def _published(
    name: str, rdtype: str, specs: Sequence[RecordSpec], lookup: AnswerLookup
) -> DnsAnswer | list[Check]:
    """The answer for *name*/*rdtype*, or one check per declared record when there is none:
    the name does not exist, cannot be asked, or is a CNAME (which may hold nothing else)."""
    label = f"{rdtype} {name}"
    try:
        answer = lookup.answer(name, rdtype)
    except NxDomain as error:
        if error.name.lower() != name:
            reason = f"{name} is a CNAME whose target does not exist ({error})"
        else:
            reason = f"missing: {name} does not exist (NXDOMAIN)"
        return [_fail(label, reason) for _ in specs]
    except DnsTemporaryError as error:
        return [error_check(CheckKind.RECORD, label, error) for _ in specs]
    if answer.aliases:
        reason = f"{name} is a CNAME to {answer.aliases[0]}; the plan publishes {rdtype} here"
        return [_fail(label, reason) for _ in specs]
    return answer


def _txt_group(name: str, specs: Sequence[RecordSpec], lookup: AnswerLookup) -> list[Check]:
    answer = _published(name, "TXT", specs, lookup)
    if not isinstance(answer, DnsAnswer):
        return answer  # the name cannot hold the declared records: one verdict per record
    published = answer.records
    checks = [_txt_check(spec, published, name) for spec in specs]
    extra = _txt_extras(name, specs, published)
    return checks + ([extra] if extra is not None else [])


def _txt_check(spec: RecordSpec, published: Sequence[str], name: str) -> Check:
    label = f"TXT {name}"
    kind = _declared_kind(spec)
    matching = [text for text in published if same_txt(kind, text, spec.content)]
    if matching:
        return Check(CheckKind.RECORD, label, CheckStatus.PASS, f"published: {_quoted(matching)}")
    ignored = [(text, ignored_by_receivers(kind, text)) for text in published]
    near = [(text, reason) for text, reason in ignored if reason is not None]
    if near:
        text, reason = near[0]
        return _fail(label, f"different: published {_quoted([text])}, {reason}")
    same_kind = [text for text in published if _published_kind(text, name) == kind]
    if kind == "other":
        same_kind = list(published)
    if same_kind:
        return _fail(
            label,
            f"different: published {_quoted(same_kind)}, the plan has {_quoted([spec.content])}",
        )
    others = f" ({len(published)} other TXT record(s))" if published else " (no TXT records)"
    return _fail(label, f"missing: no {_kind_name(kind)} record{others}")


def _txt_extras(name: str, specs: Sequence[RecordSpec], published: Sequence[str]) -> Check | None:
    declared_kinds = {_declared_kind(spec) for spec in specs}
    unmatched = [
        text
        for text in published
        if not any(same_txt(_declared_kind(s), text, s.content) for s in specs)
    ]
    failures: list[str] = []
    warnings: list[str] = []
    for kind, reason in UNIQUE_KINDS.items():
        extra = [text for text in unmatched if _published_kind(text, name) == kind]
        if not extra:
            continue
        kind_count = sum(1 for text in published if _published_kind(text, name) == kind)
        if kind in declared_kinds and kind_count > 1:
            failures.append(f"{kind_count} {_kind_name(kind)} records ({_quoted(extra)}): {reason}")
        elif kind not in declared_kinds:
            warnings.append(f"published but not in the plan: {_quoted(extra)}")
    if failures:
        return Check(CheckKind.EXTRA_RECORD, f"TXT {name}", CheckStatus.FAIL, "; ".join(failures))
    if warnings:
        return Check(CheckKind.EXTRA_RECORD, f"TXT {name}", CheckStatus.WARN, "; ".join(warnings))
    return None


# -- MX -----------------------------------------------------------------------------------


def _mx_group(name: str, specs: Sequence[RecordSpec], lookup: AnswerLookup) -> list[Check]:
    answer = _published(name, "MX", specs, lookup)
    if not isinstance(answer, DnsAnswer):
        return answer  # the name cannot hold the declared records: one verdict per record
    label = f"MX {name}"
    published = [_mx_pair(text) for text in answer.records]
    checks: list[Check] = []
    declared: set[tuple[int, str]] = set()
    for spec in specs:
        wanted = (spec.priority if spec.priority is not None else 10, _host(spec.content))
        declared.add(wanted)
        if wanted in published:
            checks.append(Check(CheckKind.RECORD, label, CheckStatus.PASS, _mx_text([wanted])))
        elif any(host == wanted[1] for _, host in published):
            shown = _mx_text(p for p in published if p[1] == wanted[1])
            checks.append(_fail(label, f"different preference: {shown}, the plan has {wanted[0]}"))
        elif published:
            shown = _mx_text(published)
            checks.append(_fail(label, f"different: published {shown}, the plan has {wanted[1]}"))
        else:
            checks.append(_fail(label, f"missing: {name} has no MX records"))
    extra = [pair for pair in published if pair[1] not in {host for _, host in declared}]
    if extra:
        detail = f"MX hosts not in the plan: {_mx_text(extra)} (bounces may be delivered there)"
        checks.append(Check(CheckKind.EXTRA_RECORD, label, CheckStatus.WARN, detail))
    return checks


def _mx_pair(text: str) -> tuple[int, str]:
    preference, _, host = text.partition(" ")
    return int(preference), _host(host)


def _mx_text(pairs: Iterable[tuple[int, str]]) -> str:
    return ", ".join(f"{preference} {host}" for preference, host in pairs)


# -- CNAME --------------------------------------------------------------------------------


def _cname_check(spec: RecordSpec, lookup: AnswerLookup) -> Check:
    """The CNAME at the record's name, read through the question its purpose asks (which
    follows the chain); when that question fails (the target's servers, a broken chain), the
    CNAME is read on its own. Details name the CNAME, never the probe's type."""
    name = spec.name.lower()
    label = f"CNAME {name}"
    wanted = _host(spec.content)
    probe = PROBE_TYPES.get(spec.purpose, "CNAME")
    answer: DnsAnswer | None = None
    try:
        answer = lookup.answer(name, probe)
        target = answer.aliases[0] if answer.aliases else None
    except NxDomain as error:
        if error.name.lower() == name:
            return _fail(label, f"missing: {name} does not exist (NXDOMAIN)")
        target = None  # the chain exists and ends nowhere: read the CNAME itself
    except DnsTemporaryError:
        # The question through the chain failed (often past the CNAME: the target's servers,
        # a chain too long): the CNAME itself may still be readable, and is what is checked.
        target = None
    if answer is None:
        try:
            target = lookup.cname(name)
        except NxDomain:
            return _fail(label, f"missing: {name} does not exist (NXDOMAIN)")
        except DnsTemporaryError as inner:
            return error_check(CheckKind.RECORD, label, f"{name} CNAME: {inner.reason}")
    if target is None:
        held = f" (it has {len(answer.records)} {probe} record(s))" if answer else ""
        return _fail(label, f"missing: {name} has no CNAME{held}; the plan has → {wanted}")
    if _host(target) != wanted:
        return _fail(label, f"points to {_host(target)}, the plan has {wanted}")
    return Check(CheckKind.RECORD, label, CheckStatus.PASS, f"→ {wanted}")


# -- wording ------------------------------------------------------------------------------


def _fail(label: str, detail: str) -> Check:
    return Check(CheckKind.RECORD, label, CheckStatus.FAIL, detail)


def _host(name: str) -> str:
    return name.rstrip(".").lower()


def _kind_name(kind: str) -> str:
    return {"spf": "SPF", "dmarc": "DMARC", "dkim": "DKIM key", "other": "such"}[kind]


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else f"{text[: width // 2]}…{text[-(width // 2) + 1 :]}"


def _quoted(texts: Sequence[str]) -> str:
    return ", ".join(f'"{_short(text)}"' for text in texts)
