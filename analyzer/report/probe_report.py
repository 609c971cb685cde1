"""The reports of ``wsdiag probe``: one row per step, the failing step's rule and fix first.

JSON is ``wsdiag.report/1`` with the probe's steps under ``probe`` (the findings as ``analyze`` writes
them, their evidence of source ``probe``): a script reading ``findings`` and ``root_causes`` reads a probe
like an analysis. Every string is masked (``analyzer.redact``) unless ``--no-redact``, and so are the
values of ``--header`` options wherever they appear.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from rich.console import Console
from rich.table import Table
from rich.text import Text

from analyzer.findings import rank, root_causes
from analyzer.redact import MASK, redact_texts
from analyzer.report.json_report import build_report, dumps, iso
from analyzer.report.safe import printable

if TYPE_CHECKING:
    from analyzer.live.model import ProbeResult, Step
    from analyzer.report.output import OutputOptions

_MARK: Final = {"ok": "✓", "failed": "✗", "warning": "!", "skipped": "–"}
_STYLE: Final = {"ok": "green", "failed": "bold red", "warning": "yellow", "skipped": "dim"}


def masked(result: ProbeResult, secrets: tuple[str, ...], *, redact: bool = True) -> ProbeResult:
    """A copy whose strings are masked: the known secret shapes and the ``--header`` values given."""
    if not redact:
        return result
    texts: list[str | None] = []

    def collect(text: str) -> str:
        texts.append(text)
        return text

    _walk(result, collect)
    cleaned = redact_texts(texts)
    done = iter(cleaned)

    def mask(_: str) -> str:
        text = next(done) or ""
        for secret in secrets:
            if len(secret) >= 4:
                text = text.replace(secret, MASK)
        return text

    return _walk(result, mask)


def _walk(result: ProbeResult, f: Any) -> ProbeResult:
    steps = [
        replace(
            s,
            sent=f(s.sent),
            received=f(s.received),
            detail=f(s.detail),
            headers={k: f(v) for k, v in s.headers.items()},
        )
        for s in result.steps
    ]
    findings = [
        replace(
            x,
            explanation=f(x.explanation),
            keys={k: f(v) for k, v in x.keys.items()},
            evidence=[replace(e, text=f(e.text), path=f(e.path)) for e in x.evidence],
        )
        for x in result.findings
    ]
    return replace(result, url=f(result.url), steps=steps, findings=findings)


def step_entry(step: Step) -> dict[str, Any]:
    """One element of ``probe.steps``."""
    entry: dict[str, Any] = {
        "name": step.name,
        "title": step.title,
        "outcome": step.outcome,
        "sent": step.sent,
        "received": step.received,
        "status": step.status,
        "headers": step.headers,
        "elapsed_ms": step.elapsed_ms,
        "at": iso(step.at),
    }
    if step.detail:
        entry["detail"] = step.detail
    if step.rule:
        entry["rule"] = step.rule
    return entry


def build_json(result: ProbeResult) -> dict[str, Any]:
    """The ``wsdiag.report/1`` document of a probe."""
    failed = result.failed_step
    probe: dict[str, Any] = {
        "url": result.url,
        "mode": result.mode,
        "eio": result.eio,
        "started": iso(result.started),
        "finished": iso(result.finished),
        "requests": result.requests,
        "sids": result.sids,
        "passed": result.passed,
        "failed_step": failed.name if failed else None,
        "steps": [step_entry(s) for s in result.steps],
    }
    if result.stopped:
        probe["stopped"] = result.stopped
    if result.unreachable:
        probe["unreachable"] = True
    if result.logs is not None:
        logs: dict[str, Any] = {
            "path": result.logs.path,
            "marked_lines": result.logs.marked_lines,
            "rules": [f.rule for f in rank(result.logs.findings)],
        }
        if result.logs.error:
            logs["error"] = result.logs.error
        probe["logs"] = logs
    return build_report(result.findings, [], events=0, extra={"probe": probe})


def render_text(result: ProbeResult, console: Console, *, verbosity: int = 0) -> None:
    """The verdict (the failing step's rule and fix), then the steps, one row each."""
    causes = root_causes(rank(result.findings))
    head = Text()
    if result.unreachable:
        failed = result.failed_step
        head.append("✗ unreachable: ", style="bold red")
        head.append(printable(failed.received if failed else result.url))
    elif causes:
        cause = causes[0]
        head.append(f"✗ {cause.rule}", style="bold red")
        head.append(f" ({cause.severity}) — {printable(cause.title)}")
    elif result.findings:
        finding = rank(result.findings)[0]
        head.append(f"! {finding.rule}", style="yellow")
        head.append(f" ({finding.severity}) — {printable(finding.title)}")
    elif result.failed_step:
        head.append(f"✗ step `{result.failed_step.title}` failed", style="bold red")
        head.append(" (no catalog rule for this answer)")
    else:
        head.append("✓ every step passed", style="bold green")
    head.append(f"  {printable(result.url)}", style="dim")
    console.print(head)
    for finding in rank(result.findings):
        console.print(Text(printable(finding.explanation)))
        if finding.remediation:
            console.print(Text("Fix: ", style="bold").append(printable(finding.remediation)))
    failed = result.failed_step
    if failed and failed.rule is None and failed.detail:
        console.print(Text(printable(failed.detail)))
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=False)
    table.add_column("", no_wrap=True)
    table.add_column("step", no_wrap=True)
    table.add_column("sent", overflow="fold")
    table.add_column("received", overflow="fold")
    table.add_column("ms", justify="right", no_wrap=True)
    for step in result.steps:
        received = step.received
        if step.headers and (verbosity > 0 or step.outcome == "failed"):
            received += " [" + ", ".join(f"{k}: {v}" for k, v in step.headers.items()) + "]"
        table.add_row(
            Text(_MARK[step.outcome], style=_STYLE[step.outcome]),
            Text(printable(step.title)),
            Text(printable(step.sent)),
            Text(printable(received)),
            "" if step.elapsed_ms is None else f"{step.elapsed_ms:.0f}",
        )
        if verbosity > 0 and step.detail and step.outcome != "failed":
            table.add_row("", "", Text(printable(step.detail), style="dim"), "", "")
    console.print()
    console.print(table)
    took = (result.finished - result.started).total_seconds()
    tail = f"{result.requests} request(s) in {took:.1f} s"
    if result.stopped:
        tail += f"; stopped: {result.stopped}"
    console.print(Text(tail, style="dim"))
    if result.logs is not None:
        console.print(Text(printable(logs_sentence(result)), style="dim"))


