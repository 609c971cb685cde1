"""Cut the archive's time span into windows aligned on the window size, and give each one its parts.

Windows are aligned to multiples of their size since the Unix epoch (hourly windows start on the hour,
daily ones at midnight UTC), so a rule that buckets time by a divisor of the window (``within = "1m"``)
never has a bucket across two windows. Only windows that hold events are planned: a part whose events
span more than :data:`SPARSE_SPAN` windows (one stray line dated a year early, a clock reset to 1970)
has the windows its events fall in read from its times, not every window between its first and last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import polars as pl

from analyzer.scan.cache import CacheDamaged
from analyzer.scan.worker import PartRef, verified_scan

if TYPE_CHECKING:
    from collections.abc import Iterable

    from analyzer.rules import Rule

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Context read on each side of a window, at least: longer than every correlation window in wsdiag.
MIN_MARGIN = timedelta(minutes=5)
#: How long after a window's end the later events of its sessions are still read.
LOOKAHEAD = timedelta(hours=1)
#: A part spanning more windows than this has its occupied windows read from its times.
SPARSE_SPAN = 48


@dataclass(frozen=True)
class PlannedPart:
    """A Parquet part with the time range of its events."""

    ref: PartRef
    min_ts: datetime
    max_ts: datetime
    rows: int = 0


@dataclass(frozen=True)
class Window:
    """One window: its number since the epoch and the range it owns."""

    index: int
    start: datetime
    end: datetime


def margin_for(rules: Iterable[Rule]) -> timedelta:
    """The context each window reads on both sides: the longest rule window, and never under 5 minutes."""
    longest = max((r.match.within_ms or 0.0 for r in rules), default=0.0)
    return max(MIN_MARGIN, timedelta(milliseconds=longest))


def window_index(ts: datetime, size: timedelta) -> int:
    """The number of the window holding ``ts``."""
    return (ts - EPOCH) // size


def plan_windows(
    parts: list[PlannedPart],
    size: timedelta,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Window]:
    """Every window that holds events of some part, inside ``[since, until]``, in time order.

    Raises :class:`~analyzer.scan.cache.CacheDamaged` for a sparse part whose bytes fail verification.
    """
    indexes: set[int] = set()
    for part in parts:
        low = max(part.min_ts, since) if since else part.min_ts
        high = min(part.max_ts, until) if until else part.max_ts
        if low > high:
            continue
        first, last = window_index(low, size), window_index(high, size)
        if last - first + 1 > SPARSE_SPAN:
            indexes.update(i for i in occupied_windows(part.ref, size) if first <= i <= last)
        else:
            indexes.update(range(first, last + 1))
    return [Window(i, EPOCH + i * size, EPOCH + (i + 1) * size) for i in sorted(indexes)]


def occupied_windows(part: PartRef, size: timedelta) -> set[int]:
    """The windows the events of one part fall in (its bytes verified first)."""
    step = size // timedelta(microseconds=1)
    try:
        found = (
            verified_scan(part)
            .select((pl.col("ts").dt.epoch("us") // step).alias("w"))
            .drop_nulls()
            .unique()
            .collect()
        )
    except (pl.exceptions.PolarsError, OSError) as exc:  # verified bytes that polars cannot read as events
        raise CacheDamaged(part.key, f"a part cannot be read as events ({type(exc).__name__})") from exc
    return {int(i) for i in found["w"].to_list()}


def parts_for(
    window: Window, parts: list[PlannedPart], margin: timedelta, lookahead: timedelta
) -> tuple[PartRef, ...]:
    """The parts whose events overlap what the window reads."""
    low = window.start - margin
    high = window.end + max(margin, lookahead)
    return tuple(p.ref for p in parts if p.min_ts < high and p.max_ts >= low)
