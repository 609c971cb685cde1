"""``wsdiag events`` output: the event table as a terminal table, JSON lines, CSV or Parquet."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl
from rich.table import Table

from analyzer.model import by_time
from analyzer.redact import redact_events
from analyzer.report.output import plain_text, stdout_console, write_data
from analyzer.report.safe import printable

if TYPE_CHECKING:
    from analyzer.report.output import OutputOptions

_TABLE_COLUMNS = (
    "ts", "source", "kind", "status", "method", "path", "transport", "sid", "conn_id", "router", "message",
)  # fmt: skip
#: Columns ``--key`` looks a value up in.
KEY_COLUMNS = ("conn_id", "sid", "t", "request_id", "socket_id")
_TABLE_DEFAULT_LIMIT = 50
ISO_US = "%Y-%m-%dT%H:%M:%S%.6fZ"


def iso_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Datetime columns as UTC ISO 8601 strings (``2026-11-25T10:00:00.123000Z``)."""
    return frame.with_columns(
        pl.col(name).dt.strftime(ISO_US)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    )


@dataclass(frozen=True)
class EventFilter:
    """``--source``, ``--kind`` and ``--key`` of ``wsdiag events`` (empty: no filter)."""

    sources: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    key: str | None = None

    def apply(self, events: pl.DataFrame) -> pl.DataFrame:
        """The events that pass; ``key`` keeps every event of the connections that carry it."""
        if self.sources:
            events = events.filter(pl.col("source").is_in(self.sources))
        if self.kinds:
            events = events.filter(pl.col("kind").is_in(self.kinds))
        if self.key:
            carries = pl.any_horizontal(pl.col(c) == self.key for c in KEY_COLUMNS).fill_null(False)
            conns = events.filter(carries)["conn_id"].drop_nulls().unique().implode()
            events = events.filter(carries | pl.col("conn_id").is_in(conns))
        return events


def write_events(
    events: pl.DataFrame,
    output: OutputOptions,
    *,
    where: EventFilter | None = None,
    limit: int | None = None,
    redact: bool = True,
) -> None:
    """Write ``events`` (filtered, in time order) in ``output.fmt``, secrets masked unless ``redact`` is off."""
    events = by_time(where.apply(events) if where else events)
    if limit is not None:
        events = events.head(limit)
    if redact:
        events = redact_events(events)
    fmt = output.fmt or "table"
    if fmt == "parquet":
        buffer = io.BytesIO()
        events.write_parquet(buffer)
        write_data(buffer.getvalue(), output, what="events")
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
    write_data(text.write_ndjson() if fmt == "jsonl" else text.write_csv(), output, what="events")


def _print_table(events: pl.DataFrame, output: OutputOptions, limit: int | None) -> None:
    shown = events if limit is not None or output.output else events.head(_TABLE_DEFAULT_LIMIT)
    table = Table(show_lines=False, header_style="bold", pad_edge=False, box=None)
    readable = shown.select(_TABLE_COLUMNS).with_columns(pl.col("ts").dt.strftime("%Y-%m-%d %H:%M:%S%.3f"))
    widths = readable.select(pl.col(c).cast(pl.String).str.len_chars().max() for c in _TABLE_COLUMNS).row(0)
    for name, width in zip(_TABLE_COLUMNS, widths, strict=True):
        # one line per event: long values are cut (jsonl, csv and parquet carry them whole)
        if name in ("path", "sid", "router", "message"):
            table.add_column(name, no_wrap=True, overflow="ellipsis", ratio=3 if name == "message" else 1)
        else:
            table.add_column(name, no_wrap=True, min_width=max(width or 0, len(name)))
    for row in readable.iter_rows():
        table.add_row(*(_cell(v) for v in row))
    if output.output:
        write_data(plain_text(lambda console: console.print(table), 200), output, what="events")
        return
    console = stdout_console(output.color, width=max(stdout_console().width, 160))
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
