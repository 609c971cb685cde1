"""What the HTML report draws, aggregated from the analysis with polars: bounded whatever the capture's size.

The page never carries every event. It carries per-bucket counts per source and category (the lanes),
per-bucket connection outcomes (the chart), and the stories of at most :data:`MAX_STORIES` connections
the findings name, each cut to its first and last lines. Every step is a polars expression over whole
columns; Python only walks the few hundred aggregated rows and the bounded stories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from analyzer.correlate.connections import OPEN_MIN_MS
from analyzer.redact import redact_expr
from analyzer.report.svg import CATEGORIES, Axis, Lane, fmt_duration, nice_step

if TYPE_CHECKING:
    from analyzer.analysis import Analysis
    from analyzer.findings import Finding

LANES: Final = ("browser", "proxy", "backend")
MAX_LANE_BUCKETS: Final = 240
MAX_BAR_BUCKETS: Final = 120
#: Stories carried in the page, and how many connections each finding contributes before the cap.
MAX_STORIES: Final = 50
_EVIDENCE_STORIES_PER_FINDING = 8
_STORIES_PER_FINDING = 12
#: A story keeps its first and last lines; the middle of a long polling loop is summarized.
STORY_HEAD: Final = 40
STORY_TAIL: Final = 20
#: Longest log line shown in full; longer lines (HAR entries, stack traces) are cut with a note.
MAX_LINE_CHARS: Final = 3000

_FAILURE_KINDS = [
    "ws_error",
    "ws_failure",
    "cors_blocked",
    "mixed_content",
    "tls_error",
    "dns_error",
    "net_error",
    "connect_error",
    "proxy_error",
    "error",
]
_HOP: Final = {"browser": 0, "proxy": 1, "backend": 2}
_SUCCESS_KINDS = ["ws_open", "handshake", "connect", "upgrade"]
_ABNORMAL_REASONS = ["ping timeout", "transport error", "parse error"]


def epoch_ms(col: str = "ts") -> pl.Expr:
    """UTC epoch milliseconds of a datetime column."""
    return pl.col(col).dt.epoch("ms")


def to_ms(ts: datetime | None) -> int | None:
    """UTC epoch milliseconds of a datetime (naive values are UTC)."""
    if ts is None:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return round(ts.timestamp() * 1000)


def time_domain(events: pl.DataFrame) -> tuple[int, int] | None:
    """First and last corrected event time (ms) over the lanes' sources, or None without dated events."""
    if events.height == 0:
        return None
    row = (
        events.lazy()
        .filter(pl.col("source").is_in(LANES) & pl.col("ts").is_not_null())
        .select(epoch_ms().min().alias("lo"), epoch_ms().max().alias("hi"))
        .collect()
        .row(0)
    )
    if row[0] is None:
        return None
    lo, hi = int(row[0]), int(row[1])
    if hi - lo < 1000:
        lo, hi = lo - 500, hi + 500
    return lo, hi


def _failure_signal() -> pl.Expr:
    """The event itself reports a failure: an error kind or level, an abnormal disconnect or close."""
    return (
        pl.col("kind").is_in(_FAILURE_KINDS)
        | pl.col("level").is_in(["error", "fatal"])
        | pl.col("reason").is_in(_ABNORMAL_REASONS)
        | (pl.col("close_code") == 1006)
    )


def _event_category() -> pl.Expr:
    """The connection's outcome; for events outside any connection, ``error`` or ``other``."""
    failure = (_failure_signal() | (pl.col("status") >= 500)).fill_null(False)
    return (
        pl.when(pl.col("_outcome").is_not_null())
        .then(_known_outcome(pl.col("_outcome")))
        .when(failure)
        .then(pl.lit("error"))
        .otherwise(pl.lit("other"))
    )


def _known_outcome(outcome: pl.Expr) -> pl.Expr:
    """The connection outcome, or ``unknown`` for a label this report has no colour for."""
    return pl.when(outcome.is_in(list(CATEGORIES))).then(outcome).otherwise(pl.lit("unknown"))


@dataclass(frozen=True)
class View:
    """One time range of the timeline: its axis, the lanes' buckets and the connections' buckets."""

    axis: Axis
    lane_bucket_ms: int
    lanes: list[Lane]
    bar_bucket_ms: int
    bars: list[tuple[int, str, int]]


