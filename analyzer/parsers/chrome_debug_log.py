"""Chromium's own log (``chrome_debug.log``, ``--enable-logging[=stderr]``), read for its console lines.

Every line of Chromium's logging starts ``[pid:tid:MMDD/HHMMSS.ffffff:LEVEL:file.cc(LINE)] `` — the fields
vary by version and embedder (``[pid:MMDD/HHMMSS:…]``, ``[MMDD/HHMMSS.mmm:…]``), times are local with no
year. Console messages (``render_frame_host_impl.cc`` ``DidAddMessageToConsole``) are
``[…:INFO:CONSOLE(LINE)] "MESSAGE", source: URL (LINE)``; Chromium 156 writes ``CONSOLE:LINE`` instead.
Their level is forced to INFO for web pages, so an INFO console line's level is inferred from its text.
A message with newlines continues on unprefixed lines until the one ending ``", source: URL (LINE)"``.
Chromium 156 logs console-API messages and JavaScript errors here but no network-source messages (no
``WebSocket connection to … failed``): those only reach DevTools and automation.

Other Chromium lines (``ERROR:bus.cc(396)] …``) become ``log`` events with their level and the source
file as ``logger``; lines outside any record (a wrapper's own output) are reported as unparsed.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import polars as pl

from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.parsers.browser.classify import classify, json_attrs, normalize_level, select_events
from analyzer.parsers.browser.clock import year_anchor
from analyzer.timeparse import localize

_PREFIX: Final = (
    r"^\[(?:\d+:){0,2}(?P<md>\d{4})/(?P<hms>\d{6})(?:\.(?P<frac>\d{1,9}))?(?::\d+)?"
    r":(?P<lvl>[A-Z]+|VERBOSE\d+):(?P<comp>[^\]]*)\] ?(?P<rest>.*)$"
)
_CONSOLE: Final = r"^CONSOLE(?:\((?P<a>\d+)\)|:(?P<b>\d+))?$"
_CONSOLE_BODY: Final = r'(?s)^"(?P<msg>.*)", source: (?P<src>.*?) \((?P<ln>\d+)\)$'
_CLOSES: Final = r'", source: .* \(\d+\)$'
#: Months back from one line to the next that mean a new year (December → January).
_NEW_YEAR_MONTHS: Final = 6


class ChromeDebugLog(Parser):
    name = "chrome-debug-log"
    source = "browser"
    description = "chrome_debug.log / --enable-logging output (CONSOLE lines)"

    def sniff(self, sample: list[str]) -> float:
        prefixed = share(sample, _PREFIX)
        if prefixed < 0.2:
            return 0.0
        console = share(sample, r"^\[[^\]]*:CONSOLE(?:\(\d+\)|:\d+)?\] \"")
        return min(0.95, 0.5 + prefixed / 2 + console)

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        records, unparsed = _fold(doc.lines)
        year, at_end, origin = year_anchor(ctx)
        records = records.with_columns(_timestamps(records, ctx, year, at_end))
        is_console = pl.col("comp").str.contains(_CONSOLE)
        console = records.filter(is_console)
        console = console.with_columns(pl.col("text").str.extract_groups(_CONSOLE_BODY).alias("_c"))
        console = console.with_columns(
            pl.coalesce(
                pl.col("_c").struct.field("msg"), pl.col("text").str.strip_prefix('"').str.strip_suffix('"')
            ).alias("message")
        )
        console = classify(
            console, given_level=pl.when(pl.col("lvl") != "INFO").then(normalize_level(pl.col("lvl")))
        ).with_columns(
            json_attrs(
                {
                    "source": pl.col("_c").struct.field("src"),
                    "source_line": pl.col("_c").struct.field("ln"),
                    "page": pl.col("_page"),
                }
            ).alias("attrs")
        )
        other = records.filter(~is_console).with_columns(
            pl.lit("log").alias("kind"),
            normalize_level(pl.col("lvl")).alias("level"),
            pl.col("comp").str.replace(r"(?:\(\d+\)|:\d+)$", "").alias("logger"),
            pl.col("text").alias("message"),
        )
        events = pl.concat(
            [select_events(console), other.select("line", "ts", "kind", "level", "logger", "message", "raw")],
            how="diagonal_relaxed",
        ).sort("line")
        notes = [f"times read as {ctx.tz}; year from {origin}"] if records.height else []
        return ParseResult(events, unparsed, notes, assumed_tz=records.height > 0)


def _fold(lines: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """Prefixed lines and their continuation lines as records; the line numbers outside any record."""
    text = pl.col("text")
    frame = lines.select("line", "text").with_columns(text.str.extract_groups(_PREFIX).alias("_p"))
    is_prefix = pl.col("_p").struct.field("md").is_not_null()
    is_console = pl.col("_p").struct.field("comp").str.contains(_CONSOLE).fill_null(False)
    closes = (is_prefix & ~is_console) | text.str.contains(_CLOSES)
    frame = frame.with_columns(is_prefix.alias("start"), closes.alias("closes")).with_columns(
        pl.col("start").cum_sum().alias("rec")
    )
    closed_before = (pl.col("closes").cast(pl.UInt32).cum_sum() - pl.col("closes").cast(pl.UInt32)).over(
        "rec"
    ) > 0
    member = pl.col("start") | ((pl.col("rec") > 0) & ~closed_before)
    frame = frame.with_columns(member.alias("member"))
    blank = text.str.strip_chars() == ""
    unparsed = frame.filter(~pl.col("member") & ~blank)["line"]
    body = pl.when(pl.col("start")).then(pl.col("_p").struct.field("rest")).otherwise(text)
    records = (
        frame.filter(pl.col("member"))
        .with_columns(body.alias("body"))
        .group_by("rec", maintain_order=True)
        .agg(
            pl.col("line").first(),
            pl.col("_p").first(),
            pl.col("body").str.join("\n").alias("text"),
            text.str.join("\n").alias("raw"),
        )
        .unnest("_p")
        .drop("rec", "rest")
    )
    return records, unparsed


def _timestamps(records: pl.DataFrame, ctx: ParseContext, year: int, at_end: bool) -> pl.Expr:
    """``MMDD/HHMMSS.frac`` in local time, with the year from ``--date`` or the file time."""
    month = pl.col("md").str.slice(0, 2).cast(pl.Int32, strict=False)
    new_year = (month - month.shift(1) < -_NEW_YEAR_MONTHS).fill_null(False).cum_sum()
    if at_end and records.height:
        last_md: str = records["md"][-1]
        anchor_md = ctx.mtime.strftime("%m%d") if ctx.mtime else date.today().strftime("%m%d")
        # the last line is at or before the file time: a later month-day is the year before
        last_year = year - (1 if last_md > anchor_md else 0)
        rollovers: int = records.select(new_year.max()).item() or 0
        year = last_year - rollovers
    frac = pl.col("frac").fill_null("0").str.pad_end(6, "0").str.slice(0, 6)
    stamp = pl.concat_str(
        (pl.lit(year) + new_year).cast(pl.String),
        pl.col("md").str.slice(0, 2),
        pl.col("md").str.slice(2, 2),
        pl.col("hms"),
        frac,
    )
    naive = stamp.str.to_datetime("%Y%m%d%H%M%S%6f", time_unit="us", strict=False)
    return localize(naive, ctx.tz).alias("ts")
