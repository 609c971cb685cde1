"""The terminal report: a verdict a person acts on in 30 seconds, more with ``-v`` / ``-vv``.

By default: the root cause with its fix and where its evidence is, one line per other finding, one
line on what was read and the warnings that limit the verdict — within 40 lines at 80 columns. ``-v``
adds each finding's evidence (the fields that matter, aligned, with ``file:line``), ``-vv`` everything:
whole explanations, the raw lines, the inputs table, the rules that could not run. Nothing is printed
twice: a finding is either a cause (its block) or one line, and its details follow it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import polars as pl
from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from analyzer.report.config_text import plain
from analyzer.report.human import plural, span, zone_name
from analyzer.report.lines import HEADINGS, evidence_events, readable
from analyzer.report.safe import printable
from analyzer.report.verdict import Verdict, build_verdict, lead

if TYPE_CHECKING:
    from datetime import datetime

    from analyzer.analysis import Analysis
    from analyzer.findings import Finding
    from analyzer.ingest import InputInfo

STYLE: Final = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "bold yellow",
    "low": "cyan",
    "info": "dim",
}


def render_text(
    analysis: Analysis,
    console: Console,
    *,
    verbosity: int = 0,
    tz: str = "UTC",
    since: datetime | None = None,
    until: datetime | None = None,
) -> None:
    """Print the report on ``console``: the verdict (``verbosity`` 0), plus evidence (1), everything (2)."""
    verdict = build_verdict(analysis, tz=tz, since=since, until=until)
    report = _Report(analysis, console, verbosity=max(verbosity, 0), tz=tz)
    report.verdict(verdict)


class _Report:
    def __init__(self, analysis: Analysis, console: Console, *, verbosity: int, tz: str) -> None:
        self.analysis = analysis
        self.console = console
        self.verbosity = verbosity
        self.tz = tz

    def print(self, *items: RenderableType) -> None:
        self.console.print(*items)

    def line(self, text: Text, indent: int = 0) -> None:
        """One line, cut with an ellipsis at the console's width rather than wrapped."""
        self.console.print(Text(" " * indent) + text, no_wrap=True, overflow="ellipsis")

    def paragraph(self, text: RenderableType, indent: int, *, below: int = 0) -> None:
        self.console.print(Padding(text, (0, 0, below, indent), expand=False))

    def verdict(self, verdict: Verdict) -> None:
        if not verdict.causes:
            self.healthy(verdict)
        for cause in verdict.causes:
            self.cause(cause)
        self.group("Follows from it:" if len(verdict.causes) == 1 else "Follow from them:", verdict.following)
        self.group("Also found:" if verdict.causes else "Findings:", verdict.others)
        self.print(Text(""))
        self.print(Text(printable(verdict.read)))
        for warning in verdict.warnings:
            self.print(Text.assemble(("! ", "bold yellow"), printable(warning)))
        for change in verdict.changes:
            self.print(Text.assemble(("Configuration changed: ", "bold"), printable(change)))
        if self.verbosity >= 2:
            self.inputs()
            self.not_concluded()
        elif self.verbosity == 0:
            self.line(
                Text(
                    "-v: the evidence · -vv: everything · --format html -o report.html: timeline", style="dim"
                )
            )

    def healthy(self, verdict: Verdict) -> None:
        self.print(Text("No failure signature found in these logs.", style="bold green"))
        rules = len(self.analysis.rules)
        skipped = len(self.analysis.not_concluded)
        checked = f"Checked {plural(rules, 'rule')} against them"
        if skipped:
            checked += f"; {skipped} could not run for lack of a source" + (
                " (-vv lists them)" if self.verbosity < 2 else ""
            )
        self.print(Text(checked + "."))

    def headline(self, f: Finding, indent: int = 0) -> None:
        """The severity and title, then the rule id, how many matches and when."""
        head = Text()
        head.append(f" {f.severity.upper()} ", style=STYLE[f.severity])
        head.append(" " + printable(f.title), style="bold")
        self.paragraph(head, indent)
        meta = [f.rule, plural(f.count, "match", "matches")]
        if f.first_seen:
            meta.append(span(f.first_seen, f.last_seen, self.tz))
        self.line(Text(" · ".join(meta), style="dim"), indent + 2)

    def cause(self, f: Finding) -> None:
        self.headline(f)
        self.print(Text(""))
        if self.verbosity >= 1:
            for paragraph in plain(f.explanation).split("\n\n"):
                self.paragraph(Text(paragraph), 2, below=1)
        else:
            text, more = lead(f.explanation)
            self.paragraph(Text(plain(text) + (" (-v: the whole explanation)" if more else "")), 2, below=1)
        self.paragraph(Text.assemble(("Fix: ", "bold green"), plain(f.remediation)), 2)
        after = f.began_after_sentence()
        if after:
            self.paragraph(Text.assemble(("What changed: ", "bold"), f"it {plain(after)}."), 2)
        self.evidence(f, indent=2)

    def group(self, title: str, findings: list[Finding]) -> None:
        if not findings:
            return
        self.print(Text(""))
        self.print(Text(title, style="bold"))
        width = max(len(f.rule) for f in findings)
        for f in findings:
            if self.verbosity == 0:
                self.line(self.one_line(f, width), 2)
                continue
            self.headline(f, 2)
            if self.verbosity >= 2:
                for paragraph in plain(f.explanation).split("\n\n"):
                    self.paragraph(Text(paragraph), 4)
                self.paragraph(Text.assemble(("Fix: ", "bold green"), plain(f.remediation)), 4)
            self.evidence(f, indent=4)
            self.print(Text(""))

    def one_line(self, f: Finding, width: int) -> Text:
        line = Text()
        line.append(f"{f.severity:<8}", style=STYLE[f.severity].replace("white on red", "red"))
        line.append(f"  {f.rule:<{width}}", style="bold")
        line.append(f"  {printable(f.title)}")
        return line

    def evidence(self, f: Finding, *, indent: int) -> None:
        if not f.evidence:
            return
        rows = readable(
            evidence_events(self.analysis.events, f.evidence), tz=self.tz, redact=self.analysis.redact
        )
        if self.verbosity == 0:
            self.line(_evidence_places(rows), indent)
            return
        zone = zone_name(f.first_seen, self.tz)
        self.print(Text(""))
        self.line(Text(f"Evidence ({plural(rows.height, 'line')}, times {zone}):", style="bold"), indent)
        for source in rows["source"].unique(maintain_order=True).to_list():
            part = rows.filter(pl.col("source") == source)
            self.paragraph(evidence_table(part, source, width=self.console.width - indent), indent)
            if self.verbosity >= 2:
                # whole, one per line, for copying and grepping: the terminal wraps them, nothing folds them
                for where, raw in part.select("where", "raw").iter_rows():
                    line = (
                        Text(" " * indent)
                        + Text(printable(where), style="cyan")
                        + "  "
                        + Text(printable(raw or ""), style="dim")
                    )
                    self.console.print(line, soft_wrap=True)

    def inputs(self) -> None:
        self.print(Text(""))
        self.print(inputs_table(self.analysis.inputs))

    def not_concluded(self) -> None:
        if not self.analysis.not_concluded:
            return
        self.print(Text("Not concluded (a source they need is missing):", style="bold"))
        for rule_id, reason in self.analysis.not_concluded:
            self.print(Text(f"  {rule_id}: {printable(reason)}", style="dim"))


