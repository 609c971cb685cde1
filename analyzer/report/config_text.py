"""``wsdiag check-config`` output: findings, the router table and explained requests as text, Markdown or
the ``wsdiag.report/1`` JSON document (with ``routers`` and ``explanations`` added)."""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from analyzer.config.analysis import router_record, websocket_guess
from analyzer.findings import SEVERITIES, rank
from analyzer.redact import redact
from analyzer.report.json_report import build_report, dumps
from analyzer.report.safe import md_code_span, md_inline, md_prose, printable

if TYPE_CHECKING:
    from analyzer.config.analysis import ConfigCheck, Explanation
    from analyzer.config.model import ConfigSet
    from analyzer.findings import Finding
    from analyzer.ingest import InputInfo
    from analyzer.report.output import OutputOptions


_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
_CODE_SPAN = re.compile(r"(`{2,}) (.+?) \1")
_WIDTH = 160


def write_check(check: ConfigCheck, output: OutputOptions, *, redact_secrets: bool = True) -> None:
    """Write the check's report in ``output.fmt`` (text, markdown, json, sarif); secrets masked by default."""
    from analyzer.report.output import emit_text, write_data

    if redact_secrets:
        check = redacted(check)
    fmt = output.fmt or "text"
    if fmt == "text":
        emit_text(lambda console: _text(check, console), output, width=_WIDTH)
        return
    if fmt == "json":
        text = dumps(check_report(check))
    elif fmt == "sarif":
        from analyzer.report import sarif
        from analyzer.rules import default_rule_dirs, load_rules

        text = sarif.dumps(sarif.sarif_log(check, load_rules(default_rule_dirs())))
    else:
        text = markdown(check)
    write_data(text, output)


def redacted(check: ConfigCheck) -> ConfigCheck:
    """The check with secrets masked in what came from the user: evidence lines and explained requests."""
    findings = [
        replace(f, evidence=[replace(e, text=redact(e.text)) for e in f.evidence]) for f in check.findings
    ]
    explanations = [replace(e, shown=redact(str(e.request))) for e in check.explanations]
    return replace(check, findings=findings, explanations=explanations)


# -- JSON ---------------------------------------------------------------------------------------------


def config_inputs(config: ConfigSet) -> list[InputInfo]:
    """The report's ``inputs``: one per configuration file, its format and its number of routers."""
    from analyzer.ingest import InputInfo

    inputs = []
    for f in config.files:
        info = InputInfo(f.path, source="config", format=f.format, events=f.routers, notes=list(f.notes))
        if f.error:
            info.error = f.error if f.error_line is None else f"line {f.error_line}: {f.error}"
        inputs.append(info)
    return inputs


def check_report(check: ConfigCheck) -> dict[str, Any]:
    """The ``wsdiag.report/1`` document of a configuration check."""
    routers = sorted(check.config.routers, key=lambda r: (-r.priority, r.qualified))
    extra: dict[str, Any] = {"routers": [router_record(r, check.config) for r in routers]}
    if check.explanations:
        extra["explanations"] = [explanation_entry(e) for e in check.explanations]
    if check.nginx_routes:
        extra["nginx_routes"] = [
            {"url": r.url, "config": r.config, "server": r.server, "location": r.location, "why": r.why,
             "passed_over": list(r.passed_over), "settings": list(r.settings), "summary": r.summary}
            for r in check.nginx_routes
        ]  # fmt: skip
    return build_report(check.findings, config_inputs(check.config), events=0, extra=extra)


def explanation_entry(e: Explanation) -> dict[str, Any]:
    """One explained request as plain values."""
    return {
        "request": e.shown,
        "method": e.request.method,
        "url": e.shown.split(" ", 1)[1],
        "entry_points": [e.entry_point, *e.also_on],
        "winner": e.winner.qualified if e.winner else None,
        "tied": [r.qualified for r in e.tied],
        "uncertain": [r.qualified for r in e.uncertain],
        "summary": f"{e.shown} → {e.verdict}",
        "candidates": [
            {"router": c.router.qualified, "priority": c.priority, "matched": c.matched, "reason": c.reason}
            for c in e.candidates
        ],
    }


# -- text ---------------------------------------------------------------------------------------------


