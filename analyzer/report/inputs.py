"""The per-input summary printed on stderr: what was read, as what, and what was not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from analyzer.redact import redact

if TYPE_CHECKING:
    from analyzer.ingest import InputInfo


def describe_input(info: InputInfo) -> str:
    """One line about one input, plain text."""
    if info.error:
        first = f" (first line: {redact(info.first_line)!r})" if info.first_line else ""
        text = f"{info.label}: skipped: {info.error}{first}"
        return text + "".join(f"\n    note: {note}" for note in info.notes)
    parts = [f"{info.label}: {info.format_label} ({info.source})", f"{info.events} events"]
    if info.unparsed_lines:
        more = "…" if info.unparsed_lines > len(info.unparsed_examples) else ""
        lines = ", ".join(map(str, info.unparsed_examples))
        parts.append(
            f"{info.unparsed_lines} unparsed (line {lines}{more}: {redact(info.first_line or '')!r})"
        )
    else:
        parts.append("0 unparsed")
    if info.wrappers:
        parts.append("unwrapped " + "+".join(info.wrappers))
    if info.compression:
        parts.append(info.compression)
    if info.tz and info.tz != "UTC":
        parts.append(f"times read as {info.tz}")
    text = ", ".join(parts)
    for note in info.notes:
        text += f"\n    note: {note}"
    return text


def print_input_summary(inputs: list[InputInfo], *, console: Console | None = None) -> None:
    """Print one line per input on stderr (problems in colour on a terminal)."""
    console = console or Console(stderr=True, highlight=False, soft_wrap=True)
    for info in inputs:
        style = "yellow" if info.error else ("" if not info.unparsed_lines else "cyan")
        text = escape(describe_input(info))
        console.print(f"[{style}]{text}[/]" if style else text)
