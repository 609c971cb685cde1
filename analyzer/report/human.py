"""Numbers and times as a person writes them: ``16 s``, ``3 min 2 s``, ``21:31:45 UTC``, ``13 failed handshakes``.

Shared by the text, Markdown and HTML reports; times are shown in the zone of ``--tz`` (UTC by default),
durations in the largest units that keep them exact enough to act on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

import polars as pl

_SECOND: Final = 1000
_MINUTE: Final = 60 * _SECOND
_HOUR: Final = 60 * _MINUTE
_DAY: Final = 24 * _HOUR


def fmt_duration(ms: float) -> str:
    """A short human duration: ``250 ms``, ``1.5 s``, ``16 s``, ``3 min 2 s``, ``1 h 5 min``, ``3 d``."""
    if ms < _SECOND:
        return f"{ms:.0f} ms"
    if ms < _MINUTE:
        return f"{ms / _SECOND:.3g} s"
    if ms < _HOUR:
        minutes, seconds = divmod(round(ms / _SECOND), 60)
        return f"{minutes} min" + (f" {seconds} s" if seconds else "")
    if ms < 2 * _DAY:
        hours, minutes = divmod(round(ms / _MINUTE), 60)
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    days = ms / _DAY
    return f"{days:.3g} d" if days < 100 else f"{days:,.0f} d"


def duration_expr(ms: pl.Expr) -> pl.Expr:
    """:func:`fmt_duration` over a column of milliseconds (null stays null)."""
    seconds = ms / _SECOND
    whole_s = (ms / _SECOND).round(0).cast(pl.Int64)
    whole_min = (ms / _MINUTE).round(0).cast(pl.Int64)

    def trimmed(value: pl.Expr) -> pl.Expr:
        # three significant digits, without a trailing ".0" (16 s, 1.5 s, 2.25 s)
        return value.round_sig_figs(3).cast(pl.String).str.replace(r"\.0$", "")

    return (
        pl.when(ms.is_null())
        .then(pl.lit(None, pl.String))
        .when(ms < _SECOND)
        .then(ms.round(0).cast(pl.Int64).cast(pl.String) + " ms")
        .when(ms < _MINUTE)
        .then(trimmed(seconds) + " s")
        .when(ms < _HOUR)
        .then(
            (whole_s // 60).cast(pl.String)
            + " min"
            + pl.when(whole_s % 60 > 0)
            .then(" " + (whole_s % 60).cast(pl.String) + " s")
            .otherwise(pl.lit(""))
        )
        .when(ms < 2 * _DAY)
        .then(
            (whole_min // 60).cast(pl.String)
            + " h"
            + pl.when(whole_min % 60 > 0)
            .then(" " + (whole_min % 60).cast(pl.String) + " min")
            .otherwise(pl.lit(""))
        )
        .otherwise(trimmed(ms / _DAY) + " d")
    )


def local(ts: datetime, tz: str) -> datetime:
    """``ts`` (naive means UTC) in the zone ``tz``."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(ZoneInfo(tz))


def zone_name(ts: datetime | None, tz: str) -> str:
    """How the zone reads next to a time: ``UTC``, ``CET``, ``+0530``."""
    if tz == "UTC" or ts is None:
        return tz
    return local(ts, tz).strftime("%Z") or tz


def when(ts: datetime | None, tz: str = "UTC", *, seconds_only: bool = False) -> str:
    """``2026-11-25 21:31:45.000`` in ``tz`` (no zone name; callers state it once), or ``-``."""
    if ts is None:
        return "-"
    text = local(ts, tz).strftime("%Y-%m-%d %H:%M:%S.%f")
    return text[:-7] if seconds_only else text[:-3]


def span(start: datetime | None, end: datetime | None, tz: str = "UTC") -> str:
    """``2026-11-25 21:31:45 → 21:32:09 CET`` (the date once when both ends share it), or ``undated``."""
    if start is None:
        return "undated"
    first = when(start, tz, seconds_only=True)
    zone = zone_name(start, tz)
    if end is None or end == start:
        return f"{first} {zone}"
    last = when(end, tz, seconds_only=True)
    if last[:10] == first[:10]:
        last = last[11:]
    return f"{first} → {last} {zone}"


def time_of_day_expr(ts: pl.Expr, tz: str, *, with_date: bool) -> pl.Expr:
    """Times of a column in ``tz`` as ``21:31:45.000`` (``11-25 21:31:45.000`` when the dates differ)."""
    fmt = "%m-%d %H:%M:%S%.3f" if with_date else "%H:%M:%S%.3f"
    return ts.dt.convert_time_zone(tz).dt.strftime(fmt)


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 connection``, ``13 connections``."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"
