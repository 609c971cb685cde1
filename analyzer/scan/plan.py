"""Cut the archive's time span into windows aligned on the window size, and give each one its parts.

Windows are aligned to multiples of their size since the Unix epoch (hourly windows start on the hour,
daily ones at midnight UTC), so a rule that buckets time by a divisor of the window (``within = "1m"``)
never has a bucket across two windows. Only windows that hold events are planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from analyzer.scan.worker import PartRef

if TYPE_CHECKING:
    from collections.abc import Iterable

    from analyzer.rules import Rule

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Context read on each side of a window, at least: longer than every correlation window in wsdiag.
MIN_MARGIN = timedelta(minutes=5)
#: How long after a window's end the later events of its sessions are still read.
LOOKAHEAD = timedelta(hours=1)


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
    """Every window that holds events of some part, inside ``[since, until]``, in time order."""
    indexes: set[int] = set()
    for part in parts:
        low = max(part.min_ts, since) if since else part.min_ts
        high = min(part.max_ts, until) if until else part.max_ts
        if low > high:
            continue
        indexes.update(range(window_index(low, size), window_index(high, size) + 1))
    return [Window(i, EPOCH + i * size, EPOCH + (i + 1) * size) for i in sorted(indexes)]


def parts_for(
    window: Window, parts: list[PlannedPart], margin: timedelta, lookahead: timedelta
) -> tuple[PartRef, ...]:
    """The parts whose events overlap what the window reads."""
    low = window.start - margin
    high = window.end + max(margin, lookahead)
    return tuple(p.ref for p in parts if p.min_ts < high and p.max_ts >= low)
