"""Parsing and judging DMARC record text (RFC 9989 §4.7–4.8; RFC 7489 §6.3–6.4 on request).

:func:`analyze_dmarc_record` never raises: it returns every problem at once and the record as
a receiver would apply it (defaults in place of broken tags, or the ``p=none`` fallback of
RFC 9989 §4.10.1). :func:`parse_dmarc_record` returns the record or raises
:class:`DmarcParseError` listing the errors.

RFC 9989 is the default. Its differences from RFC 7489 are reported as warnings, because most
receivers still run RFC 7489 code: ``pct``/``rf``/``ri`` were removed (and are judged by RFC
7489's rules in the warning), ``p`` may be missing (then ``none``) or follow other tags, and
the ``!size`` suffix of report URIs is obsolete. ``DmarcSpec.RFC7489`` judges by RFC 7489.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass, field, replace
from typing import Any

from sendlanes.auth.dmarc_record import (
    AlignmentMode,
    DmarcParseError,
    DmarcRecord,
    FailureOption,
    Policy,
    PsdFlag,
    ReportUri,
    parse_report_uri,
)

_WSP = " \t"
# RFC 9989 §4.8: dmarc-version = "v" equals %s"DMARC1" (tag name case-insensitive, value not).
_VERSION = re.compile(r"[vV][ \t]*=[ \t]*DMARC1(?=[ \t]*(?:;|$))")
_KNOWN_NAME = re.compile(r"[A-Za-z]+")
_OTHER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # RFC 6376 §3.2 tag-name, for unknown tags
_VALUE = re.compile(r"[\x20-\x3a\x3c-\x7e]+")
_LIST_SEP = re.compile(r"[ \t]*,[ \t]*")
_COLON_SEP = re.compile(r"[ \t]*:[ \t]*")
_RI_MAX = 2**32 - 1
_REMOVED_IN_9989 = {"pct": "percentage", "rf": "failure-report format", "ri": "report interval"}


class DmarcSpec(enum.StrEnum):
    """Which specification judges the record."""

    RFC9989 = "rfc9989"
    RFC7489 = "rfc7489"


class DmarcStatus(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"


@dataclass(frozen=True)
class DmarcAnalysis:
    """Verdict on one record.

    *record* is what a receiver applies: None when it ignores the record (not ``v=DMARC1``,
    duplicate tags, or an invalid policy with no usable ``rua``). *downgraded* is True when an
    invalid ``p``/``sp``/``np`` makes receivers act as if ``p=none`` (RFC 9989 §4.10.1).
    """

    status: DmarcStatus
    spec: DmarcSpec
    record: DmarcRecord | None
    downgraded: bool = False
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.errors + self.warnings


def is_dmarc_record(text: str) -> bool:
    """True when *text* starts with ``v=DMARC1`` — how receivers pick DMARC TXT records out of
    all the TXT records at a name (RFC 9989 §4.10 step 2)."""
    return _VERSION.match(text) is not None


@dataclass
class _Reader:
    spec: DmarcSpec
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    record: DmarcRecord = field(default_factory=DmarcRecord)
    bad_policy_tags: list[str] = field(default_factory=list)
    usable_rua: bool = False

    def set(self, name: str, value: Any) -> None:
        # Each caller passes the type its tag's field holds; Any spares a cast per tag.
        self.record = replace(self.record, **{name: value})

    @property
    def bis(self) -> bool:
        return self.spec is DmarcSpec.RFC9989

    def policy(self, name: str, value: str) -> None:
        try:
            self.set(name, Policy(value.lower()))
        except ValueError:
            self.bad_policy_tags.append(name)
            self.errors.append(f"{name}={value} is not none, quarantine or reject ({self.cite})")

    def choice(self, name: str, value: str, enum_type: type[enum.StrEnum]) -> None:
        try:
            self.set(name, enum_type(value.lower()))
        except ValueError:
            allowed = ", ".join(member.value for member in enum_type)
            self.errors.append(f"{name}={value} is not one of {allowed} ({self.cite})")

    def uris(self, name: str, value: str) -> None:
        parsed: list[ReportUri] = []
        for item in _LIST_SEP.split(value):
            try:
                uri = parse_report_uri(item)
            except DmarcParseError as error:
                self.errors.append(f"{name}: {error}")
                continue
            parsed.append(uri)
            if uri.scheme != "mailto":
                self.warnings.append(
                    f"{name}: {uri.uri} is not mailto:; receivers need only support mailto: "
                    f"and ignore other schemes ({self.cite})"
                )
            if uri.size_suffix and self.bis:
                self.warnings.append(
                    f"{name}: size limit '!{uri.size_suffix}' is obsolete; RFC 9989 §4.8 "
                    "reporters ignore it"
                )
        if name == "rua" and parsed:
            self.usable_rua = True
        self.set(name, tuple(parsed))

    def failure_options(self, value: str) -> None:
        words = [word.lower() for word in _COLON_SEP.split(value)]
        bad = [word for word in words if word not in FailureOption.__members__.values()]
        if bad:
            self.errors.append(f"fo={value}: {', '.join(bad)} not 0, 1, d or s ({self.cite})")
            return
        if self.bis and (("0" in words and "1" in words) or len(set(words)) < len(words)):
            # RFC 9989's ABNF: 0 and 1 exclude each other, each option at most once.
            self.errors.append(
                f"fo={value}: 0 and 1 exclude each other and no option may repeat (RFC 9989 §4.8)"
            )
            return
        self.set("fo", tuple(FailureOption(word) for word in dict.fromkeys(words)))

    def removed_tag(self, name: str, value: str) -> None:
        legacy = _legacy_tag_problem(name, value)
        if not self.bis:
            if legacy:
                self.errors.append(legacy)
            return
        message = f"{name}= ({_REMOVED_IN_9989[name]}) was removed in RFC 9989; drop it"
        if legacy:
            message += f", and RFC 7489 receivers reject it: {legacy}"
        self.warnings.append(message)

    @property
    def cite(self) -> str:
        return "RFC 9989 §4.7" if self.bis else "RFC 7489 §6.3"


def _legacy_tag_problem(name: str, value: str) -> str | None:
    """What RFC 7489 §6.3/§6.4 finds wrong with a pct, rf or ri value."""
    if name == "pct" and not (value.isdigit() and int(value) <= 100):
        return f"pct={value} is not an integer 0-100 (RFC 7489 §6.3)"
    if name == "ri" and not (value.isdigit() and int(value) <= _RI_MAX):
        return f"ri={value} is not a 32-bit count of seconds (RFC 7489 §6.3)"
    if name == "rf" and any(f.lower() != "afrf" for f in _COLON_SEP.split(value)):
        return f"rf={value} is not a registered report format (afrf) (RFC 7489 §6.3)"
    return None


def _split(text: str, reader: _Reader) -> list[tuple[str, str]] | None:
    """Tag/value pairs after ``v=DMARC1``, or None when the text is not a tag-list."""
    pairs: list[tuple[str, str]] = []
    specs = text.split(";")[1:]  # [0] is "v=DMARC1" plus optional WSP (checked by _VERSION)
    if specs and not specs[-1].strip(_WSP):
        specs.pop()  # RFC 9989 §4.8: [dmarc-sep] at the end
    for index, spec in enumerate(specs, start=2):
        stripped = spec.strip(_WSP)
        if not stripped:
            reader.warnings.append(
                f"tag {index} is empty (';;'): the record ABNF has no empty tags"
            )
            continue
        name, equals, value = stripped.partition("=")
        name, value = name.rstrip(_WSP), value.lstrip(_WSP)
        if not equals or not _OTHER_NAME.fullmatch(name):
            reader.errors.append(f"tag {index} {stripped[:24]!r} is not name=value (RFC 9989 §4.8)")
        elif not value:
            reader.errors.append(f"{name}= has no value (RFC 9989 §4.8)")
        elif not _VALUE.fullmatch(value):
            bad = sorted({f"U+{ord(c):04X}" for c in value if not _VALUE.fullmatch(c)})
            reader.errors.append(
                f"{name}= holds characters DMARC does not allow ({', '.join(bad)})"
            )
        else:
            pairs.append((name.lower(), value))
    return None if reader.errors else pairs


def _read_tag(reader: _Reader, name: str, value: str) -> None:
    bis = reader.bis
    if name in ("p", "sp") or (name == "np" and bis):
        reader.policy(name, value)
    elif name in ("adkim", "aspf"):
        reader.choice(name, value, AlignmentMode)
    elif name in ("rua", "ruf"):
        reader.uris(name, value)
    elif name == "fo":
        reader.failure_options(value)
    elif name == "t" and bis:
        if value.lower() not in ("y", "n"):
            reader.errors.append(f"t={value} is not y or n (RFC 9989 §4.7)")
        else:
            reader.set("t", value.lower() == "y")
    elif name == "psd" and bis:
        reader.choice(name, value, PsdFlag)
    elif name in _REMOVED_IN_9989:
        reader.removed_tag(name, value)
    elif not _KNOWN_NAME.fullmatch(name) and bis:
        reader.notes.append(f"unknown tag {name}= ignored (RFC 9989 §4.7); names are letters only")
    else:
        reader.notes.append(f"unknown tag {name}= ignored ({reader.cite})")


def _check_p(reader: _Reader, names: list[str]) -> None:
    if "p" not in names:
        if reader.bis:
            reader.warnings.append(
                "p= is missing: receivers treat the record as p=none (RFC 9989 §4.7); "
                "RFC 7489 receivers require p= right after v="
            )
        else:
            reader.bad_policy_tags.append("p")
            reader.errors.append("p= is missing; it is REQUIRED (RFC 7489 §6.3)")
    elif names[0] != "p":
        message = "p= must come right after v= (RFC 7489 §6.3)"
        if reader.bis:
            reader.warnings.append(f"{message}; RFC 9989 allows any order, old receivers do not")
        else:
            reader.errors.append(message)


def _applied(reader: _Reader) -> tuple[DmarcRecord | None, bool]:
    """The record a receiver applies, and whether it fell back to p=none."""
    record = reader.record
    if not reader.bad_policy_tags:
        return record, False
    where = " and ".join(f"{name}=" for name in reader.bad_policy_tags)
    verb = "are" if len(reader.bad_policy_tags) > 1 else "is"
    section = "RFC 9989 §4.10.1" if reader.bis else "RFC 7489 §6.6.3"
    if reader.usable_rua:
        reader.errors.append(
            f"because {where} {verb} invalid, receivers act as if p=none ({section}): "
            "the policy is not enforced"
        )
        return replace(record, p=Policy.NONE), True
    reader.errors.append(
        f"because {where} {verb} invalid and rua= has no valid URI, receivers apply no DMARC "
        f"processing ({section})"
    )
    return None, False


def _has_repeated_tags(pairs: list[tuple[str, str]], reader: _Reader) -> bool:
    every = ["v", *(name for name, _ in pairs)]  # so that a second v= counts as a repeat
    repeated = sorted({name for name in every if every.count(name) > 1})
    if repeated:
        reader.errors.append(
            f"tag {', '.join(repeated)} appears more than once: the record is invalid "
            "(RFC 6376 §3.2 tag-list)"
        )
    if "v" in repeated:
        reader.errors.append("a second v= tag: are two records run together?")
    return bool(repeated)


#: Distinct record texts remembered (every brand has a few).
ANALYSES_KEPT = 4096


@functools.lru_cache(maxsize=ANALYSES_KEPT, typed=True)  # "rfc9989" is not DmarcSpec.RFC9989 here
def analyze_dmarc_record(text: str, spec: DmarcSpec = DmarcSpec.RFC9989) -> DmarcAnalysis:
    """Judge one DMARC record's text; never raises.

    Syntax follows RFC 9989 §4.8 (tag names and keyword values are case-insensitive, the
    ``DMARC1`` version is not; whitespace around ``=``, ``;``, ``,`` and ``:`` is allowed).
    Unknown tags are ignored with a note; a repeated tag invalidates the record (RFC 6376
    §3.2 tag-list rules, which DMARC records follow). The analysis is immutable and
    remembered by text: the lanes of a brand publish the same record again and again.
    """
    reader = _Reader(spec)
    if not is_dmarc_record(text):
        start = text[:24]
        reason = "is empty" if not text.strip() else f"does not start with v=DMARC1 ({start!r})"
        reader.errors.append(
            f"the record {reason}: receivers ignore it (RFC 9989 §4.7; version is case-sensitive)"
        )
        return DmarcAnalysis(DmarcStatus.INVALID, spec, None, errors=tuple(reader.errors))
    pairs = _split(text, reader)
    record: DmarcRecord | None = None
    downgraded = False
    if pairs is not None and not _has_repeated_tags(pairs, reader):
        names = [name for name, _ in pairs]
        for name, value in pairs:
            _read_tag(reader, name, value)
        _check_p(reader, names)
        if "fo" in names and "ruf" not in names:
            reader.notes.append("fo= has no effect without ruf= (RFC 9989 §4.7)")
        # A broken adkim= or URI leaves the rest in force, with defaults (RFC 9989 §4.8).
        record, downgraded = _applied(reader)
    return DmarcAnalysis(
        status=DmarcStatus.INVALID if reader.errors else DmarcStatus.VALID,
        spec=spec,
        record=record,
        downgraded=downgraded,
        errors=tuple(reader.errors),
        warnings=tuple(reader.warnings),
        notes=tuple(reader.notes),
    )


def parse_dmarc_record(text: str, spec: DmarcSpec = DmarcSpec.RFC9989) -> DmarcRecord:
    """Parse a DMARC record that has no errors under *spec*.

    :raises DmarcParseError: listing every error; warnings (removed tags, tag order) do not
        raise.
    """
    analysis = analyze_dmarc_record(text, spec)
    if analysis.errors or analysis.record is None:
        raise DmarcParseError(analysis.errors)
    return analysis.record
