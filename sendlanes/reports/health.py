"""Per-lane sums of report rows: counts, sources, days and findings (messages, not rows)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from sendlanes.reports.attribute import FindingKind, LaneFacts, row_findings
from sendlanes.reports.model import Report, Row

DISPOSITION_KEYS = ("none", "quarantine", "reject")
MAX_LISTED_SOURCES = 10


def utc_iso(seconds: int) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def report_day(report: Report) -> datetime.date:
    """The UTC day a report counts for: the one holding the middle of its date range."""
    return datetime.datetime.fromtimestamp(report.midpoint, datetime.UTC).date()


@dataclass
class Tally:
    """Message counts (summed ``<count>``) for some slice of rows."""

    messages: int = 0
    dmarc_pass: int = 0
    spf_aligned: int = 0
    dkim_aligned: int = 0
    dispositions: dict[str, int] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        count = row.messages
        self.messages += count
        if row.spf == "pass":
            self.spf_aligned += count
            self.dmarc_pass += count
            if row.dkim == "pass":
                self.dkim_aligned += count
        elif row.dkim == "pass":
            self.dkim_aligned += count
            self.dmarc_pass += count
        dispositions = self.dispositions
        dispositions[row.disposition] = dispositions.get(row.disposition, 0) + count

    def rate(self, part: int) -> float | None:
        return part / self.messages if self.messages else None

    def to_json(self) -> dict[str, Any]:
        dispositions = {key: self.dispositions.get(key, 0) for key in DISPOSITION_KEYS}
        dispositions.update(sorted(self.dispositions.items()))
        return {
            "messages": self.messages,
            "dmarc_pass": self.dmarc_pass,
            "spf_aligned": self.spf_aligned,
            "dkim_aligned": self.dkim_aligned,
            "dispositions": dispositions,
        }


@dataclass
class FindingTally:
    messages: int = 0
    sources: dict[str, int] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.messages += row.messages
        self.sources[row.source_ip] = self.sources.get(row.source_ip, 0) + row.messages


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    value: str | None
    messages: int
    sources: tuple[str, ...]  # most messages first, at most MAX_LISTED_SOURCES
    source_count: int
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "finding": str(self.kind),
            "value": self.value,
            "messages": self.messages,
            "sources": list(self.sources),
            "source_count": self.source_count,
            "message": self.message,
        }


def _finding_text(
    lane: LaneFacts, kind: FindingKind, value: str | None, tally: FindingTally
) -> str:
    n = tally.messages
    if kind is FindingKind.DKIM_UNALIGNED_SIGNER:
        return (
            f"{n} messages passed DKIM only as d={value}, which is not aligned with "
            f"{lane.fqdn}: the sender signs with its own domain, not the lane's"
        )
    if kind is FindingKind.DKIM_UNKNOWN_SELECTOR:
        declared = ", ".join(sorted(lane.selectors)) or "none"
        return (
            f"{n} messages signed for {lane.fqdn} with selector {value}, which the lane "
            f"does not declare (declared: {declared})"
        )
    if kind is FindingKind.ENVELOPE_NOT_RETURN_PATH:
        return (
            f"{n} messages had envelope domain {value}, not the lane's return-path "
            f"{lane.return_path}"
        )
    return (
        f"{n} messages from {len(tally.sources)} source IPs failed both SPF and DKIM "
        f"alignment: spoofing, or a sender that is in no lane"
    )


@dataclass
class DomainHealth:
    """Counts for rows of one ``header_from`` domain (a lane's, or unattributed)."""

    tally: Tally = field(default_factory=Tally)
    sources: dict[str, Tally] = field(default_factory=dict)
    reporters: set[str] = field(default_factory=set)
    begin: int | None = None
    end: int | None = None

    def add(self, report: Report, row: Row) -> None:
        self.tally.add(row)
        source = self.sources.get(row.source_ip)
        if source is None:
            source = self.sources[row.source_ip] = Tally()
        source.add(row)
        self.reporters.add(report.org_name)
        self.begin = report.begin if self.begin is None else min(self.begin, report.begin)
        self.end = report.end if self.end is None else max(self.end, report.end)

    def period_json(self) -> dict[str, str] | None:
        if self.begin is None or self.end is None:
            return None
        return {"begin": utc_iso(self.begin), "end": utc_iso(self.end)}

    def sources_json(self) -> list[dict[str, Any]]:
        ordered = sorted(self.sources.items(), key=lambda item: (-item[1].messages, item[0]))
        return [{"ip": ip, **tally.to_json()} for ip, tally in ordered]


@dataclass
class LaneHealth(DomainHealth):
    facts: LaneFacts | None = None
    daily: dict[datetime.date, Tally] = field(default_factory=dict)
    finding_tallies: dict[tuple[FindingKind, str | None], FindingTally] = field(
        default_factory=dict
    )

    def add_lane_row(self, report: Report, row: Row, day: datetime.date) -> None:
        assert self.facts is not None
        self.add(report, row)
        daily = self.daily.get(day)
        if daily is None:
            daily = self.daily[day] = Tally()
        daily.add(row)
        for kind, value in row_findings(self.facts, row):
            key = (kind, None if kind is FindingKind.FAILING_BOTH else value)
            tally = self.finding_tallies.get(key)
            if tally is None:
                tally = self.finding_tallies[key] = FindingTally()
            tally.add(row)

    def findings(self) -> list[Finding]:
        assert self.facts is not None
        found = []
        for (kind, value), tally in self.finding_tallies.items():
            ranked = sorted(tally.sources.items(), key=lambda item: (-item[1], item[0]))
            found.append(
                Finding(
                    kind,
                    value,
                    tally.messages,
                    tuple(ip for ip, _ in ranked[:MAX_LISTED_SOURCES]),
                    len(ranked),
                    _finding_text(self.facts, kind, value, tally),
                )
            )
        weight = list(FindingKind)
        found.sort(key=lambda f: (-f.messages, weight.index(f.kind), f.value or ""))
        return found

    def to_json(self) -> dict[str, Any]:
        facts = self.facts
        assert facts is not None
        return {
            "brand": facts.brand,
            "lane": facts.lane,
            "kind": facts.kind,
            "fqdn": facts.fqdn,
            "provider": facts.provider,
            **self.tally.to_json(),
            "reporters": sorted(self.reporters),
            "period": self.period_json(),
            "sources": self.sources_json(),
            "daily": [
                {"date": day.isoformat(), **tally.to_json()}
                for day, tally in sorted(self.daily.items())
            ],
            "findings": [finding.to_json() for finding in self.findings()],
        }
