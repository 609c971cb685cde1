"""``wsdiag timeline``: the connections, and a connection's story across the three sources.

A story is one line per event — time on the corrected clock, source, what happened, where it is logged —
so it reads top to bottom and greps; long lines are left to the terminal to wrap, never cut or wrapped
inside a column. HAR entries are cited by their index (``entries[12]``): one-line HARs put them all on
line 1.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.table import Table
from rich.text import Text

from analyzer.redact import redact_expr
from analyzer.report.human import fmt_duration, plural, when, zone_name
from analyzer.report.json_report import iso
from analyzer.report.lines import aligned_lines, connection_events, readable, what_expr
from analyzer.report.output import emit_text, write_data
from analyzer.report.safe import printable
from analyzer.report.verdict import OUTCOMES

if TYPE_CHECKING:
    from rich.console import Console

    from analyzer.correlate import Correlated
    from analyzer.report.output import OutputOptions

_KEYS = ("conn_id", "sid", "t", "request_id", "socket_id")
_SOURCE_STYLE = {"proxy": "blue", "backend": "magenta", "browser": "green", "config": "dim"}


def select_connections(
    correlated: Correlated, *, key: str | None, client: str | None, failed: bool
) -> list[str]:
    """Connection ids matching the filters, in time order."""
    conns = correlated.connections
    if key:
        ids = correlated.events.filter(pl.any_horizontal(pl.col(k) == key for k in _KEYS))["conn_id"]
        conns = conns.filter(pl.col("conn_id").is_in(ids.drop_nulls().implode()))
    if client:
        conns = conns.filter(pl.col("client") == client)
    if failed:
        conns = conns.filter(pl.col("outcome") != "ok")
    return conns["conn_id"].to_list()


def story_rows(correlated: Correlated, conn_id: str, *, tz: str, redact: bool) -> pl.DataFrame:
    """One connection's events as readable rows (``what`` says what happened) in corrected time order."""
    events = connection_events(correlated.events, conn_id)
    return readable(events, tz=tz, redact=redact).with_columns(
        what_expr().alias("what"),
        pl.col("level").fill_null(""),
        events["kind"].alias("kind"),
        events["ts"].alias("ts"),
        events["line"].alias("line"),
        events["clock_offset_ms"].alias("clock_offset_ms"),
    )


def story(correlated: Correlated, conn_id: str, *, redact_lines: bool) -> list[dict[str, Any]]:
    """The events of one connection in corrected time order, as JSON-ready values."""
    rows = story_rows(correlated, conn_id, tz="UTC", redact=redact_lines)
    return [
        {
            "ts": iso(row["ts"]),
            "source": row["source"],
            "kind": row["kind"],
            "path": row["place"],
            "line": row["line"],
            "where": row["where"],
            "clock_offset_ms": round(row["clock_offset_ms"] or 0),
            "what": row["what"],
            "text": row["raw"] or "",
        }
        for row in rows.iter_rows(named=True)
    ]


