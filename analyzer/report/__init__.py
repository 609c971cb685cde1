"""Rendering stage: turn results into text for terminals, tickets and other programs."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from analyzer.analysis import Analysis
    from analyzer.report.output import OutputOptions


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


def write_report(
    analysis: Analysis,
    output: OutputOptions,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> None:
    """Render ``analysis`` in ``output.fmt`` (text by default) to ``output.output`` or stdout.

    What is rendered is :func:`analyzer.report.boundary.outbound`'s copy: secrets masked, gaps stated.
    """
    from analyzer.report.boundary import outbound
    from analyzer.report.output import emit_text, write_data

    analysis = outbound(analysis)

    fmt = output.fmt or "text"
    if fmt == "text":
        from analyzer.report.text import render_text

        emit_text(
            lambda console: render_text(
                analysis, console, verbosity=output.verbosity, tz=output.tz, since=since, until=until
            ),
            output,
        )
        return
    if fmt == "markdown":
        from analyzer.report.markdown import render_markdown

        data = render_markdown(analysis, tz=output.tz, since=since, until=until)
    elif fmt == "html":
        from analyzer.report.html import render_html

        data = render_html(analysis, tz=output.tz)
        if output.open and output.output is None:
            with tempfile.NamedTemporaryFile("w", prefix="wsdiag-", suffix=".html", delete=False) as fh:
                output = replace(output, output=Path(fh.name))
    else:
        from analyzer.report.json_report import dumps

        data = dumps(build_json(analysis))
    write_data(data, output)
    if output.open and output.output is not None:
        import click

        click.launch(str(output.output))
