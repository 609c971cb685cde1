"""Reports of ``wsdiag scan``: the ``wsdiag.report/1`` document with ``incidents``, and its text / Markdown.

The JSON carries, besides the report schema: ``incidents`` (one per run of windows in which a root cause
fired, in time order), ``scan`` (the period and the window size) and ``overview`` (per window: events,
connections, failed connections and how often each rule fired) — what the HTML overview draws.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from analyzer.findings import SEVERITY_RANK
from analyzer.report.json_report import build_report, dumps, iso
from analyzer.report.safe import md_code_span, md_inline, md_prose, printable

if TYPE_CHECKING:
    from analyzer.report.output import OutputOptions
    from analyzer.scan.incidents import Incident
    from analyzer.scan.pipeline import ScanResult

_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def incident_entry(incident: Incident) -> dict[str, Any]:
    """One element of the report's ``incidents`` list."""
    return {
        "rule": incident.rule,
        "title": incident.title,
        "severity": incident.severity,
        "start": iso(incident.start),
        "end": iso(incident.end),
        "window_start": iso(incident.window_start),
        "window_end": iso(incident.window_end),
        "windows": incident.windows,
        "count": incident.count,
        "connections": incident.connections,
        "keys": dict(sorted(incident.keys.items())),
        "affected": {
            "hosts": incident.hosts,
            "routers": incident.routers,
            "clients": incident.clients,
            "clients_total": incident.clients_total,
        },
        "sources": incident.sources,
        "explains": incident.explains,
        "busiest_window": iso(incident.busiest),
        "analyze": incident.command,
    }


def overview(result: ScanResult) -> dict[str, Any]:
    """Per window with events: counts and how often each rule fired (explained findings included)."""
    buckets = []
    for window in result.windows:
        if not window.events:
            continue
        rules = Counter[str]()
        for wf in window.findings:
            rules[wf.finding.rule] += wf.finding.count
        buckets.append(
            {
                "start": iso(window.start),
                "events": window.events,
                "connections": window.connections,
                "failed": window.failed,
                "outcomes": dict(sorted(window.outcomes.items())),
                "rules": dict(sorted(rules.items())),
            }
        )
    return {"bucket_seconds": int(result.window.total_seconds()), "buckets": buckets}


def build_scan_json(result: ScanResult) -> dict[str, Any]:
    """The ``wsdiag.report/1`` document of a scan."""
    start, end = result.period
    extra: dict[str, Any] = {
        "incidents": [incident_entry(i) for i in result.incidents],
        "scan": {
            "start": iso(start),
            "end": iso(end),
            "window_seconds": int(result.window.total_seconds()),
            "margin_seconds": int(result.margin.total_seconds()),
            "windows": len(result.windows),
        },
        "overview": overview(result),
    }
    if result.not_concluded:
        extra["not_concluded"] = [{"rule": r, "reason": why} for r, why in result.not_concluded]
    if result.gaps:
        extra["gaps"] = result.gaps
    return build_report(
        result.findings, result.inputs, events=result.events, connections=result.connections, extra=extra
    )


def write_scan_report(result: ScanResult, output: OutputOptions) -> None:
    """Render ``result`` as text, markdown, json or html to ``-o`` or stdout (text paged on a terminal)."""
    from analyzer.report.boundary import outbound_scan
    from analyzer.report.output import emit_text, write_data

    result = outbound_scan(result)

    fmt = output.fmt or "text"
    if fmt == "text":
        emit_text(lambda console: render_scan_text(result, console), output)
        return
    if fmt == "markdown":
        data = render_scan_markdown(result)
    elif fmt == "html":
        from analyzer.report.scan_html import render_scan_html

        data = render_scan_html(result)
    else:
        data = dumps(build_scan_json(result))
    write_data(data, output)


def _span(result: ScanResult) -> str:
    start, end = result.period
    if start is None or end is None:
        return "no dated events"
    return f"{iso(start)} → {iso(end)} ({len(result.windows)} windows of {_duration(result.window)})"


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _short(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S") if ts is not None else "-"


def _when(start: datetime | None, end: datetime | None) -> str:
    """``2026-10-06 10:00 → 12:59`` (the end's date only when it differs)."""
    if start is None or end is None:
        return "-"
    tail = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M")
    return f"{start:%Y-%m-%d %H:%M} → {tail}"


def _keys(incident: Incident) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(incident.keys.items())) or "-"


