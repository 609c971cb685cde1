"""The Markdown report, for a ticket: the verdict and the fix on top, a findings table, the rest folded.

Evidence, the inputs, a failed connection's story and the rules that could not run sit in ``<details>``
blocks, so the ticket shows the answer and keeps the proof one click away. The whole report stays within
:data:`MAX_BYTES` (what a ticket comment takes comfortably): each finding carries a few evidence lines
(the cause more), and when the folded parts would still go over, the least useful go first, with a note
that the JSON and HTML reports carry everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import polars as pl

from analyzer.report.human import plural, span, zone_name
from analyzer.report.lines import aligned_lines, connection_events, evidence_events, readable, what_expr
from analyzer.report.output import plain_text
from analyzer.report.safe import html_text, md_code_block, md_inline, md_prose
from analyzer.report.text import evidence_table, offset_text
from analyzer.report.verdict import OUTCOMES, Verdict, build_verdict, lead

if TYPE_CHECKING:
    from datetime import datetime

    from rich.table import Table

    from analyzer.analysis import Analysis
    from analyzer.findings import Evidence, Finding

#: Size the report is kept within (UTF-8 bytes).
MAX_BYTES: Final = 8 * 1024
#: Evidence lines shown for a root cause, and for any other finding.
CAUSE_EVIDENCE: Final = 6
OTHER_EVIDENCE: Final = 2
#: Events of the connection story (its first ones: a failed connection fails early).
STORY_EVENTS: Final = 12
#: Rows of the findings table; more findings are counted below it.
MAX_TABLE_ROWS: Final = 15
#: Root causes told in full in the verdict at most; more are named in one line each.
FULL_CAUSES: Final = 3
#: Bytes the head (verdict, findings table, what was read) leaves for the folded proof.
HEAD_ROOM: Final = 2048
#: Width of the aligned text inside code blocks.
CODE_WIDTH: Final = 110


def render_markdown(
    analysis: Analysis,
    *,
    tz: str = "UTC",
    since: datetime | None = None,
    until: datetime | None = None,
) -> str:
    """The whole report as Markdown, within :data:`MAX_BYTES`."""
    verdict = build_verdict(analysis, tz=tz, since=since, until=until)
    # every root cause in full while the head leaves room for the folded proof; past that, fewer in full
    for full in range(FULL_CAUSES, 0, -1):
        head = _verdict(verdict, analysis, tz, full) + _findings_table(verdict, tz) + _read(verdict)
        if len("\n".join(head).encode("utf-8")) <= MAX_BYTES - HEAD_ROOM:
            break
    folded: list[tuple[str, list[str]]] = []
    for f in verdict.causes:
        folded.append((f"evidence of {f.rule}", _evidence(analysis, f, CAUSE_EVIDENCE, tz)))
    folded.append(("inputs", _inputs(analysis)))
    story = _story(analysis, verdict, tz)
    if story:
        folded.append(("a connection's story", story))
    for f in [*verdict.following, *verdict.others]:
        folded.append((f"evidence of {f.rule}", _evidence(analysis, f, OTHER_EVIDENCE, tz)))
    if analysis.not_concluded:
        folded.append(("rules not concluded", _not_concluded(analysis)))
    return _fit(head, folded)


def _fit(head: list[str], folded: list[tuple[str, list[str]]]) -> str:
    """Join the parts, leaving out folded ones from the end while the report is over :data:`MAX_BYTES`."""
    left_out: list[str] = []
    while True:
        body = [line for _, lines in folded for line in lines]
        note = (
            [
                f"_Left out to stay within {MAX_BYTES // 1024} KB: {', '.join(reversed(left_out))}; "
                "`--format json` or `--format html` carry everything._",
                "",
            ]
            if left_out
            else []
        )
        text = "\n".join([*head, *body, *note]).rstrip("\n") + "\n"
        if len(text.encode("utf-8")) <= MAX_BYTES or not folded:
            return text
        name, _ = folded.pop()
        left_out.append(name)


def _verdict(verdict: Verdict, analysis: Analysis, tz: str, full: int = FULL_CAUSES) -> list[str]:
    if not verdict.causes:
        rules = len(analysis.rules)
        skipped = len(analysis.not_concluded)
        checked = f"Checked {plural(rules, 'rule')} against these logs" + (
            f"; {skipped} could not run for lack of a source." if skipped else "."
        )
        return ["# wsdiag: no failure signature found", "", checked, ""]
    out: list[str] = []
    for f in verdict.causes[:full]:
        text, more = lead(f.explanation)
        meta = [f"`{f.rule}`", plural(f.count, "match", "matches")]
        if f.first_seen:
            meta.append(span(f.first_seen, f.last_seen, tz))
        out += [
            f"# wsdiag: {md_inline(f.title)}",
            "",
            f"**{f.severity.upper()}** · " + " · ".join(meta),
            "",
            md_prose(text),
            "",
            f"**Fix:** {md_prose(f.remediation)}",
            "",
        ]
        after = f.began_after_sentence()
        if after:
            out += [f"**What changed:** it {md_prose(after)}.", ""]
        if more:
            rest = f.explanation.strip()[len(text) :].strip()
            out += [
                "<details><summary>The whole explanation</summary>",
                "",
                md_prose(rest),
                "",
                "</details>",
                "",
            ]
    more_causes = verdict.causes[full:]
    if more_causes:
        named = ", ".join(f"`{f.rule}` ({f.severity})" for f in more_causes)
        out += [f"**Also independent root causes:** {named} (see the findings table).", ""]
    return out


def _findings_table(verdict: Verdict, tz: str) -> list[str]:
    findings = verdict.findings
    if not findings:
        return []
    numbers = {f.rule: i for i, f in enumerate(findings, 1)}
    zone = zone_name(findings[0].first_seen, tz)
    out = [
        "## Findings",
        "",
        f"| # | severity | rule | what | matches | when ({zone}) |",
        "|---|---|---|---|---|---|",
    ]
    for i, f in enumerate(findings[:MAX_TABLE_ROWS], 1):
        if f in verdict.causes:
            what = "**root cause**, the verdict above"
        elif f.explained_by in numbers:
            what = f"follows from #{numbers[f.explained_by]}: {_cell(f.title)}"
        else:
            what = _cell(f.title)
        when = span(f.first_seen, f.last_seen, tz).removesuffix(f" {zone}") if f.first_seen else "-"
        out.append(f"| {i} | {f.severity} | `{f.rule}` | {what} | {f.count:,} | {md_inline(when)} |")
    if len(findings) > MAX_TABLE_ROWS:
        out += ["", f"… and {len(findings) - MAX_TABLE_ROWS} more findings (`--format json` lists them all)."]
    return [*out, ""]


def _read(verdict: Verdict) -> list[str]:
    out = [md_inline(verdict.read), ""]
    if verdict.warnings:
        out += [f"- ⚠ {md_inline(w)}" for w in verdict.warnings] + [""]
    if verdict.changes:
        out += [f"- Configuration changed: {md_inline(c)}" for c in verdict.changes] + [""]
    return out


def _cell(text: str) -> str:
    """Text for a table cell: escaped, no pipe or line break can break the row."""
    return md_inline(text).replace("|", "\\|")


def _details(summary: str, body: list[str]) -> list[str]:
    """A folded block; the blank lines let GitHub render the Markdown inside it."""
    return [f"<details><summary>{html_text(summary)}</summary>", "", *body, "", "</details>", ""]


def _evidence(analysis: Analysis, f: Finding, limit: int, tz: str) -> list[str]:
    if not f.evidence:
        return []
    rows = readable(
        evidence_events(analysis.events, sample(f.evidence, limit)), tz=tz, redact=analysis.redact
    )
    blocks = []
    for source in rows["source"].unique(maintain_order=True).to_list():
        part = rows.filter(pl.col("source") == source)
        blocks.append(_plain(evidence_table(part, source, width=CODE_WIDTH)))
    shown = min(limit, len(f.evidence))
    title = f"Evidence of {f.rule} ({shown} of {plural(len(f.evidence), 'line')}, times {zone_name(f.first_seen, tz)})"
    if shown == len(f.evidence):
        title = f"Evidence of {f.rule} ({plural(shown, 'line')}, times {zone_name(f.first_seen, tz)})"
    return _details(title, [md_code_block("\n\n".join(blocks), "text")])


def _plain(table: Table) -> str:
    """A rich table as the plain text a code block holds."""
    return plain_text(lambda console: console.print(table), CODE_WIDTH).rstrip("\n")


def sample(evidence: list[Evidence], limit: int) -> list[Evidence]:
    """At most ``limit`` evidence lines, taken in turn from each source so that every source is shown."""
    by_source: dict[str, list[Evidence]] = {}
    for ev in evidence:
        by_source.setdefault(ev.source, []).append(ev)
    picked: list[Evidence] = []
    depth = 0
    while len(picked) < min(limit, len(evidence)):
        picked += [lines[depth] for lines in by_source.values() if depth < len(lines)][: limit - len(picked)]
        depth += 1
    order = {id(ev): i for i, ev in enumerate(evidence)}
    return sorted(picked, key=lambda ev: order[id(ev)])


def _inputs(analysis: Analysis) -> list[str]:
    rows = [
        "| input | source | format | events | unparsed | clock |",
        "|---|---|---|---|---|---|",
    ]
    for info in analysis.inputs:
        if info.error:
            rows.append(f"| {_cell(info.label)} | - | - | - | - | skipped: {_cell(info.error)} |")
            continue
        rows.append(
            f"| {_cell(info.label)} | {info.source} | {info.format_label} | {info.events:,} | {info.unparsed_lines:,} |"
            f" {offset_text(info)} |"
        )
    read = [i for i in analysis.inputs if not i.error]
    return _details(f"Inputs ({len(read)} read of {len(analysis.inputs)})", rows)


def _story(analysis: Analysis, verdict: Verdict, tz: str) -> list[str]:
    """The first failed connection the root cause names, one line per event."""
    conn_ids = [e.conn_id for f in verdict.causes for e in f.evidence if e.conn_id]
    conn_ids += [c for f in verdict.causes for c in f.connections]
    if not conn_ids:
        return []
    conn_id = conn_ids[0]
    events = connection_events(analysis.events, conn_id)
    if not events.height:
        return []
    rows = readable(events.head(STORY_EVENTS), tz=tz, redact=analysis.redact).with_columns(
        what_expr().alias("what"), pl.col("level").fill_null("")
    )
    lines = aligned_lines(rows, ("time", "source", "what", "where"))
    more = events.height - rows.height
    if more:
        lines.append(f"… {more} more (wsdiag timeline --key {conn_id})")
    outcome = analysis.connections.filter(pl.col("conn_id") == conn_id)["outcome"]
    label = OUTCOMES.get(str(outcome[0]), (str(outcome[0]), ""))[0] if outcome.len() else "connection"
    zone = zone_name(events.select(pl.col("ts").min()).item(), tz)
    return _details(
        f"Story of connection {conn_id} ({label}, {plural(events.height, 'event')}, times {zone})",
        [md_code_block("\n".join(lines), "text")],
    )


def _not_concluded(analysis: Analysis) -> list[str]:
    items = [f"- `{rule_id}`: {md_inline(reason)}" for rule_id, reason in analysis.not_concluded]
    return _details(f"Rules not concluded ({len(items)}): a source they need is missing", items)
