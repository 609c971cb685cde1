"""The HTML overview of a scan: one self-contained page (no script, no network), drawn as inline SVG.

Top: failed connections per window over the whole period, incidents shaded behind. Below: one row per
signature (rule), one cell per window, darker where it fired more. Then the incidents with the command
that re-analyses each one. Every string that comes from logs goes through :func:`safe.html_text`.
"""

from __future__ import annotations

import base64
import hashlib
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from analyzer.report.json_report import iso
from analyzer.report.safe import html_text

if TYPE_CHECKING:
    from analyzer.scan.pipeline import ScanResult

_WIDTH = 1100
_LABEL = 190
_ROW = 16
_BARS = 90
_COLOR = {"critical": "#b91c1c", "high": "#dc2626", "medium": "#d97706", "low": "#0891b2", "info": "#6b7280"}
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#111;max-width:1200px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
.muted{color:#555} table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #ddd;padding:4px 6px;
text-align:left;vertical-align:top} th{background:#f5f5f5} code{font:12px ui-monospace,monospace;background:#f5f5f5;
padding:1px 3px;word-break:break-all} .sev{color:#fff;padding:1px 6px;border-radius:3px;font-size:12px}
svg text{font:11px system-ui,sans-serif;fill:#333}
"""


# Nothing may be fetched or run, even by a string that escaped escaping: the one style sheet by its hash.
_CSP = (
    "default-src 'none'; style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(_CSS.encode("utf-8")).digest()).decode("ascii")
    + "'; img-src 'none'; base-uri 'none'; form-action 'none'"
)


def render_scan_html(result: ScanResult) -> str:
    """The whole page."""
    start, end = result.period
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        "<title>wsdiag scan</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>wsdiag scan</h1>",
    ]
    out += [f"<p><strong>Not read:</strong> {html_text(gap)}</p>" for gap in result.gaps]
    if start is None or end is None:
        out += ['<p class="muted">No dated events were found.</p>', "</body></html>"]
        return "\n".join(out)
    failed = sum(w.failed for w in result.windows)
    out.append(
        f'<p class="muted">{html_text(iso(start) or "")} → {html_text(iso(end) or "")}: '
        f"{result.events} events, {result.connections} connections, {failed} failed, "
        f"{len(result.incidents)} incident(s).</p>"
    )
    out.append("<h2>Failures over time</h2>")
    out.append(_timeline(result, start, end))
    out.append(_incidents(result))
    out.append(_problems(result))
    out.append("</body></html>")
    return "\n".join(out)


def _x(ts: datetime, start: datetime, end: datetime) -> float:
    span = (end - start).total_seconds() or 1.0
    return _LABEL + (_WIDTH - _LABEL) * (ts - start).total_seconds() / span


def _timeline(result: ScanResult, start: datetime, end: datetime) -> str:
    windows = [w for w in result.windows if w.events]
    rules = sorted({wf.finding.rule for w in windows for wf in w.findings})
    height = _BARS + 24 + _ROW * len(rules) + 8
    step = _x(start + result.window, start, end) - _LABEL
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" role="img" aria-label="failures per window">'
    ]
    for incident in result.incidents:  # shaded stretches behind the bars
        x0 = _x(incident.window_start, start, end)
        x1 = _x(incident.window_end, start, end)
        color = _COLOR.get(incident.severity, "#999")
        svg.append(
            f'<rect x="{x0:.1f}" y="0" width="{max(1.0, x1 - x0):.1f}" height="{_BARS}" fill="{color}" '
            f'opacity="0.12"><title>{html_text(incident.rule)} {html_text(iso(incident.start) or "")}'
            f"</title></rect>"
        )
    peak = max((w.failed for w in windows), default=0) or 1
    svg.append(
        f'<text x="0" y="12">failed connections</text><text x="0" y="26">per window (max {peak})</text>'
    )
    for w in windows:
        if not w.failed:
            continue
        h = _BARS * w.failed / peak
        svg.append(
            f'<rect x="{_x(w.start, start, end):.1f}" y="{_BARS - h:.1f}" width="{max(1.0, step):.1f}" '
            f'height="{h:.1f}" fill="#dc2626"><title>{html_text(iso(w.start) or "")}: {w.failed} failed of '
            f"{w.connections}</title></rect>"
        )
    svg.append(f'<line x1="{_LABEL}" y1="{_BARS}" x2="{_WIDTH}" y2="{_BARS}" stroke="#999"/>')
    svg += _day_ticks(start, end)
    top = _BARS + 24
    for row, rule in enumerate(rules):
        y = top + row * _ROW
        svg.append(f'<text x="0" y="{y + 12}">{html_text(rule)}</text>')
        counts = {
            w.index: sum(wf.finding.count for wf in w.findings if wf.finding.rule == rule) for w in windows
        }
        most = max(counts.values(), default=0) or 1
        for w in windows:
            n = counts[w.index]
            if not n:
                continue
            shade = 0.25 + 0.75 * math.log1p(n) / math.log1p(most)
            svg.append(
                f'<rect x="{_x(w.start, start, end):.1f}" y="{y + 2}" width="{max(1.0, step):.1f}" '
                f'height="{_ROW - 4}" fill="#7c3aed" opacity="{shade:.2f}"><title>{html_text(rule)} '
                f"{html_text(iso(w.start) or '')}: {n}</title></rect>"
            )
    svg.append("</svg>")
    return "\n".join(svg)


def _day_ticks(start: datetime, end: datetime) -> list[str]:
    days = max(1, round((end - start) / timedelta(days=1)))
    every = max(1, days // 10)
    out = []
    tick = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if tick < start:
        tick += timedelta(days=1)
    n = 0
    while tick <= end:
        if n % every == 0:
            x = _x(tick, start, end)
            out.append(f'<line x1="{x:.1f}" y1="{_BARS}" x2="{x:.1f}" y2="{_BARS + 4}" stroke="#999"/>')
            out.append(f'<text x="{x:.1f}" y="{_BARS + 16}" text-anchor="middle">{tick:%m-%d}</text>')
        tick += timedelta(days=1)
        n += 1
    return out


def _incidents(result: ScanResult) -> str:
    if not result.incidents:
        return '<h2>Incidents</h2><p class="muted">No root cause fired in any window.</p>'
    rows = [
        "<h2>Incidents</h2><table><tr><th>#</th><th>severity</th><th>rule</th><th>start → end</th>"
        "<th>count</th><th>affected</th><th>re-analyse</th></tr>"
    ]
    for n, i in enumerate(result.incidents, 1):
        keys = ", ".join(f"{k}={v}" for k, v in sorted(i.keys.items()))
        affected = "; ".join(
            part
            for part in (
                f"hosts: {', '.join(i.hosts[:5])}" if i.hosts else "",
                f"routers: {', '.join(i.routers[:5])}" if i.routers else "",
                f"{i.clients_total} client(s)" if i.clients_total else "",
            )
            if part
        )
        explanation = (
            f"In its busiest window ({iso(i.busiest)}): {i.finding.explanation}"
            if i.finding is not None
            else ""
        )
        rows.append(
            f'<tr><td>{n}</td><td><span class="sev" style="background:{_COLOR.get(i.severity, "#999")}">'
            f"{html_text(i.severity)}</span></td><td><b>{html_text(i.rule)}</b><br>{html_text(keys)}"
            f'<br><span class="muted">{html_text(explanation)}</span></td>'
            f"<td>{html_text(iso(i.start) or '-')}<br>→ {html_text(iso(i.end) or '-')}</td>"
            f"<td>{i.count}</td><td>{html_text(affected)}</td><td><code>{html_text(i.command)}</code></td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _problems(result: ScanResult) -> str:
    problems = [i for i in result.inputs if i.error or i.notes]
    if not problems:
        return ""
    items = []
    for info in problems:
        what = f"skipped: {info.error}" if info.error else "; ".join(info.notes)
        items.append(f"<li><code>{html_text(info.label)}</code>: {html_text(what)}</li>")
    return "<h2>Inputs with problems</h2><ul>" + "".join(items) + "</ul>"
