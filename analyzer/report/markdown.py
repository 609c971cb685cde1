"""The Markdown report, for a ticket: short, with evidence in code blocks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyzer.report.json_report import iso
from analyzer.report.safe import md_code_block, md_inline, md_prose
from analyzer.report.text import offset_text, shorten

if TYPE_CHECKING:
    from analyzer.analysis import Analysis
    from analyzer.findings import Finding


def render_markdown(analysis: Analysis) -> str:
    """The whole report as Markdown."""
    out = ["# wsdiag report", ""]
    findings = analysis.findings
    if findings:
        root = findings[0]
        out += [
            f"**Root cause: `{root.rule}` ({root.severity})** — {md_inline(root.title)}",
            "",
            md_prose(root.explanation),
            "",
            f"**Fix:** {md_prose(root.remediation)}",
            "",
        ]
        # several independent root causes are all named; a failure that began right after a change says so
        others = [f for f in analysis.root_causes if f is not root]
        if others:
            named = ", ".join(f"`{f.rule}` ({f.severity})" for f in others)
            out += [f"**Also a root cause, independent of the first:** {named}.", ""]
        for cause in analysis.root_causes:
            after = cause.began_after_sentence()
            if after:
                out += [f"`{cause.rule}` {md_prose(after)}.", ""]
    for warning in analysis.clock_warnings:
        out += [f"**Clock:** {md_prose(warning)}", ""]
    for change in analysis.config_changes:
        out += [f"**Configuration changed:** {md_prose(change)}", ""]
    if not findings:
        out += [
            f"No failure signature found in {'what could be read' if analysis.gaps else 'these logs'}.",
            "",
        ]
    out += [f"> **Not read:** {md_inline(gap)}\n" for gap in analysis.gaps]
    outcomes = (
        analysis.connections["outcome"].value_counts(sort=True).rows() if analysis.connections.height else []
    )
    out += [
        f"{analysis.events.height} events, {analysis.connections.height} connections"
        + (" (" + ", ".join(f"{n} {o}" for o, n in outcomes) + ")" if outcomes else "")
        + f", {len(findings)} findings.",
        "",
    ]
    if findings:
        out += [
            "## Findings",
            "",
            "| # | severity | rule | count | first seen | last seen | note |",
            "|---|---|---|---|---|---|---|",
        ]
        for i, f in enumerate(findings, 1):
            note = f"follows from `{f.explained_by}`" if f.explained_by else ("root cause" if i == 1 else "")
            out.append(
                f"| {i} | {f.severity} | `{f.rule}` | {f.count} | {iso(f.first_seen) or '-'} | {iso(f.last_seen) or '-'} | {note} |"
            )
        out.append("")
        for i, f in enumerate(findings, 1):
            out += _finding(i, f)
    out += [
        "## Inputs",
        "",
        "| input | source | format | events | unparsed | clock offset | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for info in analysis.inputs:
        if info.error:
            out.append(f"| {md_inline(info.label)} | - | - | - | - | - | skipped: {md_inline(info.error)} |")
            continue
        offset = offset_text(info)
        notes = ([f"times without zone read as {info.tz}"] if info.tz else []) + info.notes
        out.append(
            f"| {md_inline(info.label)} | {info.source} | {info.format_label} | {info.events} | {info.unparsed_lines} |"
            f" {offset} | {md_inline('; '.join(notes))} |"
        )
    out.append("")
    if analysis.not_concluded:
        out += ["## Not concluded", ""]
        out += [f"- `{rule_id}`: {md_inline(reason)}" for rule_id, reason in analysis.not_concluded]
        out.append("")
    return "\n".join(out)


def _finding(number: int, f: Finding) -> list[str]:
    lines = [f"### {number}. `{f.rule}` — {md_inline(f.title)}", ""]
    lines += [
        f"Severity **{f.severity}**, {f.count} matching, {iso(f.first_seen) or '-'} → {iso(f.last_seen) or '-'}.",
        "",
    ]
    if f.explained_by:
        lines += [f"Follows from `{f.explained_by}`.", ""]
    lines += [md_prose(f.explanation), "", f"**Fix:** {md_prose(f.remediation)}", ""]
    if f.evidence:
        rows = []
        for ev in f.evidence:
            where = f"{ev.path}{f'[{ev.stream}]' if ev.stream else ''}:{ev.line}"
            rows.append(f"{ev.source:<8} {iso(ev.ts) or '-':<24} {where}\n  {shorten(ev.text)}")
        lines += ["Evidence:", "", md_code_block("\n".join(rows)), ""]
    return lines
