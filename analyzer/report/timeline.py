"""``wsdiag timeline``: the connections, and a connection's story across the three sources."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.table import Table
from rich.text import Text

from analyzer.redact import redact_expr
from analyzer.report import terminal
from analyzer.report.json_report import iso
from analyzer.report.safe import printable

if TYPE_CHECKING:
    from analyzer.correlate import Correlated

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


def story(correlated: Correlated, conn_id: str, *, redact_lines: bool) -> list[dict[str, Any]]:
    """The events of one connection in corrected time order."""
    rows = (
        correlated.events.filter(pl.col("conn_id") == conn_id)
        .sort(["ts", "source", "line"], nulls_last=True)
        .select("ts", "source", "kind", "file", "stream", "line", "clock_offset_ms", "raw")
    )
    if redact_lines:  # the connection's rows only, on their way out
        rows = rows.with_columns(redact_expr(pl.col("raw")))
    out = []
    for row in rows.iter_rows(named=True):
        text = row["raw"] or ""
        out.append(
            {
                "ts": iso(row["ts"]),
                "source": row["source"],
                "kind": row["kind"],
                "path": row["file"],
                "stream": row["stream"],
                "line": row["line"],
                "clock_offset_ms": round(row["clock_offset_ms"] or 0),
                "text": text,
            }
        )
    return out


def render_timeline(
    correlated: Correlated,
    *,
    key: str | None,
    client: str | None,
    failed: bool,
    limit: int,
    fmt: str,
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
    if fmt == "json":
        doc: dict[str, Any] = {"connections": _connection_rows(conns)}
        if stories:
            doc["stories"] = {cid: story(correlated, cid, redact_lines=redact) for cid in ids[:limit]}
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n")
        return
    console = terminal()
    if not stories:
        console.print(_connection_table(conns))
        return
    if not ids:
        console.print("No connection matches.")
    for cid in ids[:limit]:
        conn = conns.filter(pl.col("conn_id") == cid).row(0, named=True)
        head = Text.assemble(
            ("\nconnection ", "bold"), (cid, "bold cyan"), f"  outcome {conn['outcome']}",
            f", upgrade {conn['upgrade_outcome']}", f", client {conn['client'] or '?'}",
        )  # fmt: skip
        console.print(head)
        for ev in story(correlated, cid, redact_lines=redact):
            where = f"{ev['path']}{'[' + ev['stream'] + ']' if ev['stream'] else ''}:{ev['line']}"
            console.print(
                Text.assemble(
                    f"  {ev['ts'] or '-'}  ",
                    (f"{ev['source']:<8}", _SOURCE_STYLE.get(ev["source"], "")),
                    f"{ev['clock_offset_ms']:+6d} ms  ",
                    (printable(where), "cyan"),
                )
            )
            console.print(Text("      " + printable(ev["text"]), style="dim", overflow="fold"))
    if len(ids) > limit:
        console.print(f"… {len(ids) - limit} more connection(s) (use --limit)", style="dim")


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


def _connection_table(conns: pl.DataFrame) -> Table:
    table = Table(header_style="bold", box=None)
    for name in (
        "connection",
        "first seen",
        "client",
        "transports",
        "routers",
        "upgrade",
        "lifetime",
        "outcome",
    ):
        table.add_column(name, overflow="fold")
    for row in _connection_rows(conns):
        life = f"{row['lifetime_ms'] / 1000:.1f} s" if row["lifetime_ms"] is not None else "-"
        style = "green" if row["outcome"] == "ok" else "red"
        table.add_row(
            row["conn_id"], row["first_ts"] or "-", row["client"] or "-", ",".join(row["transports"] or []),
            printable(",".join(row["routers"] or [])), row["upgrade_outcome"], life, Text(row["outcome"], style=style),
        )  # fmt: skip
    return table
