"""The terminal report: the root cause first, then the other findings, the inputs, what was not concluded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from analyzer.report.json_report import iso
from analyzer.report.safe import printable

if TYPE_CHECKING:
    from analyzer.analysis import Analysis
    from analyzer.findings import Finding
    from analyzer.ingest import InputInfo

_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def render_text(analysis: Analysis, console: Console) -> None:
    """Print the whole report on ``console``."""
    findings = analysis.findings
    if findings:
        console.print(_verdict(findings[0], analysis))
    else:
        where = "what could be read" if analysis.gaps else "these logs"
        console.print(
            Panel(Text(f"No failure signature found in {where}."), title="wsdiag", border_style="green")
        )
    for gap in analysis.gaps:
        console.print(Text(f"Not read: {printable(gap)}", style="bold yellow"))
    console.print(_summary(analysis))
    for number, finding in enumerate(findings, start=1):
        console.print(_finding(number, finding))
    console.print(_inputs(analysis))
    if analysis.not_concluded:
        console.print(Text("Not concluded (a source they need is missing):", style="bold"))
        for rule_id, reason in analysis.not_concluded:
            console.print(Text(f"  {rule_id}: {reason}", style="dim"))


def _verdict(f: Finding, analysis: Analysis) -> Panel:
    body = Text()
    body.append(f" {f.severity.upper()} ", style=_STYLE[f.severity])
    body.append(f"  {f.rule}", style="bold")
    body.append(f"\n{printable(f.title)}\n\n", style="bold")
    body.append(printable(f.explanation))
    body.append("\n\nFix: ", style="bold green")
    body.append(printable(f.remediation))
    # several independent root causes are all named; a failure that began right after a change says so
    others = [c for c in analysis.root_causes if c is not f]
    if others:
        body.append("\n\nAlso a root cause: ", style="bold")
        body.append(", ".join(f"{c.rule} ({c.severity})" for c in others))
    for cause in analysis.root_causes:
        after = cause.began_after_sentence()
        if after:
            body.append(f"\n\n{cause.rule} {printable(after)}.", style="bold")
    for warning in analysis.clock_warnings:
        body.append("\nClock: ", style="bold yellow")
        body.append(printable(warning))
    for change in analysis.config_changes:
        body.append("\nConfiguration changed: ", style="bold")
        body.append(printable(change))
    return Panel(body, title="root cause", title_align="left", border_style=_STYLE[f.severity].split()[-1])


def _summary(analysis: Analysis) -> Text:
    read = [i for i in analysis.inputs if not i.error]
    outcomes = (
        analysis.connections["outcome"].value_counts(sort=True).rows() if analysis.connections.height else []
    )
    text = Text()
    text.append("Read ", style="bold")
    text.append(f"{analysis.events.height} events from {len(read)} input(s); ")
    text.append(f"{analysis.connections.height} connection(s)")
    if outcomes:
        text.append(" (" + ", ".join(f"{n} {o}" for o, n in outcomes) + ")")
    text.append(f"; {len(analysis.findings)} finding(s).")
    return text


def _finding(number: int, f: Finding) -> Group:
    head = Text()
    head.append(f"\n{number}. ")
    head.append(f"[{f.severity}]", style=_STYLE[f.severity])
    head.append(f" {f.rule}", style="bold")
    head.append(f" — {printable(f.title)}")
    if f.explained_by:
        head.append(f"  (follows from {f.explained_by})", style="dim")
    parts: list[Text | Table] = [head]
    parts.append(Text("   " + printable(f.explanation)))
    parts.append(Text.assemble(("   Fix: ", "bold green"), printable(f.remediation)))
    if f.explains:
        parts.append(Text(f"   Explains: {', '.join(f.explains)}", style="dim"))
    if f.evidence:
        parts.append(Text("   Evidence:", style="bold"))
        for ev in f.evidence:
            where = f"{ev.path}{f'[{ev.stream}]' if ev.stream else ''}:{ev.line}"
            when = (iso(ev.ts) or "-") + (f" (clock {ev.offset_ms:+.0f} ms)" if ev.offset_ms else "")
            parts.append(
                Text.assemble("     ", (f"{ev.source:<8}", "bold"), f"{when}  ", (printable(where), "cyan"))
            )
            parts.append(Text("       " + printable(shorten(ev.text)), style="dim", overflow="fold"))
    return Group(*parts)


def _inputs(analysis: Analysis) -> Table:
    table = Table(title="Inputs", title_justify="left", header_style="bold", show_lines=False)
    for name in ("input", "source", "format", "events", "unparsed", "clock offset", "notes"):
        table.add_column(name, overflow="fold")
    for info in analysis.inputs:
        if info.error:
            table.add_row(
                printable(info.label), "-", "-", "-", "-", "-", Text(f"skipped: {info.error}", style="yellow")
            )
            continue
        offset = (
            "reference"
            if info.aligned and not info.clock_offset_ms
            else (f"{info.clock_offset_ms:+.0f} ms" if info.aligned else "not aligned")
        )
        notes = [*info.notes]
        if info.tz and not any("read as" in n for n in notes):
            notes.insert(0, f"times without zone read as {info.tz}")
        table.add_row(
            printable(info.label), info.source or "", info.format_label or "", str(info.events),
            str(info.unparsed_lines), offset, printable("; ".join(notes)),
        )  # fmt: skip
    return table


#: Evidence lines longer than this are cut in the text and Markdown reports (JSON carries them whole).
EVIDENCE_CHARS = 400


def shorten(text: str) -> str:
    """An evidence line for people: whole up to EVIDENCE_CHARS, else cut with a note of the size."""
    return text if len(text) <= EVIDENCE_CHARS else f"{text[:EVIDENCE_CHARS]}… ({len(text)} characters)"


def offset_text(info: InputInfo) -> str:
    """How an input's clock was aligned, for the inputs tables."""
    if info.clock_reference:
        return "reference"
    if info.aligned is None:
        return "-"
    return f"{info.clock_offset_ms or 0:+.0f} ms" if info.aligned else "not aligned"