def render_markdown(result: ProbeResult) -> str:
    """A ticket-ready summary: the verdict, the fix, the steps as a table."""
    lines = [f"## wsdiag probe `{_md(result.url)}`", ""]
    causes = root_causes(rank(result.findings))
    if result.unreachable:
        failed = result.failed_step
        lines.append(f"**Unreachable**: {_md(failed.received if failed else '')}")
    elif causes or result.findings:
        for finding in rank(result.findings):
            lines.append(f"**{finding.rule}** ({finding.severity}) — {_md(finding.title)}")
            lines += ["", _md(finding.explanation), "", f"**Fix:** {_md(finding.remediation)}", ""]
    elif result.failed_step:
        lines.append(f"**Step `{_md(result.failed_step.title)}` failed**: {_md(result.failed_step.detail)}")
    else:
        lines.append("**Every step passed.**")
    lines += ["", "| | step | sent | received | who answered | ms |", "|---|---|---|---|---|---|"]
    for step in result.steps:
        who = ", ".join(f"{k}: {v}" for k, v in step.headers.items())
        ms = "" if step.elapsed_ms is None else f"{step.elapsed_ms:.0f}"
        lines.append(
            f"| {_MARK[step.outcome]} | {_md(step.title)} | `{_md(step.sent)}` | {_md(step.received)} | {_md(who)} | {ms} |"
        )
    took = (result.finished - result.started).total_seconds()
    lines += ["", f"{result.requests} request(s) in {took:.1f} s."]
    if result.logs is not None:
        lines += ["", _md(logs_sentence(result))]
    return "\n".join(lines) + "\n"


def logs_sentence(result: ProbeResult) -> str:
    """``--with-logs``: what the logs written during the probe say, in one sentence."""
    logs = result.logs
    assert logs is not None
    if logs.error:
        return f"Logs {logs.path}: not read ({logs.error})."
    rules = ", ".join(dict.fromkeys(f.rule for f in rank(logs.findings))) or "nothing"
    story = (
        f" The probe's session in them: wsdiag timeline {logs.path} --key {result.sids[0]}"
        if result.sids
        else ""
    )
    return (
        f"Logs {logs.path}: {logs.marked_lines} line(s) carry the probe's requests "
        f"(X-Request-Id wsdiag-probe-{result.run_id}-…, t=wsdiag{result.run_id}…); they name: {rules}.{story}"
    )


def _md(text: str) -> str:
    return printable(text).replace("|", "\\|").replace("`", "'")[:400]


def write_probe_report(
    result: ProbeResult, output: OutputOptions, *, secrets: tuple[str, ...] = (), redact: bool = True
) -> None:
    """Render ``result`` (masked) in ``output.fmt`` to ``-o`` or stdout."""
    from analyzer.report.output import emit_text, write_data

    result = masked(result, secrets, redact=redact)
    fmt = output.fmt or "text"
    if fmt == "json":
        write_data(dumps(build_json(result)), output)
    elif fmt == "markdown":
        write_data(render_markdown(result), output)
    else:
        emit_text(lambda console: render_text(result, console, verbosity=output.verbosity), output)