def render_scan_text(result: ScanResult, console: Console) -> None:
    """Print the scan report on ``console``: incidents first, then the daily overview and problems."""
    incidents = result.incidents
    head = Text()
    if incidents:
        worst = max(incidents, key=lambda i: (SEVERITY_RANK[i.severity], i.count))
        head.append(f"{len(incidents)} incident(s)", style="bold")
        head.append(f" over {_span(result)}.\nWorst: ")
        head.append(f" {worst.severity.upper()} ", style=_STYLE[worst.severity])
        head.append(f" {worst.rule}", style="bold")
        head.append(f" from {iso(worst.start)} to {iso(worst.end)} ({worst.count} matching).")
        console.print(Panel(head, title="wsdiag scan", title_align="left", border_style="red"))
    else:
        head.append(f"No incident over {_span(result)}.")
        console.print(Panel(head, title="wsdiag scan", title_align="left", border_style="green"))
    for gap in result.gaps:
        console.print(Text(f"Not read: {printable(gap)}", style="bold yellow"))
    console.print(
        Text(
            f"{result.events} events, {result.connections} connections, "
            f"{sum(w.failed for w in result.windows)} failed connections."
        )
    )
    if incidents:
        table = Table(
            title="Incidents", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
            padding=(0, 1), pad_edge=False,
        )  # fmt: skip
        table.add_column("#")
        table.add_column("when (UTC)", no_wrap=True)
        table.add_column("severity", no_wrap=True, min_width=8)
        table.add_column("rule", overflow="fold")
        table.add_column("count", justify="right", no_wrap=True)
        for n, incident in enumerate(incidents, 1):
            table.add_row(
                str(n), _when(incident.start, incident.end), Text(incident.severity, style=_STYLE[incident.severity]),
                incident.rule, str(incident.count),
            )  # fmt: skip
        console.print(table)
        for n, incident in enumerate(incidents, 1):
            console.print(_incident(n, incident))
    console.print(_daily(result))
    problems = _problems(result)
    if problems:
        console.print(Text("\nInputs with problems:", style="bold"))
        for what, labels in problems:
            shown = ", ".join(labels[:_LISTED]) + (
                f" and {len(labels) - _LISTED} more" if len(labels) > _LISTED else ""
            )
            console.print(Text(f"  {printable(what)} ({len(labels)}): {printable(shown)}", style="yellow"))
    if result.not_concluded:
        console.print(Text("\nNot concluded (a source they need is missing):", style="bold"))
        for rule_id, reason in result.not_concluded:
            console.print(Text(f"  {rule_id}: {reason}", style="dim"))


#: Paths shown per problem in the text report (the JSON report lists every input).
_LISTED = 5


def _problems(result: ScanResult) -> list[tuple[str, list[str]]]:
    """Inputs that were skipped or lost lines, grouped by what happened to them."""
    groups: dict[str, list[str]] = {}
    for info in result.inputs:
        if info.error:
            groups.setdefault(f"skipped: {info.error}", []).append(info.label)
        for note in info.notes:
            groups.setdefault(note, []).append(info.label)
    return list(groups.items())


