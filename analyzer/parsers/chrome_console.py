"""Chrome DevTools console export (Console → "Save as…"), with and without "Show timestamps".

DevTools writes each visible message as ``[HH:MM:SS.mmm ][file.js:LINE ]text`` (``ConsoleViewMessage
.toExportString``): the time only with the "Show timestamps" setting, in local time and without a date;
the anchor is the last path segment of the source and a 1-based line (``VM123:1``, ``(index):12``; for
network rows the request URL itself). Stack traces follow as one ``fn @ file.js:LINE`` line per frame;
``Error.stack`` text continues with ``    at …`` lines and multi-line text as is. No level is written.
Repeated messages are expanded to one line each, so every line of a repeat is its own event.

Records: with timestamps a record starts at a timestamp; without, at an anchor or at a message the
browser itself prints (``WebSocket connection to …``, ``Access to XMLHttpRequest …``). Frames and other
lines fold into the record above (``line`` = its first line, ``raw`` = all its lines).

Times: see :mod:`analyzer.parsers.browser.clock` (date from the ``<host>-<epoch ms>.log`` name, ``--date`` or
the file time; zone ``--tz``; midnight roll-over). Without timestamps every record is placed at the save
time and marked ``ts_estimated``: placing them between other sources' events is correlation's job, which
is why the URL columns are filled for every message that names one.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.parsers.browser.classify import classify, json_attrs, select_events
from analyzer.parsers.browser.clock import place_times_of_day, time_of_day_ms
from analyzer.parsers.browser.messages import MESSAGE_HEADS

_TS: Final = r"^(?P<ts>\d{2}:\d{2}:\d{2}\.\d{3}) (?P<rest>.*)$"
# the anchor is whatever DevTools linkified: a file name, VM123, (index), a route name or a request URL
_ANCHOR: Final = r"^(?P<src>\S+?):(?P<ln>\d+)(?: (?P<msg>.*))?$"
# Chrome up to 2014 put the anchor at the end of the line: "… failed: <reason> socket.io.js:2371"
_END_ANCHOR: Final = r"^(?P<msg>.*?)\s+(?P<src>VM\d+|\(index\)|[^\s:]+\.(?:m?js|cjs|jsx|tsx?|vue|svelte|html?|php)):(?P<ln>\d+)$"
_FRAME: Final = r"^\S.* @ \S+:\d+$|^\s+at \S|^\S.* \(async\)$"
_SCRIPT_ANCHOR: Final = (
    r"^(?:\d{2}:\d{2}:\d{2}\.\d{3} )?(?:VM\d+|\(index\)|[^\s:]*\.(?:m?js|cjs|jsx|tsx?|vue|svelte|html?|php)"
    r"|:\d+/\S*):\d+ \S"
)
_FIREFOX_LOCATION: Final = r"\s[^\s()]+:\d+:\d+$"
#: A share of the lines carrying a time above this means the export was saved with timestamps.
_TIMESTAMPED: Final = 0.2


class ChromeConsole(Parser):
    name = "chrome-console"
    source = "browser"
    description = 'Chrome DevTools console export ("Save as…"), with or without timestamps'

    def sniff(self, sample: list[str]) -> float:
        own = share(
            sample,
            rf"{_SCRIPT_ANCHOR}|^\S.* @ \S+:\d+$|^(?:\d{{2}}:\d{{2}}:\d{{2}}\.\d{{3}} )?(?:{MESSAGE_HEADS})",
        )
        if own < 0.2 or share(sample, _FIREFOX_LOCATION) > own / 2:
            return 0.0
        return min(0.9, 0.5 + own / 2)

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        records = fold(doc.lines)
        placed = place_times_of_day(records["tod"], ctx, what="console messages")
        records = records.with_columns(placed.columns())
        events = classify(records, anchor=pl.col("src"))
        events = events.with_columns(
            json_attrs(
                {
                    "anchor": pl.col("src") + pl.lit(":") + pl.col("srcline"),
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
    """One row per console record: first line, time of day, anchor, message text, raw lines, top frame."""
    text = pl.col("text")
    frame = lines.select("line", "text", "shipper_ts").filter(text.str.strip_chars() != "")
    frame = frame.with_columns(text.str.extract_groups(_TS).alias("_t"))
    frame = frame.with_columns(
        pl.col("_t").struct.field("ts").alias("hms"),
        pl.coalesce(pl.col("_t").struct.field("rest"), text).alias("rest"),
    ).with_columns(pl.col("rest").str.contains(_FRAME).alias("is_frame"))
    leading = pl.col("rest").str.extract_groups(_ANCHOR)
    trailing = pl.col("rest").str.extract_groups(_END_ANCHOR)
    frame = frame.with_columns(
        pl.when(pl.col("is_frame"))
        .then(None)
        .when(leading.struct.field("src").is_not_null())
        .then(leading)
        .otherwise(trailing)
        .alias("_a")
    )
    texts = frame.filter(~pl.col("is_frame"))
    timestamped = texts["hms"].is_not_null().sum() / max(texts.height, 1)
    anchor_src = pl.col("_a").struct.field("src")
    if timestamped > _TIMESTAMPED:
        starts = pl.col("hms").is_not_null()
    else:
        starts = ~pl.col("is_frame") & (
            anchor_src.is_not_null() | pl.col("rest").str.contains("^" + MESSAGE_HEADS)
        )
    first = pl.int_range(pl.len()) == 0
    frame = frame.with_columns((starts | first).alias("start"))
    frame = frame.with_columns(pl.col("start").cum_sum().alias("rec"))
    # a record whose first line has an anchor loses it from its message; frames never enter the message
    anchored = pl.col("start") & anchor_src.is_not_null()
    body = (
        pl.when(pl.col("is_frame") & ~pl.col("start"))
        .then(None)
        .when(anchored)
        .then(pl.col("_a").struct.field("msg").fill_null(""))
        .when(pl.col("start"))
        .then(pl.col("rest"))
        .otherwise(text)
    )
    frame = frame.with_columns(
        body.alias("body"),
        pl.when(anchored).then(anchor_src).alias("src"),
        pl.when(anchored).then(pl.col("_a").struct.field("ln")).alias("srcline"),
        pl.when(pl.col("is_frame")).then(text.str.strip_chars()).alias("frame"),
    )
    return (
        frame.group_by("rec", maintain_order=True)
        .agg(
            pl.col("line").first(),
            pl.col("hms").first(),
            pl.col("shipper_ts").first(),
            pl.col("src").first(),
            pl.col("srcline").first(),
            pl.col("body").str.join("\n").alias("message"),
            pl.col("frame").drop_nulls().first(),
            text.str.join("\n").alias("raw"),
        )
        .drop("rec")
        .with_columns(time_of_day_ms(pl.col("hms")).alias("tod"))
    )