def _evidence_places(rows: pl.DataFrame) -> Text:
    """``Evidence: 13 lines (-v) — traefik/access.log:20, 22, 23 …; config/dynamic.yml:10``."""
    by_place: dict[str, list[str]] = {}
    for place, locator in rows.select("place", "locator").iter_rows():
        by_place.setdefault(place, []).append(locator)
    parts = []
    for place, locators in by_place.items():
        shown = [locators[0], *(loc.lstrip(":").strip() for loc in locators[1:3])]
        parts.append(place + ", ".join(shown) + (" …" if len(locators) > 3 else ""))
    text = Text()
    text.append("Evidence: ", style="bold")
    text.append(f"{plural(rows.height, 'line')} (-v) — ", style="dim")
    text.append(printable("; ".join(parts)), style="cyan")
    return text


def evidence_table(rows: pl.DataFrame, source: str, *, width: int) -> Table:
    """Readable events of one source, aligned: time, status, duration and level in fixed columns, then
    what happened (request or message) over where it went (router → upstream) and where it is logged.

    Two lines per event (three when the route and the place do not fit ``width`` together) keep the
    columns readable at 80 columns.
    """
    table = Table(
        box=None,
        show_header=False,
        pad_edge=False,
        padding=(0, 2, 0, 0),
        title=source,
        title_justify="left",
        title_style="bold",
    )
    fixed = [name for name in ("time", "level", "method", "status", "took") if _has(rows, name)]
    room = width - sum(int(rows.select(pl.col(name).str.len_chars().max()).item() or 1) + 2 for name in fixed)
    for name in fixed:
        table.add_column(HEADINGS[name], no_wrap=True)
    table.add_column("event", overflow="fold", ratio=1)
    for row in rows.iter_rows(named=True):
        cells: list[RenderableType] = [
            Text(printable(row[name] or ""), style="bold" if name == "method" else "") for name in fixed
        ]
        main = Text()
        if row["method"]:
            main.append(printable(row["target"] or ""))
        else:
            main.append(printable(row["message"] or ""))
        detail = [part for part in (_route(row), row["where"]) if part]
        joined = "  ·  ".join(detail)
        main.append("\n" + printable(joined if len(joined) <= room else "\n".join(detail)), style="dim")
        table.add_row(*cells, main)
    return table