def _text(check: ConfigCheck, console: Console) -> None:
    console.print(Text(headline(check), style="bold"))
    for e in check.explanations:
        console.print()
        _text_explanation(e, console)
    for r in check.nginx_routes:
        console.print()
        console.print(Text(r.summary, style="bold"))
        for line in (f"why: {r.why}", *(f"not: {p}" for p in r.passed_over), *r.settings):
            console.print(Padding(Text(line), (0, 0, 0, 2)))
    for f in rank(check.findings):
        console.print()
        _text_finding(f, console)
    if check.config.routers:
        console.print()
        console.print(Text("Routers", style="bold"))
        console.print(Padding(_router_table(check.config), (0, 0, 0, 2)))


def headline(check: ConfigCheck) -> str:
    """``3 files, 5 routers, 2 findings (1 critical, 1 medium)``."""
    files = len(check.config.readable)
    routers = len(check.config.routers)
    counts = Counter(f.severity for f in check.findings)
    by = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
    findings = f"{len(check.findings)} finding{'s' if len(check.findings) != 1 else ''}" + (
        f" ({by})" if by else ""
    )
    locations = sum(n.locations for n in check.config.nginx)
    what = f"{routers} router{'s' if routers != 1 else ''}"
    if check.config.nginx:
        nginx = f"{locations} nginx location{'s' if locations != 1 else ''}"
        what = f"{what}, {nginx}" if routers else nginx
    return f"wsdiag check-config: {files} file{'s' if files != 1 else ''}, {what}, {findings}"


def _text_finding(f: Finding, console: Console) -> None:
    console.print(
        Text.assemble(
            (f.severity.upper(), _SEVERITY_STYLE[f.severity]),
            "  ",
            (f.rule, "bold"),
            "  ",
            printable(f.title),
        )
    )
    for paragraph in plain(f.explanation).split("\n\n"):
        console.print(_indented(paragraph, 2))
        console.print()
    console.print(_indented("Fix: " + plain(f.remediation), 2))
    if f.evidence:
        console.print(Text("  Evidence:"))
        for ev in f.evidence:
            where = f"{ev.path}:{ev.line}" if ev.line else ev.path
            console.print(Text.assemble("    ", (printable(where), "dim"), "  ", printable(ev.text)))


def _text_explanation(e: Explanation, console: Console) -> None:
    eps = ", ".join(ep for ep in (e.entry_point, *e.also_on))
    where = "every entry point" if eps == "*" else f"entry point{'s' if e.also_on else ''} {eps}"
    console.print(Text.assemble(("Request ", "bold"), printable(e.shown), f"  ({where})"))
    console.print(Text("  → " + printable(e.verdict)))
    if e.uncertain:
        names = ", ".join(r.qualified for r in e.uncertain)
        console.print(Text(f"  (tried first, and undecidable statically: {names})", style="yellow"))
    if e.redirect_to:
        return
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, padding=(0, 2, 0, 0))
    for column in ("match", "priority", "router", "why"):
        table.add_column(column, overflow="fold")
    for c in e.candidates:
        mark = {True: "yes", False: "no", None: "?"}[c.matched]
        style = "green" if c.router is e.winner else ("red" if c.router in e.tied else "")
        table.add_row(
            mark, str(c.priority), Text(printable(c.router.qualified), style=style), printable(c.reason)
        )
    if not e.candidates:
        console.print(Text("  no router listens there"))
        return
    console.print(Padding(table, (0, 0, 0, 2)))


def _router_table(config: ConfigSet) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, padding=(0, 2, 0, 0))
    for column in ("priority", "router", "entry points", "service", "ws", "rule"):
        table.add_column(column, overflow="fold")
    for r in sorted(config.routers, key=lambda r: (-r.priority, r.qualified)):
        prio = f"{r.priority}" + (" (set)" if r.explicit_priority else "")
        rule = r.rule + (" (default rule)" if r.default_rule else "")
        if r.error:
            rule += f"  [does not parse: column {r.error.column}]"
        table.add_row(
            prio,
            printable(r.qualified),
            printable(",".join(r.entry_points) or "all"),
            printable(r.service_qualified or "-"),
            "yes" if websocket_guess(r).is_websocket else "",
            printable(rule),
        )
    return table


