"""Firefox Web Console export ("Copy all Messages" / "Save all Messages to File").

Gecko re-renders the console and writes each message's text (``devtools/client/webconsole/utils/
context-menu.js``): the location comes *after* the text (``hello test.js:4:17``, ``file:line:col``), on a
line of its own after a multi-argument message (``test.js:5:17``); error objects and ``console.trace()``
list their frames indented by four spaces (``    wrapper http://host/test.js:6``). With the
``devtools.webconsole.timestampMessages`` pref every message starts with local ``HH:MM:SS.mmm ``. No level
and no date are written; the file is named ``console-export-YYYY-M-D_H-M-S.txt`` in local time.

Records: with timestamps a record starts at a timestamp; without, a record ends at its location, and
frames indented under a location still belong to it. Times are placed as for Chrome exports
(:mod:`analyzer.parsers.browser.clock`).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.parsers.browser.classify import classify, json_attrs, select_events
from analyzer.parsers.browser.clock import place_times_of_day, time_of_day_ms
from analyzer.parsers.browser.messages import MESSAGE_HEADS

_TS: Final = r"^(?P<ts>\d{2}:\d{2}:\d{2}\.\d{3}) (?P<rest>.*)$"
_LOCATION: Final = r"(?:^|\s)(?P<loc>[^\s()]+:\d+:\d+)$"
# four-space frames "fn url:line"; Node's "    at fn (file:1:2)" is not Firefox's
_FRAME: Final = r"^ {4}(?:[^\sa]|a[^t\s]|at\S)\S* \S+:\d+$|^ {4}\S+:\d+$"
_NODE_FRAME: Final = r"^\s+at\s"
_TIMESTAMPED: Final = 0.2


class FirefoxConsole(Parser):
    name = "firefox-console"
    source = "browser"
    description = "Firefox Web Console export (location after the text, indented frames)"

    def sniff(self, sample: list[str]) -> float:
        located = share(sample, _LOCATION)
        if located < 0.2 or share(sample, _NODE_FRAME) > 0.1:
            return 0.0
        own = share(
            sample, rf"{_LOCATION}|{_FRAME}|^(?:\d{{2}}:\d{{2}}:\d{{2}}\.\d{{3}} )?(?:{MESSAGE_HEADS})"
        )
        return min(0.9, 0.5 + own / 2)

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        records = fold(doc.lines)
        placed = place_times_of_day(records["tod"], ctx, what="console messages")
        records = records.with_columns(placed.columns())
        events = classify(records)
        events = events.with_columns(
            json_attrs(
                {
                    "location": pl.col("loc"),
                    "time": pl.col("hms"),
                    "frame": pl.col("frame"),
                    "page": pl.col("_page"),
                }
            ).alias("attrs")
        )
        return ParseResult(
            select_events(events),
            notes=placed.notes,
            assumed_tz=bool(records["tod"].is_not_null().any()),
        )


def fold(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per console record: first line, time of day, location, message text, raw lines."""
    text = pl.col("text")
    frame = lines.select("line", "text", "shipper_ts").filter(text.str.strip_chars() != "")
    frame = frame.with_columns(text.str.extract_groups(_TS).alias("_t"))
    frame = frame.with_columns(
        pl.col("_t").struct.field("ts").alias("hms"),
        pl.coalesce(pl.col("_t").struct.field("rest"), text).alias("rest"),
        text.str.contains(_FRAME).alias("is_frame"),
    )
    frame = frame.with_columns(
        pl.when(~pl.col("is_frame")).then(pl.col("rest").str.extract(_LOCATION, 1)).alias("loc")
    )
    texts = frame.filter(~pl.col("is_frame"))
    if texts["hms"].is_not_null().sum() > _TIMESTAMPED * max(texts.height, 1):
        starts = pl.col("hms").is_not_null()
    else:
        # a record ends at its location; the next line that is not one of its frames starts another
        ended = pl.when(pl.col("is_frame")).then(None).otherwise(pl.col("loc").is_not_null())
        starts = ~pl.col("is_frame") & ended.shift(1).forward_fill().fill_null(True)
    first = pl.int_range(pl.len()) == 0
    frame = frame.with_columns((starts | first).cum_sum().alias("rec"))
    body = pl.col("rest").str.replace(_LOCATION, "").str.strip_chars_end()
    frame = frame.with_columns(
        pl.when(pl.col("is_frame") | (body == "")).then(None).otherwise(body).alias("body"),
        pl.when(pl.col("is_frame")).then(text.str.strip_chars()).alias("frame"),
    )
    return (
        frame.group_by("rec", maintain_order=True)
        .agg(
            pl.col("line").first(),
            pl.col("hms").first(),
            pl.col("shipper_ts").first(),
            pl.col("loc").drop_nulls().first(),
            pl.col("body").str.join("\n").alias("message"),
            pl.col("frame").drop_nulls().first(),
            text.str.join("\n").alias("raw"),
        )
        .drop("rec")
        .with_columns(time_of_day_ms(pl.col("hms")).alias("tod"))
    )
