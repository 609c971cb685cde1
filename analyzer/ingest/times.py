"""Which time a wrapped line has when the wrapper and the line each carry one, and neither is complete.

A line's own time is the producer's (Traefik stamps a request's start; the shipper stamps when the line was
written), so it wins — parsers use the wrapper's time only for lines without one. But each side can lack
what the other has:

- the wrapper's time has no zone (Docker Desktop's view, ``journalctl -o short``) and the lines' own times
  have one: the wrapper's zone is learned from the lines that carry both, and applied to the lines that
  only have the wrapper's;
- the lines' times have no zone (Python's ``asctime``) and the wrapper's has one (``docker logs -t``,
  CRI files): the lines' zone is learned the same way;
- the wrapper's time has no year (syslog): the year comes from the lines' own times, else, after every
  input is read, from the capture's other sources (:func:`fix_unknown_years`) — never from today.

A zone is a whole number of quarter hours; an offset that is not (a slow shipper) is not a zone and
changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

import polars as pl

if TYPE_CHECKING:
    from analyzer.ingest import InputInfo
    from analyzer.ingest.shippers import View

_QUARTER: Final = 15 * 60 * 1_000_000
#: Offsets below this are clock noise (buffering, a skewed host), not a zone.
_MIN_OFFSET_US: Final = 10 * 60 * 1_000_000
#: How far from a whole quarter hour an offset may be and still be a zone.
_SLACK_US: Final = 2 * 60 * 1_000_000
_YEAR_US: Final = int(365.2425 * 86_400 * 1_000_000)


def reconcile_times(frame: pl.DataFrame, view: View, info: InputInfo, tz: str) -> pl.DataFrame:
    """Give the stream's events the zone (or year) one side of their time lacked; notes say what was done."""
    kind = view.shipper_time
    if kind is None or not frame.height:
        return frame
    shipper = view.lines.select("line", pl.col("shipper_ts").alias("_ship"))
    work = frame.join(shipper, on="line", how="left", maintain_order="left")
    from_shipper = pl.col("_ship").is_not_null() & (pl.col("ts") == pl.col("_ship"))
    own = pl.col("ts").is_not_null() & pl.col("_ship").is_not_null() & ~from_shipper
    shipper_loose = kind in ("naive", "yearless")
    payload_naive = info.tz is not None
    if shipper_loose and not payload_naive:
        offset = _offset(work.filter(own).select((pl.col("_ship") - pl.col("ts")).dt.total_microseconds()))
        if offset is not None:
            work = work.with_columns(
                pl.when(from_shipper)
                .then(pl.col("ts") - pl.duration(microseconds=offset))
                .otherwise("ts")
                .alias("ts")
            )
            info.notes.append(
                f"the wrapper's times carry no {'year or zone' if kind == 'yearless' else 'zone'}: "
                f"placed by the lines' own times ({_describe(offset)})"
            )
        elif kind == "yearless" and not work.filter(own).height:
            info.year_assumed = True
        if offset is None and not work.filter(own).height:
            info.tz = tz
    elif kind == "yearless" and payload_naive:
        # neither side has a zone: only the year, which the wrapper lacks, is taken from the lines
        diffs = work.filter(own).select((pl.col("_ship") - pl.col("ts")).dt.total_microseconds()).to_series()
        years = round(float(diffs.median()) / _YEAR_US) if diffs.len() else 0  # type: ignore[arg-type]
        if years:
            work = work.with_columns(
                pl.when(from_shipper)
                .then(pl.col("ts").dt.offset_by(f"{-years}y"))
                .otherwise("ts")
                .alias("ts")
            )
            info.notes.append("the wrapper's times carry no year: taken from the lines' own times")
        elif not diffs.len():
            info.year_assumed = True
    elif not shipper_loose and payload_naive:
        offset = _offset(work.filter(own).select((pl.col("ts") - pl.col("_ship")).dt.total_microseconds()))
        if offset is not None:
            shift = pl.duration(microseconds=offset)
            work = work.with_columns(
                pl.when(own).then(pl.col("ts") - shift).otherwise("ts").alias("ts"),
                pl.when(own).then(pl.col("ts_end") - shift).otherwise("ts_end").alias("ts_end"),
            )
            info.notes.append(
                f"the lines' times carry no zone: they are {_describe(offset)} by the wrapper's times, not {tz}"
            )
            info.tz = None
    return work.drop("_ship")


def fix_unknown_years(events: pl.DataFrame, inputs: list[InputInfo]) -> pl.DataFrame:
    """Move inputs whose year was assumed to the year of the capture's other sources (when they have one)."""
    unsure = [i for i in inputs if i.year_assumed and i.error is None]
    if not unsure or not events.height:
        return events
    keys = {(i.path, i.stream) for i in unsure}
    mine = pl.any_horizontal(
        [(pl.col("file") == path) & pl.col("stream").eq_missing(stream) for path, stream in keys]
    )
    others = events.filter(~mine & pl.col("ts").is_not_null())["ts"]
    if not others.len():
        for info in unsure:
            info.notes.append("times carry no year and no other source has one: the file's date was assumed")
        return events
    reference = others.median()
    for info in unsure:
        this = (pl.col("file") == info.path) & pl.col("stream").eq_missing(info.stream)
        middle = events.filter(this)["ts"].median()
        if middle is None or reference is None:
            continue
        years = round((reference - middle) / timedelta(microseconds=_YEAR_US))  # type: ignore[operator]
        if years:
            events = events.with_columns(
                pl.when(this).then(pl.col("ts").dt.offset_by(f"{years}y")).otherwise("ts").alias("ts"),
                pl.when(this)
                .then(pl.col("ts_end").dt.offset_by(f"{years}y"))
                .otherwise("ts_end")
                .alias("ts_end"),
            )
            info.first_ts = events.filter(this)["ts"].min()  # type: ignore[assignment]
            info.last_ts = events.filter(this)["ts"].max()  # type: ignore[assignment]
        info.notes.append("times carry no year: taken from the capture's other sources")
    return events


def _offset(diffs: pl.DataFrame) -> int | None:
    """The zone offset (µs, whole quarter hours) the differences agree on, or None when they name none."""
    if not diffs.height:
        return None
    median = diffs.to_series().median()
    if median is None:
        return None
    value = int(median)  # type: ignore[arg-type]
    rounded = round(value / _QUARTER) * _QUARTER
    if abs(rounded) < _MIN_OFFSET_US or abs(value - rounded) > _SLACK_US:
        return None
    return rounded


def _describe(offset_us: int) -> str:
    minutes = offset_us // 60_000_000
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return (
        f"UTC{sign}{hours:02d}:{rest:02d}" if abs(minutes) < 24 * 60 else f"{minutes / 525_949:+.0f} year(s)"
    )
