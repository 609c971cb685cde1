"""Console messages dumped by browser automation: ``[TYPE] text (at url:line:col)``.

Playwright-MCP-style tools print each ``ConsoleMessage`` as its upper-cased ``type()`` in brackets, the
text, and the ``location()`` — newer versions ``(at url:line:col)``, older ones `` @ url:line``. Types are
Playwright's (``log, debug, info, error, warning, trace, assert, …``; the warning type is ``warning``).
Browser-generated network messages (WebSocket failures, "Failed to load resource") arrive as ``error``
messages too, so the same classifier reads them. A message with newlines continues on the lines below;
lines before the first message (a heading such as ``Browser Console Logs:``) are not events.

These dumps carry no time. An ISO timestamp in front of the bracket (``2024-05-01T10:00:00Z [ERROR] …``)
or a shipper's timestamp is used when present; otherwise every message is placed at the file's time and
marked ``ts_estimated``, in file order.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.parsers.browser.classify import classify, json_attrs, normalize_level, select_events
from analyzer.parsers.browser.clock import place_times_of_day
from analyzer.parsers.browser.messages import MESSAGE_HEADS
from analyzer.timeparse import iso_to_utc

_TYPES: Final = (
    "LOG|DEBUG|INFO|ERROR|WARNING|WARN|DIR|DIRXML|TABLE|TRACE|CLEAR|STARTGROUPCOLLAPSED|STARTGROUP|ENDGROUP"
    "|ASSERT|PROFILEEND|PROFILE|COUNT|TIMEEND|TIMELOG|TIME|VERBOSE"
)
_RECORD: Final = (
    r"^(?:\[?(?P<iso>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\]? )?"
    rf"\[(?P<type>(?i:{_TYPES}))\] ?(?P<rest>.*)$"
)
_LOCATION: Final = (
    r"(?s)^(?P<msg>.*?)(?: \(at (?P<url>\S*?):(?P<ln>\d+):(?P<col>\d+)\)| @ (?P<url2>\S+?):(?P<ln2>\d+))$"
)
_TYPE_LEVEL: Final = {"trace": "info", "dir": "info", "dirxml": "info", "table": "info", "count": "info"}


class PlaywrightDump(Parser):
    name = "playwright-console"
    source = "browser"
    description = "browser console captured by automation: [TYPE] text (at url:line:col)"

    def sniff(self, sample: list[str]) -> float:
        records = share(sample, _RECORD)
        if records < 0.3:
            return 0.0
        # "[INFO] text" alone is many tools' log format: a browser location or message must show too
        located = share(sample, r" \(at \S*:\d+:\d+\)$| @ \S+:\d+$")
        browser = share(sample, rf"\] (?:{MESSAGE_HEADS})")
        if located + browser == 0:
            return 0.1
        return min(0.9, 0.5 + records / 2)

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        text = pl.col("text")
        lines = doc.lines.select("line", "text", "shipper_ts").with_columns(
            text.str.extract_groups(_RECORD).alias("_r")
        )
        start = pl.col("_r").struct.field("type").is_not_null()
        lines = lines.with_columns(start.cum_sum().alias("rec"))
        blank = text.str.strip_chars() == ""
        unparsed = lines.filter((pl.col("rec") == 0) & ~blank)["line"]
        body = pl.when(start).then(pl.col("_r").struct.field("rest")).otherwise(text)
        records = (
            lines.filter(pl.col("rec") > 0)
            .with_columns(body.alias("body"))
            .group_by("rec", maintain_order=True)
            .agg(
                pl.col("line").first(),
                pl.col("_r").first(),
                pl.col("shipper_ts").first(),
                pl.col("body").str.join("\n").str.strip_chars_end().alias("body"),
                text.str.join("\n").str.strip_chars_end().alias("raw"),
            )
            .unnest("_r")
            .with_columns(pl.col("body").str.extract_groups(_LOCATION).alias("_l"))
        )
        records = records.with_columns(
            pl.coalesce(pl.col("_l").struct.field("msg"), pl.col("body")).alias("message"),
            iso_to_utc(pl.col("iso"), ctx.tz).alias("_own_ts"),
        )
        placed = place_times_of_day(pl.Series("tod", [None] * records.height, dtype=pl.Int64), ctx)
        records = records.with_columns(
            pl.coalesce(pl.col("_own_ts"), pl.col("shipper_ts"), placed.ts).alias("ts"),
            (pl.col("_own_ts").is_null() & pl.col("shipper_ts").is_null()).alias("ts_estimated"),
        )
        type_ = pl.col("type").str.to_lowercase()
        level = normalize_level(type_.replace(_TYPE_LEVEL))
        events = classify(records, given_level=level).with_columns(
            json_attrs(
                {
                    "type": type_,
                    "location": _nonempty(
                        pl.concat_str(
                            pl.coalesce(pl.col("_l").struct.field("url"), pl.col("_l").struct.field("url2")),
                            pl.coalesce(pl.col("_l").struct.field("ln"), pl.col("_l").struct.field("ln2")),
                            pl.col("_l").struct.field("col"),
                            separator=":",
                            ignore_nulls=True,
                        )
                    ),
                    "page": pl.col("_page"),
                }
            ).alias("attrs")
        )
        estimated = records["ts_estimated"].any()
        notes = placed.notes if estimated else []
        own_zone = records["iso"].str.contains(r"(?:Z|[+-]\d\d:?\d\d)$").fill_null(True).all()
        return ParseResult(select_events(events), unparsed, notes, assumed_tz=not own_zone)


def _nonempty(value: pl.Expr) -> pl.Expr:
    return pl.when(value != "").then(value)
