"""``wsdiag events`` output: the event table as a terminal table, JSON lines, CSV or Parquet."""

from __future__ import annotations

import sys

import polars as pl
from rich.console import Console
from rich.table import Table

from analyzer.model import by_time
from analyzer.redact import redact_events
from analyzer.report.safe import printable

_TABLE_COLUMNS = ("ts", "source", "kind", "status", "method", "path", "transport", "sid", "router", "message")
_TABLE_DEFAULT_LIMIT = 50
ISO_US = "%Y-%m-%dT%H:%M:%S%.6fZ"


def iso_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Datetime columns as UTC ISO 8601 strings (``2026-11-25T10:00:00.123000Z``)."""
    return frame.with_columns(
        pl.col(name).dt.strftime(ISO_US)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    )


def write_events(
    events: pl.DataFrame, *, fmt: str, output: str | None, limit: int | None, redact: bool = True
) -> None:
    """Write ``events`` in ``fmt`` to ``output`` (a path) or stdout, secrets masked unless ``redact`` is off."""
    events = by_time(events)
    if limit is not None:
        events = events.head(limit)
    if redact:
        events = redact_events(events)
    if fmt == "parquet":
        events.write_parquet(output if output else sys.stdout.buffer)
        return
    if fmt == "table":
        _print_table(events, output, limit)
        return
    text = iso_columns(events)
    if fmt == "csv":
        # CSV is read with cat and less too: no terminal escape sequence may reach a screen from it
        text = text.with_columns(
            pl.col(pl.String)
            .str.replace_all("\x1b", "\\x1b", literal=True)
            .str.replace_all(r"[\x00-\x08\x0b-\x1f\x7f]", "\ufffd")
        )
    data = text.write_ndjson() if fmt == "jsonl" else text.write_csv()
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(data)
    else:
        sys.stdout.write(data)


def _print_table(events: pl.DataFrame, output: str | None, limit: int | None) -> None:
    shown = events if limit is not None or output else events.head(_TABLE_DEFAULT_LIMIT)
    table = Table(show_lines=False, header_style="bold", pad_edge=False, box=None)
    for name in _TABLE_COLUMNS:
        fixed = name in ("ts", "source", "kind", "status", "method", "transport")
        table.add_column(name, no_wrap=fixed, overflow="ellipsis" if not fixed else "crop", max_width=None)
    readable = shown.select(_TABLE_COLUMNS).with_columns(pl.col("ts").dt.strftime("%Y-%m-%d %H:%M:%S%.3f"))
    for row in readable.iter_rows():
        table.add_row(*(_cell(v) for v in row))
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            Console(file=fh, width=200, color_system=None).print(table)
        return
    console = Console(soft_wrap=False, width=max(Console().width, 160))
    console.print(table)
    if shown.height < events.height:
        console.print(
            f"… {events.height - shown.height} more events (use --limit, or --format jsonl/csv/parquet)",
            style="dim",
        )


def _cell(value: object) -> str:
    if value is None:
        return ""
    return printable(str(value))
