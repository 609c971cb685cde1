"""Safari / iOS Web Inspector console, copied or saved (Console → select → Copy / Save Selected).

Web Inspector writes each message with ``ConsoleMessageView.toClipboardString`` (WebKit
``Source/WebInspectorUI/UserInterface/Views/ConsoleMessageView.js``) and joins them with newlines
(``LogContentView._formatMessagesAsData``)::

    [Error] Failed to load resource: A server with the specified hostname could not be found. (feed, line 0)
    [Warning] "shadow*" style props are deprecated. Use "boxShadow". (entry.bundle, line 5608)
    [Error] WebSocket connection to 'ws://127.0.0.1:61919/hot' failed: There was a bad response from the server.
    [Error] TypeError: undefined is not an object (evaluating 'a.b')
    \tonmessage (app.js:12:34)

- the level in brackets, as Web Inspector names it: ``Log``, ``Info``, ``Warning``, ``Debug``, ``Error``;
  ``< value`` is a command's result and ``> expr`` the command itself;
- `` (<file>, line <n>[, x<repeat>])`` after the first line when the message has a source and no stack trace
  (the file is the last path segment of the URL: for a network row the *request's* last segment, so the
  URL itself is not there; Safari up to about 2015 appended the full URL after it), or `` (x<repeat>)``
  alone; a repeated message stands for that many events;
- with a stack trace (errors, network messages, ``console.trace``): one frame per line after a tab,
  ``fn (file:line:column)``; other lines continue the message (multi-line text, expanded objects).

Messages the browser prints itself carry no source: WebKit's ``WebSocket connection to '…' failed: <NSURLError
description>`` and its CORS, mixed-content and network wordings are read by the shared classifier
(:mod:`analyzer.parsers.browser.messages`, "Safari / WebKit"). The copy holds no time (Web Inspector shows one
in the UI only): messages are kept in file order and placed at the file's time, or the shipper's, and marked
``ts_estimated``.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.parsers.browser.classify import classify, json_attrs, normalize_level, select_events
from analyzer.parsers.browser.clock import place_times_of_day
from analyzer.parsers.browser.messages import MESSAGE_HEADS, WK_ONLY
from analyzer.urls import sio_columns, split_url

#: ConsoleMessageView._levelString, exactly as written (Playwright dumps upper-case their types).
_LEVEL: Final = r"Log|Info|Warning|Debug|Error"
_START: Final = rf"^(?:\[(?P<lvl>{_LEVEL})\] |(?P<cmd>[<>]) )(?P<rest>.*)$"
_LOCATION: Final = (
    r"^(?P<msg>.*?) \((?:(?P<file>[^(),]*), line (?P<ln>\d+)(?:, x(?P<rep>\d+))?|x(?P<rep2>\d+))\)"
    r"(?: (?P<url>[A-Za-z][\w+.-]*://\S+))?$"
)
_FRAME: Final = r"^\t(?P<fn>.*?)(?: \((?P<where>[^()]*:\d+(?::\d+)?)\))?$"
_SAFARI_LOCATION: Final = r" \([^(),]+, line \d+(?:, x\d+)?\)(?: \S+://\S+)?$"


class SafariConsole(Parser):
    name = "safari-console"
    source = "browser"
    description = "Safari / iOS Web Inspector console, copied or saved ([Error] text (file, line N))"

    def sniff(self, sample: list[str]) -> float:
        own = share(sample, rf"^\[(?:{_LEVEL})\] ")
        if own < 0.3:
            # a paste of Safari's messages without their level: WebKit's own wordings (chrome-console, which
            # also reads them, tops at 0.9)
            return 0.92 if share(sample, WK_ONLY) >= 0.5 else 0.0
        # "[Error] text" is a common log prefix: Safari's location or a browser's wording must show too
        located = share(sample, _SAFARI_LOCATION)
        browser = share(sample, rf"^\[(?:{_LEVEL})\] (?:{MESSAGE_HEADS})")
        if located + browser == 0:
            return 0.2
        return min(0.95, 0.6 + own / 2)

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        text = pl.col("text")
        lines = doc.lines.select("line", "text", "shipper_ts").with_columns(
            text.str.extract_groups(_START).alias("_s")
        )
        # a message that lost its "[Error] " in a paste starts where a browser's own wording does
        bare = (
            pl.col("_s").struct.field("rest").is_null()
            & text.str.contains(r"^\S")
            & (text.str.contains(WK_ONLY) | text.str.contains(f"^(?:{MESSAGE_HEADS})"))
        )
        start = pl.col("_s").struct.field("rest").is_not_null() | bare
        lines = lines.with_columns(start.cum_sum().alias("rec"), text.str.extract_groups(_FRAME).alias("_f"))
        blank = text.str.strip_chars() == ""
        unparsed = lines.filter((pl.col("rec") == 0) & ~blank)["line"]
        is_frame = pl.col("_f").struct.field("fn").is_not_null()
        body = (
            pl.when(start)
            .then(pl.coalesce(pl.col("_s").struct.field("rest"), text))
            .when(is_frame)
            .then(None)
            .otherwise(text)
        )
        records = (
            lines.filter((pl.col("rec") > 0) & ~blank)
            .with_columns(
                body.alias("body"),
                pl.when(is_frame)
                .then(
                    pl.concat_str(
                        pl.col("_f").struct.field("fn"),
                        pl.col("_f").struct.field("where"),
                        separator=" @ ",
                        ignore_nulls=True,
                    )
                )
                .alias("frame"),
            )
            .group_by("rec", maintain_order=True)
            .agg(
                pl.col("line").first(),
                pl.col("_s").first(),
                pl.col("shipper_ts").first(),
                pl.col("body").first().alias("head"),
                pl.col("body").slice(1).drop_nulls().alias("tail"),
                pl.col("frame").drop_nulls().first(),
                text.str.join("\n").str.strip_chars_end().alias("raw"),
            )
            .unnest("_s")
            .with_columns(pl.col("head").str.extract_groups(_LOCATION).alias("_l"))
        )
        loc = pl.col("_l").struct
        head = pl.coalesce(loc.field("msg"), pl.col("head"))
        records = records.with_columns(
            pl.concat_list(head, pl.col("tail")).list.join("\n").str.strip_chars_end().alias("message"),
            pl.coalesce(loc.field("rep"), loc.field("rep2")).cast(pl.Int64, strict=False).alias("_repeat"),
        )
        placed = place_times_of_day(pl.Series("tod", [None] * records.height, dtype=pl.Int64), ctx)
        records = records.with_columns(placed.columns())
        # Web Inspector's level when the copy kept it; else (a command, a message that lost it) the meaning's
        level = normalize_level(pl.col("lvl"))
        events = classify(records, given_level=level).with_columns(
            json_attrs(
                {
                    "location": pl.concat_str(loc.field("file"), loc.field("ln"), separator=":"),
                    "url": loc.field("url"),
                    "repeat": pl.col("_repeat").cast(pl.String),
                    "frame": pl.col("frame"),
                    "command": pl.when(pl.col("cmd") == ">")
                    .then(pl.lit("input"))
                    .when(pl.col("cmd") == "<")
                    .then(pl.lit("result")),
                    "page": pl.col("_page"),
                }
            ).alias("attrs")
        )
        # old Safari appended the request's URL to a network row: the subject URL when the text named none
        old_url = pl.col("scheme").is_null() & loc.field("url").is_not_null()
        events = events.with_columns(
            pl.when(old_url).then(e).otherwise(pl.col(e.meta.output_name()))
            for e in split_url(loc.field("url"))
        ).with_columns(
            pl.when(old_url).then(e).otherwise(pl.col(e.meta.output_name()))
            for e in sio_columns(pl.col("query"))
        )
        # "(…, x3)": the message happened three times, as three lines of a Chrome export would say
        n = pl.col("_repeat").fill_null(1).clip(1, 10_000)
        rows = events.select(pl.int_range(pl.len()).repeat_by(n).explode()).to_series()
        events = events.select(pl.all().gather(rows))
        estimated = bool(records["ts_estimated"].any())
        return ParseResult(
            select_events(events), unparsed, placed.notes if estimated else [], assumed_tz=False
        )