def plain(text: str) -> str:
    """Finding text for a terminal: double-backtick code spans lose their fences; controls become visible."""
    return printable(_CODE_SPAN.sub(lambda m: m.group(2), text))


def _indented(text: str, width: int) -> Padding:
    """A paragraph indented by ``width``, wrapped lines included (code blocks keep their own indent)."""
    return Padding(Text(text), (0, 0, 0, width))


# -- Markdown -----------------------------------------------------------------------------------------


def markdown(check: ConfigCheck) -> str:
    """The report as Markdown (for tickets)."""
    out = ["# wsdiag check-config", "", f"**{headline(check).split(': ', 1)[1]}**", ""]
    for e in check.explanations:
        out += _md_explanation(e)
    for route in check.nginx_routes:
        out += [f"## {md_inline(route.summary)}", "", f"- why: {md_inline(route.why)}"]
        out += [f"- not: {md_inline(p)}" for p in route.passed_over]
        out += [f"- {md_code_span(line)}" for line in route.settings] + [""]
    if check.findings:
        out += ["## Findings", ""]
    for f in rank(check.findings):
        out += [f"### {f.severity.upper()} — {md_inline(f.title)}", "", f"Rule: `{f.rule}`", ""]
        out += [md_prose(f.explanation), "", f"**Fix:** {md_prose(f.remediation)}", ""]
        if f.evidence:
            out += ["**Evidence**", ""]
            for ev in f.evidence:
                where = f"{ev.path}:{ev.line}" if ev.line else ev.path
                out.append(f"- {md_code_span(where)} {md_code_span(ev.text)}")
            out.append("")
    if check.config.routers:
        out += [
            "## Routers",
            "",
            "| priority | router | entry points | service | WebSocket | rule |",
            "|---|---|---|---|---|---|",
        ]
        for r in sorted(check.config.routers, key=lambda r: (-r.priority, r.qualified)):
            prio = f"{r.priority}" + (" (set)" if r.explicit_priority else "")
            cells = [
                prio,
                md_inline(r.qualified),
                md_inline(", ".join(r.entry_points) or "all"),
                md_inline(r.service_qualified or "-"),
                "yes" if websocket_guess(r).is_websocket else "",
                (md_code_span(r.rule).replace("|", "\\|") if r.rule else "")
                + (" (default rule)" if r.default_rule else ""),
            ]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def _md_explanation(e: Explanation) -> list[str]:
    eps = ", ".join((e.entry_point, *e.also_on))
    out = [f"## Request {md_code_span(e.shown)}", "", f"Entry point: {md_inline(eps)}", ""]
    out += [f"**{md_inline(e.verdict)}**", ""]
    if e.candidates:
        out += ["| match | priority | router | why |", "|---|---|---|---|"]
        for c in e.candidates:
            mark = {True: "yes", False: "no", None: "?"}[c.matched]
            reason = md_prose(c.reason).replace("|", "\\|")
            out.append(f"| {mark} | {c.priority} | {md_inline(c.router.qualified)} | {reason} |")
        out.append("")
    return out


# -- stderr -------------------------------------------------------------------------------------------


def describe_files(config: ConfigSet) -> list[str]:
    """One line per configuration file (format, routers, or why it was skipped), notes indented."""
    lines = []
    for f in config.files:
        if f.error:
            where = f" (line {f.error_line})" if f.error_line else ""
            lines.append(f"{f.path}: skipped: {f.error}{where}")
        else:
            unit = {"nginx": "location", "haproxy": "backend", "caddyfile": "reverse_proxy directive"}.get(
                f.format or "", "router"
            )
            lines.append(f"{f.path}: {f.format}, {f.routers} {unit}{'s' if f.routers != 1 else ''}")
        lines.extend(f"    note: {note}" for note in f.notes)
    return lines


def print_files(config: ConfigSet, *, stream: TextIO | None = None) -> None:
    """Print :func:`describe_files` on stderr, masked and printable like every stderr line."""
    from analyzer.redact import redact_texts

    stream = stream or sys.stderr
    for line in redact_texts(describe_files(config)):
        print(printable(line or ""), file=stream)