def _incident(n: int, incident: Incident) -> Group:
    head = Text()
    head.append(f"\n{n}. ")
    head.append(f"[{incident.severity}]", style=_STYLE[incident.severity])
    head.append(f" {incident.rule}", style="bold")
    head.append(f" — {printable(incident.title)}")
    parts: list[Text] = [head]
    parts.append(
        Text(
            f"   {iso(incident.start)} → {iso(incident.end)}, {incident.windows} window(s), "
            f"{incident.count} matching, {incident.connections} connection(s)"
        )
    )
    f = incident.finding
    if f is not None:
        parts.append(Text(f"   In its busiest window ({_short(incident.busiest)} UTC):", style="dim"))
        parts.append(Text("   " + printable(f.explanation)))
        parts.append(Text.assemble(("   Fix: ", "bold green"), printable(f.remediation)))
    for label, values, total in (
        ("hosts", incident.hosts, len(incident.hosts)),
        ("routers", incident.routers, len(incident.routers)),
        ("clients", incident.clients, incident.clients_total),
    ):
        if values:
            more = f" (+{total - 5} more)" if total > 5 else ""
            parts.append(Text(f"   {label}: {printable(', '.join(values[:5]))}{more}", style="dim"))
    if incident.explains:
        parts.append(Text(f"   Explains: {', '.join(incident.explains)}", style="dim"))
    if f is not None and f.evidence:
        parts.append(Text("   Evidence:", style="bold"))
        for ev in f.evidence[:4]:
            where = f"{ev.path}:{ev.line}"
            parts.append(Text.assemble("     ", (printable(where), "cyan"), f"  {iso(ev.ts) or '-'}"))
            parts.append(Text("       " + printable(ev.text), style="dim", overflow="fold"))
    parts.append(Text.assemble(("   Re-analyse: ", "bold"), printable(incident.command)))
    return Group(*parts)


def _daily(result: ScanResult) -> Table:
    """Per day: events, failed connections, and the rules that fired (with counts)."""
    days: dict[str, dict[str, Any]] = {}
    for window in result.windows:
        if not window.events:
            continue
        day = days.setdefault(
            window.start.strftime("%Y-%m-%d"), {"events": 0, "failed": 0, "rules": Counter()}
        )
        day["events"] += window.events
        day["failed"] += window.failed
        for wf in window.findings:
            day["rules"][wf.finding.rule] += wf.finding.count
    table = Table(title="\nOverview per day", title_justify="left", header_style="bold")
    for name in ("day", "events", "failed conns", "rules fired (count)"):
        table.add_column(name, overflow="fold")
    for name, day in days.items():
        fired = ", ".join(f"{rule} ({count})" for rule, count in day["rules"].most_common())
        table.add_row(name, str(day["events"]), str(day["failed"]), fired or "-")
    return table


def render_scan_markdown(result: ScanResult) -> str:
    """The scan report as Markdown, for a ticket."""
    out = ["# wsdiag scan report", "", f"Period: {_span(result)}.", ""]
    out += [f"> **Not read:** {md_inline(gap)}\n" for gap in result.gaps]
    out += [
        f"{result.events} events, {result.connections} connections, "
        f"{sum(w.failed for w in result.windows)} failed connections, {len(result.incidents)} incident(s).",
        "",
    ]
    if result.incidents:
        out += [
            "## Incidents",
            "",
            "| # | start | end | severity | rule | keys | count | clients |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for n, i in enumerate(result.incidents, 1):
            out.append(
                f"| {n} | {iso(i.start)} | {iso(i.end)} | {i.severity} | `{i.rule}` | {md_inline(_keys(i))} "
                f"| {i.count} | {i.clients_total} |"
            )
        out.append("")
        for n, i in enumerate(result.incidents, 1):
            out += [f"### {n}. `{i.rule}` — {md_inline(i.title)}", ""]
            out += [
                f"Severity **{i.severity}**, {iso(i.start)} → {iso(i.end)} ({i.windows} window(s)), "
                f"{i.count} matching, {i.connections} connection(s).",
                "",
            ]
            if i.finding is not None:
                out += [
                    f"In its busiest window ({_short(i.busiest)} UTC): {md_prose(i.finding.explanation)}",
                    "",
                    f"**Fix:** {md_prose(i.finding.remediation)}",
                    "",
                ]
            if i.hosts or i.routers or i.clients:
                out += [
                    f"Affected hosts: {md_inline(', '.join(i.hosts) or '-')}; routers: "
                    f"{md_inline(', '.join(i.routers) or '-')}; clients: {i.clients_total}.",
                    "",
                ]
            out += [f"Re-analyse: {md_code_span(i.command)}", ""]
    else:
        out += ["No incident: no root cause fired in any window.", ""]
    problems = _problems(result)
    if problems:
        out += ["## Inputs with problems", ""]
        for what, labels in problems:
            out.append(f"- {md_inline(what)} ({len(labels)}): {md_inline(', '.join(labels))}")
        out.append("")
    return "\n".join(out)