def _has(rows: pl.DataFrame, name: str) -> bool:
    if name == "time":
        return bool((rows["time"] != "-").any())
    return name in rows.columns and bool(rows[name].is_not_null().any())


def _route(row: dict[str, str | None]) -> str:
    """``web@file → http://127.0.0.1:38619`` (what routed the request, and where to)."""
    router, upstream = row.get("router"), row.get("upstream")
    if router and upstream:
        return f"{router} → {upstream}"
    return router or (f"→ {upstream}" if upstream else "")


def inputs_table(inputs: list[InputInfo]) -> Table:
    """Every input: source, format, events, unparsed lines, clock offset, notes."""
    table = Table(title="Inputs", title_justify="left", header_style="bold", box=None, pad_edge=False)
    for name in ("input", "source", "format", "events", "unparsed", "clock", "notes"):
        table.add_column(name, overflow="fold", no_wrap=name in ("events", "unparsed"))
    for info in inputs:
        if info.error:
            table.add_row(
                printable(info.label), "-", "-", "-", "-", "-", Text(f"skipped: {info.error}", style="yellow")
            )
            continue
        notes = [*info.notes]
        if info.tz and not any("read as" in n for n in notes):
            notes.insert(0, f"times without zone read as {info.tz}")
        table.add_row(
            printable(info.label), info.source or "", info.format_label or "", f"{info.events:,}",
            f"{info.unparsed_lines:,}", offset_text(info), printable("; ".join(notes)),
        )  # fmt: skip
    return table


#: Evidence lines longer than this are cut in the Markdown report's raw lines (JSON carries them whole).
EVIDENCE_CHARS = 400


def shorten(text: str) -> str:
    """A raw line for people: whole up to EVIDENCE_CHARS, else cut with a note of the size."""
    return text if len(text) <= EVIDENCE_CHARS else f"{text[:EVIDENCE_CHARS]}… ({len(text)} characters)"


def offset_text(info: InputInfo) -> str:
    """How an input's clock was aligned, for the inputs tables."""
    if info.clock_reference:
        return "reference"
    if info.aligned is None:
        return "-"
    return f"{info.clock_offset_ms or 0:+.0f} ms" if info.aligned else "not aligned"
