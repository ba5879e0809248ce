"""A whole run: read every source, skip repeats and reports outside the period, add up rows.

One report is in memory at a time; what stays is per lane, per source IP and per day, plus a
16-byte digest per report for the repeat check — memory follows the number of lanes, IPs and
days seen, not the size of the corpus.
"""

from __future__ import annotations

import datetime
import hashlib
import multiprocessing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sendlanes.reports.attribute import LaneFacts
from sendlanes.reports.containers import (
    ContainerError,
    Limits,
    Rejected,
    SourceReader,
)
from sendlanes.reports.health import DomainHealth, LaneHealth, report_day, utc_iso
from sendlanes.reports.model import Report
from sendlanes.reports.parse import ReportError, parse_report
from sendlanes.reports.walk import input_files, is_mbox


@dataclass(frozen=True)
class Period:
    """Reports count when the middle of their date range falls in [since, until] (UTC days)."""

    since: datetime.date | None = None
    until: datetime.date | None = None

    def holds(self, day: datetime.date) -> bool:
        if self.since is not None and day < self.since:
            return False
        return self.until is None or day <= self.until


@dataclass
class ReportsHealth:
    """Everything a run found, ready for the table, JSON and HTML renderers."""

    lanes: list[LaneHealth]
    unattributed: dict[str, DomainHealth] = field(default_factory=dict)
    read: int = 0
    duplicates: int = 0
    outside_period: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    begin: int | None = None
    end: int | None = None
    period: Period = field(default_factory=Period)

    @property
    def unattributed_messages(self) -> int:
        return sum(domain.tally.messages for domain in self.unattributed.values())

    def to_json(self) -> dict[str, Any]:
        domains = sorted(
            self.unattributed.items(), key=lambda item: (-item[1].tally.messages, item[0])
        )
        return {
            "lanes": [lane.to_json() for lane in self.lanes],
            "unattributed": {
                "messages": self.unattributed_messages,
                "domains": [
                    {
                        "domain": name,
                        **domain.tally.to_json(),
                        "reporters": sorted(domain.reporters),
                        "sources": domain.sources_json()[:10],
                        "source_count": len(domain.sources),
                    }
                    for name, domain in domains
                ],
            },
            "reports": {
                "read": self.read,
                "duplicates": self.duplicates,
                "outside_period": self.outside_period,
                "rejected": [{"file": r.name, "error": r.error} for r in self.rejected],
            },
            "period": {
                "since": self.period.since.isoformat() if self.period.since else None,
                "until": self.period.until.isoformat() if self.period.until else None,
                "begin": utc_iso(self.begin) if self.begin is not None else None,
                "end": utc_iso(self.end) if self.end is not None else None,
            },
        }


class _Run:
    def __init__(self, lanes: Sequence[LaneFacts], period: Period) -> None:
        self.health = ReportsHealth([LaneHealth(facts=lane) for lane in lanes], period=period)
        self.by_fqdn = {
            lane.fqdn: health for lane, health in zip(lanes, self.health.lanes, strict=True)
        }
        self.seen: set[bytes] = set()

    def add_all(self, found: Iterable[Report | Rejected]) -> None:
        for item in found:
            if isinstance(item, Rejected):
                self.health.rejected.append(item)
            else:
                self.add(item)

    def add(self, report: Report) -> None:
        health = self.health
        key = hashlib.blake2b(
            f"{report.org_name}\0{report.report_id}".encode(), digest_size=16
        ).digest()
        if key in self.seen:
            health.duplicates += 1
            return
        self.seen.add(key)
        day = report_day(report)
        if not health.period.holds(day):
            health.outside_period += 1
            return
        health.read += 1
        health.begin = report.begin if health.begin is None else min(health.begin, report.begin)
        health.end = report.end if health.end is None else max(health.end, report.end)
        by_fqdn = self.by_fqdn
        for row in report.rows:
            lane = by_fqdn.get(row.header_from)
            if lane is not None:
                lane.add_lane_row(report, row, day)
                continue
            domain = health.unattributed.get(row.header_from)
            if domain is None:
                domain = health.unattributed[row.header_from] = DomainHealth()
            domain.add(report, row)


def _read_reports(reader: SourceReader, path: Path, maildir: bool) -> Iterator[Report | Rejected]:
    """Every report (or rejection) in one file, parsed, one at a time."""
    name = str(path)
    try:
        for source in reader.read_file(path, maildir=maildir):
            if isinstance(source, Rejected):
                yield source
                continue
            name = source.name
            try:
                report = parse_report(source.chunks)
            except (ReportError, ContainerError) as error:
                yield Rejected(name, str(error))
                continue
            except OSError as error:
                yield Rejected(name, f"cannot read ({error.strerror or error})")
                continue
            yield report
    except Exception as error:  # a hostile file must not end the run
        # Every failure the readers know is reported above; this names the file for one they
        # do not (a bug meeting a new kind of bad input) instead of a traceback.
        yield Rejected(name, f"unreadable ({type(error).__name__}: {str(error)[:120]})")


_worker_reader: SourceReader | None = None


def _worker_start(limits: Limits) -> None:
    global _worker_reader
    _worker_reader = SourceReader(limits)


def _worker_read(task: tuple[Path, bool]) -> tuple[Path, bool, list[Report | Rejected] | None]:
    """In a worker: one file's reports; None for an mbox, which the parent streams itself."""
    path, maildir = task
    if not maildir and is_mbox(path):
        return path, maildir, None  # may hold thousands of reports: not returned in one piece
    assert _worker_reader is not None
    return path, maildir, list(_read_reports(_worker_reader, path, maildir))


def collect_reports(
    paths: Sequence[Path],
    lanes: Sequence[LaneFacts],
    period: Period | None = None,
    limits: Limits | None = None,
    workers: int = 1,
) -> ReportsHealth:
    """Read every report under *paths* and add it up per lane. Never raises for bad input.

    With *workers* > 1, files are parsed by that many processes and added up here in file
    order, so repeats and results do not depend on timing. It is not the default: on this
    project's shared 2-core machines two workers made a 10,000-report run between 39% quicker
    and 44% slower than one (bench/reports.py), always for 25-43% more CPU.
    """
    run = _Run(lanes, period or Period())
    reader = SourceReader(limits)
    files = input_files(paths)  # walked as read: the listing is never held whole
    if workers <= 1:
        for path, maildir in files:
            run.add_all(_read_reports(reader, path, maildir))
        return run.health
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    with context.Pool(workers, initializer=_worker_start, initargs=(reader.limits,)) as pool:
        for path, maildir, found in pool.imap(_worker_read, files, chunksize=16):
            run.add_all(_read_reports(reader, path, maildir) if found is None else found)
    return run.health
