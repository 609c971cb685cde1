"""The machinery every backend parser shares: line shapes, multi-line records, times, classification.

A backend parser declares the line layouts (:class:`Shape`) it reads, most specific first, and, for JSON
formats, a function that turns decoded objects into records. :class:`LineParser` then

1. matches each non-blank line against the shapes in order (one vectorized regex pass per shape, only over
   the lines no earlier shape took);
2. keeps lines that match no shape as their own record when they carry a known WebSocket / Socket.IO
   message (python-engineio's logger lines have no prefix at all), folds continuation lines (stack frames,
   pretty-printed objects) into the record above them, and reports the rest as unparsed;
3. classifies every record's message (:mod:`analyzer.parsers.backend.classify`);
4. reads the timestamps (:func:`analyzer.timeparse.read_times`), and places records without a time of
   their own by the shipper's timestamp, the debug module's ``+Nms`` diffs, the nearest timestamped line
   or the file's mtime — marking them ``ts_estimated``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, Final

import polars as pl

from analyzer.model import UTC_US
from analyzer.parsers.backend.classify import CLASSIFIED, classify, normalize_level, signature_index
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult
from analyzer.regex import ascii_classes
from analyzer.timeparse import read_times

#: Named groups a shape may have (``msg`` is required).
FIELDS = ("ts_raw", "level", "logger", "msg", "diff", "pid")
#: Lines that continue the record above: indented lines (stack frames), brackets of pretty-printed objects,
#: an exception's first line, Python tracebacks, Go panics.
CONTINUATION = (
    r"^(?:\s+\S|\s*[{}\[\]()]+,?\s*$|\s*\"[^\"]*\":|(?:[A-Z]\w*)?(?:Error|Exception)(?: \[\w+\])?:? |"
    r"Traceback \(most recent call last\):|Caused by:|During handling of the above exception|"
    r"The above exception was the direct cause|goroutine \d+ \[|panic: |\^)"
)
#: ``+0ms``, ``+3s``, ``+1m``, ``+2h``, ``+1d`` (the ``ms`` package's short form, used by ``debug``).
_DIFF_UNIT_MS = {"ms": 1.0, "s": 1_000.0, "m": 60_000.0, "h": 3_600_000.0, "d": 86_400_000.0}
#: Timestamps without a date (``16:03:44,244``) or without a year (``Nov 27 10:15:32``).
_PARTIAL = r"^\W*\d{1,2}:\d\d|^\W*[A-Za-z]{3}\.? +\d{1,2} \d|^\W*\d{1,2} [A-Za-z]{3} \d\d:"
#: Turns the rows whose text starts with ``{`` into records (:func:`records`); rows it leaves out are read
#: as text.
JsonReader = Callable[[pl.DataFrame], pl.DataFrame]


@dataclass(frozen=True)
class Shape:
    """One line layout: a polars regex with named groups among :data:`FIELDS`."""

    name: str
    pattern: str
    #: Level of lines of this shape that carry none (the debug module has no levels: ``debug``).
    level: str | None = None

    @property
    def groups(self) -> list[str]:
        return re.findall(r"\(\?P<(\w+)>", self.pattern)


# -- anything with a time at its start: every parser's last layout ------------------------------------
_ANY_TS = (
    r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?: ?(?:Z|UTC|[+-]\d\d:?\d\d))?"
    r"|\d{4}/\d\d/\d\d[ T-]\d\d:\d\d:\d\d(?:[.,]\d+)?"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4},? \d{1,2}:\d\d:\d\d(?:[.,]\d+)?(?: ?[AaPp]\.?[Mm]\.?)?"
    r"|[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT"
    r"|\d\d/[A-Z][a-z]{2}/\d{4}[: ]\d\d:\d\d:\d\d(?: [+-]\d{4})?"
    r"|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?"
    r"|\d{1,2} [A-Z][a-z]{2} \d\d:\d\d:\d\d(?:\.\d+)?"  # Node-RED's util.log: "14 Mar 15:27:55"
)
_ANY_LEVEL = r"(?i:trace|debug|info|notice|warn|warning|error|err|fatal|critical|crit|panic)"
GENERIC = Shape(
    "generic",
    rf"^\[?(?P<ts_raw>{_ANY_TS})\]?,?\s+(?:[\[(<]?(?P<level>{_ANY_LEVEL})[\])>]?:?\s+)?(?P<msg>.*)$",
)
#: A time after one to three short words: ``[8672] 2021/11/01 10:56:50.25 [ERR] …`` (a pid), Ruby's Logger
#: ``E, [2016-10-18T15:20:21.51 #8906] ERROR -- : …``, ``flutter: FINE: 2021-07-16 03:42:00.74: …``.
GENERIC_LATE = Shape(
    "generic-late",
    rf"^\s*(?:[^\s\"'=]{{1,40}}\s+){{1,3}}?\[?(?P<ts_raw>{_ANY_TS})(?: #\d+)?\]?[,:]?\s+"
    rf"(?:[\[(<]?(?P<level>{_ANY_LEVEL})[\])>]?:?\s+)?(?P<msg>.*)$",
)
#: The catch-all layouts every backend parser ends with: records they alone read are "weak" (another
#: format's parser may know them better).
FALLBACK: Final = (GENERIC, GENERIC_LATE)


def with_fallback(
    shapes: tuple[Shape, ...], *, generic: bool = False
) -> tuple[tuple[Shape, ...], tuple[Shape, ...]]:
    """``shapes`` followed by the catch-all layouts they lack, and which layouts read only weakly."""
    own = set(shapes) & set(FALLBACK)
    full = (*shapes, *(s for s in FALLBACK if s not in own))
    return full, FALLBACK if generic else tuple(s for s in FALLBACK if s not in own)


class LineParser(Parser):
    """A backend parser defined by its shapes (and optionally a JSON reader); subclasses add ``sniff``."""

    source = "backend"
    shapes: ClassVar[tuple[Shape, ...]] = ()
    #: Decodes lines starting with ``{``: gets ``line``/``text`` rows, returns records (see :func:`records`).
    json_reader: ClassVar[JsonReader | None] = None
    #: Level words with a meaning of their own in this format (NestJS ``VERBOSE`` is below ``DEBUG``).
    level_words: ClassVar[dict[str, str]] = {}

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        # a line in none of this format's layouts but with a time near its start is still a (generic) event
        shapes, weak = with_fallback(self.shapes, generic=self.generic)
        return parse_lines(
            doc,
            ctx,
            shapes,
            json_reader=type(self).json_reader,
            level_words=self.level_words,
            weak_shapes=weak,
        )


def parse_lines(
    doc: Document,
    ctx: ParseContext,
    shapes: tuple[Shape, ...],
    *,
    json_reader: JsonReader | None = None,
    level_words: dict[str, str] | None = None,
    weak_shapes: tuple[Shape, ...] = (),
) -> ParseResult:
    """Read a document whose lines follow ``shapes`` (and JSON objects, with ``json_reader``) into events.

    Records whose first line only one of ``weak_shapes`` read are listed in :attr:`ParseResult.weak`.
    """
    rows = doc.lines.select("line", "text", "shipper_ts").filter(pl.col("text").str.strip_chars() != "")
    parts: list[pl.DataFrame] = []
    if json_reader is not None:
        is_json = pl.col("text").str.starts_with("{")
        decoded = json_reader(rows.filter(is_json))
        if decoded.height:
            parts.append(decoded)
        rows = rows.filter(~is_json | ~pl.col("line").is_in(decoded["line"].implode()))
    matched, rest = match_shapes(rows, shapes)
    weak = pl.concat(
        [frame["line"] for shape, frame in matched if shape in weak_shapes]
        or [pl.Series("line", [], dtype=pl.UInt32)]
    )
    parts.extend(frame for _, frame in matched)
    records, unparsed = _assemble(parts, rest)
    notes: list[str] = []
    records = records.with_columns(normalize_level(pl.col("level"), level_words).alias("level"))
    pid_attrs = pl.when(pl.col("pid").is_not_null()).then(
        pl.concat_str(pl.lit('{"pid":'), pl.col("pid"), pl.lit("}"))
    )
    records = records.with_columns(
        (pl.coalesce(pl.col("attrs"), pid_attrs) if "attrs" in records.columns else pid_attrs).alias("attrs")
    )
    events = classify(records)
    events, assumed = _times(events, ctx, notes)
    events = _place_undated(events, ctx, notes)
    if assumed:
        notes.insert(0, f"timestamps carry no time zone: read as {ctx.tz} (change with --tz)")
    keep = ["line", "ts", "ts_estimated", "level", "logger", "message", *CLASSIFIED, "attrs", "raw"]
    return ParseResult(events.select(c for c in keep if c in events.columns), unparsed, notes, assumed, weak)


def match_shapes(
    rows: pl.DataFrame, shapes: tuple[Shape, ...]
) -> tuple[list[tuple[Shape, pl.DataFrame]], pl.DataFrame]:
    """Records for the lines some shape matches (first shape wins; each with its shape), and the rest."""
    matched: list[tuple[Shape, pl.DataFrame]] = []
    rest = rows
    for shape in shapes:
        if not rest.height:
            break
        found = rest.with_columns(pl.col("text").str.extract_groups(ascii_classes(shape.pattern)).alias("_g"))
        hit = pl.col("_g").struct.field("msg").is_not_null()
        groups = set(shape.groups)
        take = found.filter(hit)
        if take.height:
            records = take.select(
                "line",
                "text",
                "shipper_ts",
                *(
                    (
                        pl.col("_g").struct.field(f)
                        if f in groups
                        else pl.lit(shape.level if f == "level" else None, dtype=pl.String)
                    ).alias(f)
                    for f in FIELDS
                ),
            )
            if shape.level is not None and "level" in groups:
                records = records.with_columns(pl.col("level").fill_null(shape.level))
            matched.append((shape, records))
        rest = found.filter(~hit.fill_null(False)).drop("_g")
    return matched, rest


def _assemble(parts: list[pl.DataFrame], rest: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """One record per start line, continuation lines folded in; the line numbers that are neither.

    The decisions are made on a thin frame of line numbers and flags; the wide frames (every string
    column) are concatenated and sorted once.
    """
    base = {
        "line": pl.UInt32(),
        "text": pl.String(),
        "shipper_ts": UTC_US,
        **dict.fromkeys(FIELDS, pl.String()),
    }
    starts = pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame(schema=base)
    # a line no shape took is a record of its own when its message means something (python-engineio's
    # logger lines have no prefix) or a shipper stamped it on its own (a journald or syslog entry), a
    # continuation when it looks like one, else unparsed
    flags = rest.select(
        "line",
        pl.lit(False).alias("_shape"),
        pl.col("text").str.contains(ascii_classes(CONTINUATION)).alias("_cont"),
        (signature_index(pl.col("text")).is_not_null() | pl.col("shipper_ts").is_not_null()).alias("_known"),
    )
    thin = pl.concat(
        [
            starts.select(
                "line",
                pl.lit(True).alias("_shape"),
                pl.lit(False).alias("_cont"),
                pl.lit(False).alias("_known"),
            ),
            flags,
        ]
    ).sort("line")
    after = (pl.col("_shape") | (pl.col("_known") & ~pl.col("_cont"))).cum_sum() > 0
    is_start = pl.col("_shape") | (pl.col("_known") & (~pl.col("_cont") | ~after))
    thin = thin.with_columns(is_start.alias("_start"), (~is_start & pl.col("_cont") & after).alias("_att"))
    unparsed = thin.filter(~pl.col("_start") & ~pl.col("_att"))["line"]
    thin = thin.filter(pl.col("_start") | pl.col("_att")).with_columns(
        pl.col("_start").cum_sum().alias("_rec")
    )
    bare = thin.filter(pl.col("_start") & ~pl.col("_shape")).select("line")
    if bare.height:
        lone = rest.join(bare, on="line", how="semi").with_columns(
            pl.col("text").str.strip_chars().alias("msg")
        )
        records = pl.concat([starts, lone], how="diagonal_relaxed").sort("line")
    else:
        records = starts if bool(starts["line"].is_sorted()) else starts.sort("line")
    records = records.with_columns(thin.filter(pl.col("_start"))["_rec"])
    attached = thin.filter(pl.col("_att")).select("line", "_rec")
    if attached.height:
        tails = (
            rest.join(attached, on="line", how="inner")
            .sort("line")
            .group_by("_rec", maintain_order=True)
            .agg(pl.col("text").str.join("\n").alias("_tail"))
        )
        records = records.join(tails, on="_rec", how="left", maintain_order="left")
        tail = pl.col("_tail")
        records = records.with_columns(
            pl.when(tail.is_not_null())
            .then(pl.col("text") + "\n" + tail)
            .otherwise(pl.col("text"))
            .alias("raw"),
            pl.when(tail.is_not_null())
            .then(pl.col("msg") + "\n" + tail)
            .otherwise(pl.col("msg"))
            .alias("message"),
        ).drop("_tail")
    else:
        records = records.with_columns(pl.col("text").alias("raw"), pl.col("msg").alias("message"))
    return records.drop("_rec", "text", "msg"), unparsed.cast(pl.UInt32)


def _times(events: pl.DataFrame, ctx: ParseContext, notes: list[str]) -> tuple[pl.DataFrame, bool]:
    """``ts`` from ``ts_raw`` (records a JSON reader already timed keep their ``ts``)."""
    if "ts" not in events.columns:
        events = events.with_columns(pl.lit(None, dtype=UTC_US).alias("ts"))
    raw = events["ts_raw"]
    if raw.null_count() == raw.len():
        return events, False
    base = ctx.date or (ctx.mtime.date() if ctx.mtime else datetime.now(tz=UTC).date())
    read = read_times(raw, tz=ctx.tz, default_date=base)
    utc = read.utc
    # a date or year a line lacks comes from --date, else the file's other lines, else its mtime
    partial = raw.str.contains(ascii_classes(_PARTIAL)).fill_null(False) & utc.is_not_null()
    if ctx.date is None and partial.any():
        latest = utc.filter(~partial).max()
        if isinstance(latest, datetime):
            utc = utc.scatter(
                partial.arg_true(), read_times(raw.filter(partial), tz=ctx.tz, default_date=latest.date()).utc
            )
            taken = f"the file's other lines ({latest.date()})"
        else:
            taken = f"the file's modification time ({base})" if ctx.mtime else f"today's date ({base})"
        notes.append(
            f"{int(partial.sum())} timestamp(s) lack a date or year: taken from {taken}; set --date to choose"
        )
    notes.extend(read.notes)
    events = events.with_columns(pl.coalesce(pl.col("ts"), utc).alias("ts"))
    return events, read.assumed_tz


def _place_undated(events: pl.DataFrame, ctx: ParseContext, notes: list[str]) -> pl.DataFrame:
    """Give records without a time of their own the shipper's time, or an estimate (``ts_estimated``).

    Elapsed time runs through the file on the debug module's ``+N`` diffs (each is the time since the
    previous line *of the same namespace*, so a line is at least that far after it, and never before the
    line above); the elapsed clock is pinned to the nearest timestamped line, or, when the file has none,
    to its mtime at the last line.
    """
    events = events.with_columns(pl.coalesce(pl.col("ts"), pl.col("shipper_ts")).alias("ts"))
    missing = events["ts"].is_null()
    if not missing.any():
        return events.with_columns(pl.lit(False).alias("ts_estimated"))
    diff = _diff_ms(pl.col("diff"))
    logger = pl.col("logger").fill_null("")
    frame = events.with_columns(diff.fill_null(0.0).alias("_d"))
    frame = frame.with_columns(
        pl.when(logger == logger.shift(1)).then(pl.col("_d")).otherwise(0.0).cum_sum().alias("_T")
    )
    # T_i = max(T_{i-1}, T_j + d_i), j the namespace's previous line, relaxed a few rounds at column
    # speed rather than solved line by line: the diffs are rounded (+3s, +1m) anyway
    for _ in range(3):
        frame = frame.with_columns(
            pl.max_horizontal(
                pl.col("_T").shift(1).fill_null(0.0),
                (pl.col("_T").shift(1).over(logger) + pl.col("_d")).fill_null(0.0),
            )
            .cum_max()
            .alias("_T")
        )
    elapsed = pl.duration(microseconds=(pl.col("_T") * 1000).cast(pl.Int64))
    anchored = events["ts"].is_not_null().any()
    if anchored:
        offset = (pl.col("ts") - elapsed).forward_fill().backward_fill()
        where = "the nearest line with a time"
    else:
        end = ctx.mtime or datetime.now(tz=UTC)
        offset = pl.lit(end).cast(UTC_US) - pl.duration(
            microseconds=(pl.col("_T").last() * 1000).cast(pl.Int64)
        )
        where = "the file's modification time (at the last line)"
    frame = frame.with_columns(
        pl.col("ts").is_null().alias("ts_estimated"),
        pl.coalesce(pl.col("ts"), (offset + elapsed).cast(UTC_US)).alias("ts"),
    )
    by = " and the debug module's +N diffs" if events["diff"].is_not_null().any() else ""
    notes.append(
        f"{int(missing.sum())} record(s) carry no time of their own: placed by {where}{by}; "
        "ts_estimated is set on them"
    )
    return frame.drop("_d", "_T")


def _diff_ms(diff: pl.Expr) -> pl.Expr:
    parts = diff.str.extract_groups(ascii_classes(r"^\+?(?P<n>\d+(?:\.\d+)?)(?P<u>ms|s|m|h|d)$"))
    unit = parts.struct.field("u").replace_strict(_DIFF_UNIT_MS, default=None, return_dtype=pl.Float64)
    return parts.struct.field("n").cast(pl.Float64, strict=False) * unit


def records(
    frame: pl.DataFrame,
    *,
    ts: pl.Expr | None = None,
    ts_raw: pl.Expr | None = None,
    level: pl.Expr | None = None,
    logger: pl.Expr | None = None,
    msg: pl.Expr,
    extra: dict[str, pl.Expr] | None = None,
) -> pl.DataFrame:
    """Build the records of decoded JSON lines (``frame`` has ``line``, ``text``, ``shipper_ts`` and fields)."""
    none = pl.lit(None, dtype=pl.String)
    cols = [
        pl.col("line"),
        pl.col("text"),
        pl.col("shipper_ts"),
        (ts if ts is not None else pl.lit(None, dtype=UTC_US)).cast(UTC_US).alias("ts"),
        (ts_raw if ts_raw is not None else none).cast(pl.String).alias("ts_raw"),
        (level if level is not None else none).cast(pl.String).alias("level"),
        (logger if logger is not None else none).cast(pl.String).alias("logger"),
        msg.cast(pl.String).fill_null("").alias("msg"),
        none.alias("diff"),
        none.alias("pid"),
    ]
    cols.extend(expr.alias(name) for name, expr in (extra or {}).items())
    return frame.select(cols)