def build_view(analysis: Analysis, start_ms: int, end_ms: int) -> View:
    """Aggregate events and connections over ``[start_ms, end_ms]`` into round buckets."""
    lane_ms = nice_step(end_ms - start_ms, MAX_LANE_BUCKETS)
    bar_ms = nice_step(end_ms - start_ms, MAX_BAR_BUCKETS)
    # buckets start on a round clock time: the domain is widened down to a multiple of the bar step
    origin = start_ms - start_ms % bar_ms
    axis = Axis(origin, end_ms)
    outcomes = analysis.connections.lazy().select("conn_id", pl.col("outcome").alias("_outcome"))
    ms = epoch_ms()
    in_range = pl.col("ts").is_not_null() & (ms >= origin) & (ms <= end_ms)
    cells = (
        analysis.events.lazy()
        .filter(pl.col("source").is_in(LANES) & in_range)
        .select(
            "source",
            "conn_id",
            "kind",
            "level",
            "status",
            "reason",
            "close_code",
            ((ms - origin) // lane_ms).alias("bucket"),
        )
        .join(outcomes, on="conn_id", how="left")
        .group_by("source", _event_category().alias("category"), "bucket")
        .agg(pl.len().alias("n"))
        .sort("source", "bucket", "category")
        .collect()
    )
    covered = (
        analysis.events.lazy()
        .filter(pl.col("source").is_in(LANES) & pl.col("ts").is_not_null())
        .group_by("source")
        .agg(ms.min().alias("lo"), ms.max().alias("hi"))
        .collect()
    )
    coverage = {row[0]: (int(row[1]), int(row[2])) for row in covered.iter_rows()}
    notes = lane_notes(analysis)
    lanes = []
    for source in LANES:
        rows = cells.filter(pl.col("source") == source).select("bucket", "category", "n").rows()
        total = sum(r[2] for r in rows)
        inputs = sum(1 for i in analysis.inputs if i.source == source and i.error is None and i.events)
        count = f"{total:,} events" if total else ("no events here" if source in coverage else "")
        if count and inputs > 1:
            count += f" · {inputs} inputs"
        lanes.append(Lane(source, count, notes[source], rows, coverage.get(source)))
    first = epoch_ms("first_ts")
    bars = (
        analysis.connections.lazy()
        .filter(pl.col("first_ts").is_not_null() & (first >= origin) & (first <= end_ms))
        .group_by(((first - origin) // bar_ms).alias("bucket"), _known_outcome(pl.col("outcome")))
        .agg(pl.len().alias("n"))
        .sort("bucket", "outcome")
        .collect()
        .rows()
    )
    return View(axis, lane_ms, lanes, bar_ms, bars)


def signed_ms(ms: float) -> str:
    """A clock offset for people: ``+1.52 s``, ``-250 ms``, ``0 ms``."""
    if round(ms) == 0:
        return "0 ms"
    return ("+" if ms > 0 else "-") + fmt_duration(abs(ms))


def offset_text(
    analysis: Analysis, label: str, offset_ms: float | None, aligned: bool | None, *, short: bool = False
) -> str:
    """How one input's clock was corrected, in words."""
    clock = analysis.correlated.clocks.get(label)
    if clock is not None and clock.reference:
        return "reference clock"
    if offset_ms is None or aligned is None:
        return "-"
    if not aligned:
        return "not aligned" if short else "not aligned (kept as logged)"
    return f"{signed_ms(offset_ms)} applied"


def lane_notes(analysis: Analysis) -> dict[str, str]:
    """Per lane, in a few words: how its inputs' clocks were corrected (each input: the Inputs table).

    ``reference clock``, ``clock -3.2 s``, ``clocks -8 ms … +3 ms``, ``not aligned``, ``no log given``.
    """
    notes = {}
    for source in LANES:
        infos = [i for i in analysis.inputs if i.source == source and i.error is None and i.events]
        if not infos:
            notes[source] = "no log given"
            continue
        clocks = [analysis.correlated.clocks.get(i.label) for i in infos]
        reference = any(c is not None and c.reference for c in clocks)
        offsets = sorted(
            i.clock_offset_ms or 0.0
            for i, c in zip(infos, clocks, strict=True)
            if i.aligned and not (c is not None and c.reference)
        )
        unaligned = sum(1 for i in infos if i.aligned is False)
        parts = ["reference clock"] if reference else []
        if offsets and (not reference or any(round(o) for o in offsets)):
            low, high = signed_ms(offsets[0]), signed_ms(offsets[-1])
            parts.append(f"clock {low}" if low == high else f"clocks {low} … {high}")
        if unaligned:
            parts.append("not aligned" if unaligned == len(infos) else f"{unaligned} not aligned")
        notes[source] = ", ".join(parts) or "clock as logged"
    return notes


@dataclass(frozen=True)
class StoryLine:
    """One event of a connection's story as the page shows it."""

    ts: datetime | None
    source: str
    kind: str
    label: str
    tone: str
    path: str
    line: int | None
    offset_ms: float
    text: str
    elapsed_ms: float | None


@dataclass(frozen=True)
class Story:
    """A connection: its summary row and its events in corrected time order (head and tail kept)."""

    number: int
    conn_id: str
    summary: dict[str, Any]
    lines: list[StoryLine]
    omitted: int


def story_ids(findings: list[Finding], limit: int = MAX_STORIES) -> list[str]:
    """The connections whose stories the page carries: evidence first, then each finding's, capped."""
    picked: dict[str, None] = {}
    rounds = [
        [[e.conn_id for e in f.evidence if e.conn_id][:_EVIDENCE_STORIES_PER_FINDING] for f in findings],
        [f.connections[:_STORIES_PER_FINDING] for f in findings],
    ]
    for per_finding in rounds:
        for ids in per_finding:
            for conn_id in ids:
                if len(picked) >= limit:
                    return list(picked)
                picked.setdefault(conn_id)
    return list(picked)


def _tone() -> pl.Expr:
    ws_line = (pl.col("source") == "proxy") & (pl.col("kind") == "ws_upgrade")
    bad = (
        _failure_signal()
        | (pl.col("status") >= 400)
        | (ws_line & (pl.col("status") == 0) & (pl.col("duration_ms") < OPEN_MIN_MS))
    ).fill_null(False)
    good = (
        pl.col("status").is_in([101, 200, 204])
        | pl.col("kind").is_in(_SUCCESS_KINDS)
        | (ws_line & (pl.col("status") == 0) & (pl.col("duration_ms") >= OPEN_MIN_MS))
    ).fill_null(False)
    return pl.when(bad).then(pl.lit("bad")).when(good).then(pl.lit("good")).otherwise(pl.lit("plain"))


def _label(row: dict[str, Any]) -> str:
    """A few words for the sequence chart: ``GET polling 200``, ``websocket 0 (open 60 s)``, ``disconnect``."""
    if row["status"] is not None:
        what = row["transport"] or row["kind"]
        label = " ".join(str(p) for p in (row["method"], what, row["status"]) if p is not None)
        if row["kind"] == "ws_upgrade" and row["status"] == 0 and row["duration_ms"] is not None:
            label += f" (open {fmt_duration(row['duration_ms'])})"
        return label
    label = row["kind"] or "event"
    if row["reason"]:
        label += f": {row['reason']}"
    elif row["close_code"] is not None:
        label += f" {row['close_code']}"
    return label


def clip_line(text: str) -> str:
    """A log line cut to :data:`MAX_LINE_CHARS`, saying how much was left out."""
    if len(text) <= MAX_LINE_CHARS:
        return text
    return text[:MAX_LINE_CHARS] + f" … [{len(text) - MAX_LINE_CHARS:,} more characters]"


def stories(analysis: Analysis, ids: list[str]) -> list[Story]:
    """The stories of ``ids`` (page order), log text redacted unless the analysis was run without it."""
    if not ids:
        return []
    rows = (
        analysis.events.lazy()
        .filter(pl.col("conn_id").is_in(ids))
        # at the same instant a request goes browser → proxy → backend
        .with_columns(pl.col("source").replace_strict(_HOP, default=len(_HOP)).alias("_hop"))
        .sort(["conn_id", "ts", "_hop", "line"], nulls_last=True)
        .with_columns(
            pl.int_range(pl.len()).over("conn_id").alias("_i"),
            pl.len().over("conn_id").alias("_n"),
            _tone().alias("_tone"),
            (epoch_ms() - epoch_ms().min().over("conn_id")).alias("_elapsed"),
        )
        .filter((pl.col("_i") < STORY_HEAD) | (pl.col("_i") >= pl.col("_n") - STORY_TAIL))
        .collect()
    )
    conns = analysis.connections.filter(pl.col("conn_id").is_in(ids))
    if analysis.redact:  # the rows the page carries, on their way out
        rows, conns = _masked(rows), _masked(conns)
    by_conn: dict[str, list[StoryLine]] = {}
    totals: dict[str, int] = {}
    for row in rows.iter_rows(named=True):
        text = row["raw"] or row["message"] or ""
        by_conn.setdefault(row["conn_id"], []).append(
            StoryLine(
                ts=row["ts"],
                source=row["source"],
                kind=row["kind"] or "",
                label=_label(row),
                tone=row["_tone"],
                path=f"{row['file']}[{row['stream']}]" if row["stream"] else (row["file"] or ""),
                line=row["line"],
                offset_ms=row["clock_offset_ms"] or 0.0,
                text=clip_line(text),
                elapsed_ms=row["_elapsed"],
            )
        )
        totals[row["conn_id"]] = row["_n"]
    summaries = {row["conn_id"]: row for row in conns.iter_rows(named=True)}
    out: list[Story] = []
    for conn_id in ids:
        if conn_id not in by_conn:
            continue
        lines = by_conn[conn_id]
        summary = summaries.get(conn_id, {})
        out.append(Story(len(out) + 1, conn_id, summary, lines, totals[conn_id] - len(lines)))
    return out


def _masked(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its log-derived strings masked (string columns and lists of strings)."""
    return frame.with_columns(
        [redact_expr(pl.col(name)) for name, dtype in frame.schema.items() if dtype == pl.String]
        + [
            pl.col(name).list.eval(redact_expr(pl.element()))
            for name, dtype in frame.schema.items()
            if dtype == pl.List(pl.String)
        ]
    )
