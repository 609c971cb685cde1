"""Log events as a person reads them: the fields that matter for their source, durations in words, and
where the raw record is (``file:line``, or ``entries[N]`` in a HAR).

Evidence, connection stories and ``wsdiag timeline`` all show events this way instead of whole raw lines:
an access line is its time, method, path with the Socket.IO query, status, router, upstream and duration;
a backend or browser line its level and message. The raw line stays one ``-vv`` (or the JSON report) away.
Every column is built with polars expressions over the rows shown, and masked like the raw lines are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import polars as pl

from analyzer.redact import redact_expr
from analyzer.report.human import duration_expr, time_of_day_expr

if TYPE_CHECKING:
    from analyzer.findings import Evidence

#: Columns of a readable event, in display order (``where`` last: it is for finding the raw record).
FIELDS: Final = (
    "time",
    "level",
    "method",
    "target",
    "status",
    "router",
    "upstream",
    "took",
    "message",
    "where",
)
#: Headings people read for them.
HEADINGS: Final = {
    "time": "time",
    "level": "level",
    "method": "method",
    "target": "path",
    "status": "status",
    "router": "router",
    "upstream": "upstream",
    "took": "took",
    "message": "message",
    "where": "where",
}
#: Columns of the event table the readable fields are made of.
NEEDED: Final = (
    "ts", "source", "kind", "format", "file", "line", "stream", "level", "message", "error", "method", "path",
    "query", "status", "router", "upstream", "duration_ms", "attrs", "raw",
)  # fmt: skip
#: A message longer than this is cut (the raw record is at ``where``).
MESSAGE_CHARS: Final = 160


def _place() -> pl.Expr:
    """The file as the inputs list shows it (``file[stream]`` for a split shipper capture)."""
    return pl.col("file") + pl.when(pl.col("stream").is_not_null() & ~pl.col("file").str.ends_with("]")).then(
        "[" + pl.col("stream") + "]"
    ).otherwise(pl.lit(""))


def _locator() -> pl.Expr:
    """``:20``, or `` entries[3]`` for a HAR entry (one-line HARs put every entry on line 1)."""
    entry = pl.col("attrs").str.json_path_match("$.entry")
    return (
        pl.when((pl.col("format") == "har") & entry.is_not_null())
        .then(" entries[" + entry + "]")
        .otherwise(":" + pl.col("line").cast(pl.String).fill_null("?"))
    )


def where_expr() -> pl.Expr:
    """``file[stream]:line``, or ``file entries[N]`` for a HAR entry."""
    return _place() + _locator()


def readable(events: pl.DataFrame, *, tz: str = "UTC", redact: bool = True) -> pl.DataFrame:
    """The readable fields (:data:`FIELDS`, all strings) of ``events``, plus ``source`` and ``raw``.

    An event with a method is a request (method, path and query, status, router, upstream, how long it
    took); any other event is its level and message (or error, or kind). Secrets are masked unless
    ``redact`` is off; control characters are left to the renderer.
    """
    frame = events.select([c for c in NEEDED if c in events.columns])
    with_date = frame["ts"].drop_nulls().dt.convert_time_zone(tz).dt.date().n_unique() > 1
    target = pl.col("path") + pl.when(pl.col("query").is_not_null() & (pl.col("query") != "")).then(
        "?" + pl.col("query")
    ).otherwise(pl.lit(""))
    request = pl.col("method").is_not_null()
    message = pl.coalesce(pl.col("message"), pl.col("error"), pl.col("kind")).str.replace_all(r"\s+", " ")
    raw = pl.col("raw").fill_null(pl.col("message"))
    if redact:
        target, message, raw = redact_expr(target), redact_expr(message), redact_expr(raw)
    upstream = redact_expr(pl.col("upstream")) if redact else pl.col("upstream")
    return frame.select(
        pl.col("source"),
        time_of_day_expr(pl.col("ts"), tz, with_date=with_date).fill_null("-").alias("time"),
        # an access line's level says nothing its status does not
        pl.when(~request & (pl.col("source") != "config")).then(pl.col("level")).alias("level"),
        pl.col("method"),
        target.alias("target"),
        pl.when(pl.col("status").is_not_null() & (pl.col("status") > 0))
        .then(pl.col("status").cast(pl.String))
        .when(request & (pl.col("status") == 0))
        .then(pl.lit("0"))
        .alias("status"),
        pl.col("router"),
        upstream.alias("upstream"),
        duration_expr(pl.col("duration_ms")).alias("took"),
        pl.when(~request)
        .then(
            pl.when(message.str.len_chars() > MESSAGE_CHARS)
            .then(message.str.slice(0, MESSAGE_CHARS - 1) + "…")
            .otherwise(message)
        )
        .alias("message"),
        where_expr().alias("where"),
        _place().alias("place"),
        _locator().alias("locator"),
        raw.alias("raw"),
    )


def shown_fields(rows: pl.DataFrame) -> list[str]:
    """The fields of :func:`readable` rows that hold something in at least one row (``where`` always)."""
    return [f for f in FIELDS if f == "where" or (f in rows.columns and rows[f].is_not_null().any())]


def evidence_events(events: pl.DataFrame, evidence: list[Evidence]) -> pl.DataFrame:
    """The event-table rows behind ``evidence`` lines, in the evidence's order (one row per line).

    Evidence names its record by file, line and (corrected) time: the time tells apart the entries of a
    one-line HAR, which all sit on line 1. A line the table does not hold (a configuration line the
    configuration check cited) keeps the evidence's own text, source and time.
    """
    if not evidence:
        return pl.DataFrame()
    ts_type = events.schema.get("ts", pl.Datetime("us", "UTC"))
    keys = pl.DataFrame(
        {
            "_order": list(range(len(evidence))),
            "file": [e.path for e in evidence],
            "line": [e.line for e in evidence],
            "ts": [e.ts for e in evidence],
            "_source": [e.source for e in evidence],
            "_text": [e.text for e in evidence],
        },
        schema_overrides={"line": pl.UInt32, "ts": ts_type},
    )
    on = ["file", "line", "ts"]
    present = [c for c in NEEDED if c in events.columns]
    rows = (
        events.select(present)
        .join(keys.select(on), on=on, how="semi", nulls_equal=True)
        .unique(on, keep="first", maintain_order=True)
    )
    joined = keys.join(rows, on=on, how="left", nulls_equal=True).sort("_order")
    return joined.with_columns(
        pl.coalesce("source", "_source").alias("source"),
        # the evidence text was masked by the rule engine already (or kept by --no-redact)
        pl.col("_text").alias("raw"),
        pl.when(pl.col("kind").is_null()).then(pl.col("_text")).otherwise(pl.col("message")).alias("message"),
    ).drop("_order", "_source", "_text")


def what_expr() -> pl.Expr:
    """What happened, in one phrase over :func:`readable` rows: ``GET /socket.io/?… → 404, 2 ms (web@file →
    http://127.0.0.1:38619)`` for a request, the message for anything else."""
    route = (
        pl.when(pl.col("router").is_not_null() & pl.col("upstream").is_not_null())
        .then(pl.col("router") + " → " + pl.col("upstream"))
        .otherwise(pl.coalesce(pl.col("router"), pl.col("upstream")))
    )
    outcome = pl.concat_str([pl.col("status"), pl.col("took")], separator=", ", ignore_nulls=True)
    request = pl.concat_str(
        [
            pl.col("method") + " " + pl.col("target").fill_null(""),
            pl.when(outcome != "").then("→ " + outcome),
            pl.when(route.is_not_null()).then("(" + route + ")"),
        ],
        separator=" ",
        ignore_nulls=True,
    )
    return pl.when(pl.col("method").is_not_null()).then(request).otherwise(pl.col("message").fill_null(""))


def aligned_lines(rows: pl.DataFrame, columns: tuple[str, ...]) -> list[str]:
    """Rows as lines of text, each column padded to its widest value (the last column is not padded)."""
    if not rows.height:
        return []
    cells = rows.select(pl.col(c).cast(pl.String).fill_null("") for c in columns)
    widths = {c: int(cells.select(pl.col(c).str.len_chars().max()).item() or 0) for c in columns[:-1]}
    padded = [pl.col(c).str.pad_end(widths[c]) if c in widths else pl.col(c) for c in columns]
    return cells.select(pl.concat_str(padded, separator="  ").str.strip_chars_end().alias("line"))[
        "line"
    ].to_list()


def connection_events(events: pl.DataFrame, conn_id: str) -> pl.DataFrame:
    """One connection's events in corrected time order (at one instant: browser, then proxy, then backend)."""
    hop = {"browser": 0, "proxy": 1, "backend": 2}
    return (
        events.filter(pl.col("conn_id") == conn_id)
        .with_columns(pl.col("source").replace_strict(hop, default=len(hop)).alias("_hop"))
        .sort(["ts", "_hop", "file", "line"], nulls_last=True)
        .drop("_hop")
    )
