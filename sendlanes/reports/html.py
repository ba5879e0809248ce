"""One self-contained HTML page: per lane, the daily volume and pass rates as an inline SVG.

No scripts, no fonts, no images, nothing fetched: a Content-Security-Policy of
``default-src 'none'`` says so to the browser too. Everything from a report (org names,
domains, file names) is escaped — reports are written by strangers.
"""

from __future__ import annotations

from html import escape

from sendlanes.reports.collect import ReportsHealth
from sendlanes.reports.health import LaneHealth, Tally

_WIDTH, _HEIGHT, _PAD = 720, 220, 40
_SERIES = (
    ("DMARC pass", "dmarc_pass", "#1b7f3b"),
    ("SPF aligned", "spf_aligned", "#1f5fbf"),
    ("DKIM aligned", "dkim_aligned", "#b8620b"),
)
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:60em}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:.2em .5em;
text-align:right}td:first-child,th:first-child{text-align:left}h2{margin-top:2em}
.bad{color:#a00}.muted{color:#777}svg{background:#fafafa;border:1px solid #ddd}
"""


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _chart(lane: LaneHealth) -> str:
    days = sorted(lane.daily.items())
    if not days:
        return '<p class="muted">No traffic in the period.</p>'
    inner_w, inner_h = _WIDTH - 2 * _PAD, _HEIGHT - 2 * _PAD
    step = inner_w / len(days)
    peak = max(tally.messages for _, tally in days) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" aria-label="daily volume and pass rates">'
    ]
    for index, (day, tally) in enumerate(days):
        height = inner_h * tally.messages / peak
        x = _PAD + index * step
        parts.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{_PAD + inner_h - height:.1f}" '
            f'width="{step * 0.8:.1f}" height="{height:.1f}" fill="#d0d7e2">'
            f"<title>{day.isoformat()}: {tally.messages} messages</title></rect>"
        )
    for label, attribute, colour in _SERIES:
        points = []
        for index, (_, tally) in enumerate(days):
            rate = getattr(tally, attribute) / tally.messages if tally.messages else 0.0
            points.append(f"{_PAD + (index + 0.5) * step:.1f},{_PAD + inner_h * (1 - rate):.1f}")
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
            f'stroke-width="2"><title>{label}</title></polyline>'
        )
        parts.extend(  # a dot per day, so a single day still shows
            f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>'
            for x, y in (point.split(",") for point in points)
        )
    parts.append(
        f'<text x="{_PAD}" y="{_PAD - 8}" font-size="11">100%</text>'
        f'<text x="{_PAD}" y="{_HEIGHT - _PAD + 14}" font-size="11">{days[0][0].isoformat()}</text>'
        f'<text x="{_WIDTH - _PAD}" y="{_HEIGHT - _PAD + 14}" font-size="11" '
        f'text-anchor="end">{days[-1][0].isoformat()}</text>'
        f'<text x="{_WIDTH - _PAD}" y="{_PAD - 8}" font-size="11" text-anchor="end">'
        f"bars: messages (peak {peak}/day)</text>"
    )
    for position, (label, _, colour) in enumerate(_SERIES):
        parts.append(
            f'<text x="{_PAD + 130 * position + 60}" y="{_PAD - 8}" font-size="11" '
            f'fill="{colour}">— {label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _tally_cells(tally: Tally) -> str:
    m = tally.messages
    return (
        f"<td>{m}</td><td>{_percent(tally.dmarc_pass, m)}</td>"
        f"<td>{_percent(tally.spf_aligned, m)}</td><td>{_percent(tally.dkim_aligned, m)}</td>"
    )


def _lane_section(lane: LaneHealth) -> str:
    facts = lane.facts
    assert facts is not None
    out = [
        f"<h2>{escape(facts.key)} <small class=muted>{escape(facts.kind)} · "
        f"{escape(facts.fqdn)} · {escape(facts.provider)}</small></h2>",
        _chart(lane),
    ]
    findings = lane.findings()
    if findings:
        out.append("<ul>")
        out.extend(
            f'<li class="bad"><b>{escape(str(f.kind))}</b>: {escape(f.message)}'
            f"{' (' + escape(', '.join(f.sources)) + ')' if f.sources else ''}</li>"
            for f in findings
        )
        out.append("</ul>")
    if lane.sources:
        out.append(
            "<table><tr><th>source IP</th><th>messages</th><th>DMARC pass</th>"
            "<th>SPF aligned</th><th>DKIM aligned</th></tr>"
        )
        ranked = sorted(lane.sources.items(), key=lambda item: (-item[1].messages, item[0]))
        out.extend(f"<tr><td>{escape(ip)}</td>{_tally_cells(t)}</tr>" for ip, t in ranked[:20])
        out.append("</table>")
        if lane.reporters:
            out.append(
                f"<p class=muted>Reported by {escape(', '.join(sorted(lane.reporters)))}</p>"
            )
    return "\n".join(out)


def render_page(health: ReportsHealth) -> str:
    """The whole page as one string."""
    summary = [
        "<table><tr><th>lane</th><th>kind</th><th>messages</th><th>DMARC pass</th>"
        "<th>SPF aligned</th><th>DKIM aligned</th></tr>"
    ]
    for lane in health.lanes:
        assert lane.facts is not None
        summary.append(
            f"<tr><td>{escape(lane.facts.key)}</td><td>{escape(lane.facts.kind)}</td>"
            f"{_tally_cells(lane.tally)}</tr>"
        )
    summary.append("</table>")
    period = health.to_json()["period"]
    body = [
        "<h1>Lane health from DMARC aggregate reports</h1>",
        f"<p>{health.read} reports read, {health.duplicates} repeats skipped, "
        f"{health.outside_period} outside the period, {len(health.rejected)} rejected"
        + (f"; {escape(period['begin'])} to {escape(period['end'])}" if period["begin"] else "")
        + ".</p>",
        *summary,
        *(_lane_section(lane) for lane in health.lanes),
    ]
    if health.unattributed:
        body.append(f"<h2>Unattributed ({health.unattributed_messages} messages)</h2><table>")
        body.append(
            "<tr><th>header_from</th><th>messages</th><th>DMARC pass</th><th>SPF aligned</th>"
            "<th>DKIM aligned</th></tr>"
        )
        ordered = sorted(health.unattributed.items(), key=lambda i: (-i[1].tally.messages, i[0]))
        body.extend(f"<tr><td>{escape(d)}</td>{_tally_cells(h.tally)}</tr>" for d, h in ordered)
        body.append("</table>")
    if health.rejected:
        body.append(f"<h2>Rejected files ({len(health.rejected)})</h2><ul>")
        body.extend(
            f"<li>{escape(r.name)}: <span class=bad>{escape(r.error)}</span></li>"
            for r in health.rejected
        )
        body.append("</ul>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">"
        "<title>sendlanes reports</title>"
        f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
