"""Rendering stage: turn results into text for terminals, tickets and other programs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from analyzer.analysis import Analysis


def terminal() -> Console:
    """A console for stdout: the terminal's width, or 120 columns when writing to a pipe or file."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=120)
    return console


def build_json(analysis: Analysis) -> dict[str, object]:
    """The ``wsdiag.report/1`` document of an analysis."""
    from analyzer.report.json_report import build_report, change_entry

    extra: dict[str, object] = {}
    if analysis.not_concluded:
        extra["not_concluded"] = [{"rule": r, "reason": why} for r, why in analysis.not_concluded]
    if analysis.gaps:
        extra["gaps"] = analysis.gaps
    if analysis.changes:
        extra["changes"] = [change_entry(c) for c in analysis.changes]
    if analysis.clock_warnings:
        extra["clock_warnings"] = list(analysis.clock_warnings)
    if analysis.config_changes:
        extra["config_changes"] = list(analysis.config_changes)
    return build_report(
        analysis.findings,
        analysis.inputs,
        events=analysis.events.height,
        connections=analysis.connections.height,
        extra=extra,
    )


def write_report(analysis: Analysis, *, fmt: str, output: str | None) -> None:
    """Render ``analysis`` as ``fmt`` (text, markdown, json, html) to ``output`` or stdout.

    What is rendered is :func:`analyzer.report.boundary.outbound`'s copy: secrets masked, gaps stated.
    """
    from analyzer.report.boundary import outbound

    analysis = outbound(analysis)
    if fmt == "text":
        if output:
            with Path(output).open("w", encoding="utf-8") as fh:
                from analyzer.report.text import render_text

                render_text(analysis, Console(file=fh, width=120, color_system=None, soft_wrap=False))
            return
        from analyzer.report.text import render_text

        render_text(analysis, terminal())
        return
    if fmt == "markdown":
        from analyzer.report.markdown import render_markdown

        data = render_markdown(analysis)
    elif fmt == "html":
        from analyzer.report.html import render_html

        data = render_html(analysis)
    else:
        from analyzer.report.json_report import dumps

        data = dumps(build_json(analysis))
    if output:
        Path(output).write_text(data, encoding="utf-8")
    else:
        sys.stdout.write(data)