def render_timeline(
    correlated: Correlated,
    output: OutputOptions,
    *,
    key: str | None,
    client: str | None,
    failed: bool,
    limit: int,
    redact: bool,
) -> None:
    """Print the connection list, or the stories of the selected connections."""
    ids = select_connections(correlated, key=key, client=client, failed=failed)
    conns = correlated.connections.filter(pl.col("conn_id").is_in(ids))
    if redact:
        conns = conns.with_columns(
            redact_expr(pl.col("path")), pl.col("routers").list.eval(redact_expr(pl.element()))
        )
    stories = key is not None or failed
    if output.fmt == "json":
        doc: dict[str, Any] = {"connections": _connection_rows(conns)}
        if stories:
            doc["stories"] = {cid: story(correlated, cid, redact_lines=redact) for cid in ids[:limit]}
        write_data(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n", output, what="timeline")
        return

    def render(console: Console) -> None:
        if not stories:
            console.print(_connection_table(conns, output.tz))
            return
        if not ids:
            console.print("No connection matches.")
        for cid in ids[:limit]:
            _print_story(console, correlated, conns, cid, tz=output.tz, redact=redact)
        if len(ids) > limit:
            console.print(f"… {len(ids) - limit} more connection(s) (use --limit)", style="dim")

    emit_text(render, output)


def _print_story(
    console: Console, correlated: Correlated, conns: pl.DataFrame, cid: str, *, tz: str, redact: bool
) -> None:
    conn = conns.filter(pl.col("conn_id") == cid).row(0, named=True)
    rows = story_rows(correlated, cid, tz=tz, redact=redact)
    zone = zone_name(rows["ts"].min(), tz)  # type: ignore[arg-type]
    outcome = OUTCOMES.get(conn["outcome"], (conn["outcome"], ""))[0]
    head = Text.assemble(("\nconnection ", "bold"), (cid, "bold cyan"))
    head.append(f"  {outcome}, upgrade {conn['upgrade_outcome']}, client {conn['client'] or '?'}")
    head.append(f"  ({rows.height} events, times {zone})", style="dim")
    console.print(head)
    lines = aligned_lines(rows, ("time", "source", "level", "what", "where"))
    for source, line in zip(rows["source"].to_list(), lines, strict=True):
        # one line per event: a long one is the terminal's to wrap, not cut or folded inside a column
        console.print(Text("  " + printable(line), style=_SOURCE_STYLE.get(source, "")), soft_wrap=True)


def _connection_rows(conns: pl.DataFrame) -> list[dict[str, Any]]:
    cols = [
        "conn_id",
        "first_ts",
        "client",
        "path",
        "transports",
        "routers",
        "upgrade_outcome",
        "lifetime_ms",
        "outcome",
    ]
    return [
        {k: (iso(v) if k == "first_ts" else v) for k, v in row.items()}
        for row in conns.select(cols).iter_rows(named=True)
    ]


def _connection_table(conns: pl.DataFrame, tz: str) -> Table:
    """One row per connection, never wrapped: ids and times whole, the rest cut with an ellipsis."""
    firsts = [when(ts, tz) for ts in conns["first_ts"].to_list()]
    days = {text[:10] for text in firsts if text != "-"}
    zone = zone_name(conns["first_ts"].min(), tz) if conns.height else tz  # type: ignore[arg-type]
    title = f"{plural(conns.height, 'connection')}, times {zone}"
    if len(days) == 1:
        firsts = [text[11:] for text in firsts]
        title += f" on {days.pop()}"
    table = Table(header_style="bold", box=None, pad_edge=False, title=title, title_justify="left")
    outcomes = [OUTCOMES.get(o, (o, ""))[0] for o in conns["outcome"].to_list()]
    whole = {
        "connection": max((len(c) for c in conns["conn_id"].to_list()), default=10),
        "first seen": max((len(f) for f in firsts), default=10),
    }
    whole["outcome"] = max((len(o) for o in outcomes), default=7)
    # what tells connections apart first; what a narrow terminal may cut last
    for name in (
        "connection",
        "first seen",
        "outcome",
        "upgrade",
        "lifetime",
        "routers",
        "transports",
        "client",
    ):
        table.add_column(name, no_wrap=True, overflow="ellipsis", min_width=whole.get(name))
    for row, first in zip(conns.iter_rows(named=True), firsts, strict=True):
        life = fmt_duration(row["lifetime_ms"]) if row["lifetime_ms"] is not None else "-"
        style = "green" if row["outcome"] == "ok" else "red"
        table.add_row(
            row["conn_id"], first, Text(OUTCOMES.get(row["outcome"], (row["outcome"], ""))[0], style=style),
            row["upgrade_outcome"], life, printable(",".join(row["routers"] or [])),
            ",".join(row["transports"] or []), row["client"] or "-",
        )  # fmt: skip
    return table
