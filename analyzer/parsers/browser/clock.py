"""Placing browser times that carry no date: console exports (``HH:MM:SS.mmm``) and chrome_debug.log
(``MMDD/HHMMSS``).

The only date a console export has is in its name: DevTools saves ``<host>-<Date.now()>.log`` and Firefox
``console-export-YYYY-M-D_H-M-S.txt``, both written when the user *saved* the file, i.e. after the last
message. Failing that, ``--date`` names the day of the first message, and the file's modification time is
a last resort (a downloaded file's mtime is its save time). Times of day are wall-clock time in ``--tz``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

import polars as pl

from analyzer.model import UTC_US
from analyzer.timeparse import localize

if TYPE_CHECKING:
    from analyzer.parsers.base import ParseContext

_DAY_MS: Final = 86_400_000
#: A time of day this much earlier than the one before it is the next day (a console is in arrival order,
#: and network messages may be stamped slightly before the message printed above them).
ROLLOVER_MS: Final = _DAY_MS // 2
_COMPRESSED: Final = re.compile(r"\.(?:gz|bz2|xz|zst)$", re.IGNORECASE)
# A browser that finds the name taken saves "name (1).log".
_CHROME_NAME: Final = re.compile(r"^.+-(?P<ms>\d{12,14})(?: \(\d+\))?\.log$")
_FIREFOX_NAME: Final = re.compile(
    r"^console-export-(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})_(?P<h>\d{1,2})-(?P<mi>\d{1,2})-(?P<s>\d{1,2})"
    r"(?: \(\d+\))?\.txt$"
)


@dataclass(frozen=True)
class DateAnchor:
    """Where the date of undated times comes from."""

    #: The UTC instant the file was saved (the last message is at or before it); None for ``--date``.
    saved: datetime | None
    #: The local day of the first message (``--date``); None when ``saved`` is known instead.
    first_day: date | None
    #: For the note: "the file name", "--date", "the file's modification time".
    origin: str


def save_time_from_name(name: str, tz: str) -> datetime | None:
    """The save instant a DevTools or Firefox console export carries in its file name, in UTC."""
    name = _COMPRESSED.sub("", name)
    chrome = _CHROME_NAME.match(name)
    if chrome:
        try:
            return datetime.fromtimestamp(int(chrome["ms"]) / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    firefox = _FIREFOX_NAME.match(name)
    if firefox:
        try:
            y, mo, d, h, mi, s = (int(firefox[k]) for k in ("y", "mo", "d", "h", "mi", "s"))
            return datetime(y, mo, d, h, mi, s, tzinfo=ZoneInfo(tz)).astimezone(UTC)
        except ValueError:
            return None
    return None


def date_anchor(ctx: ParseContext) -> DateAnchor | None:
    """The best date evidence for an undated file: its name, then ``--date``, then its mtime."""
    saved = save_time_from_name(ctx.name, ctx.tz)
    if saved is not None:
        return DateAnchor(saved, None, f"the file name (saved {saved:%Y-%m-%d %H:%M:%S} UTC)")
    if ctx.date is not None:
        return DateAnchor(None, ctx.date, "--date")
    if ctx.mtime is not None:
        return DateAnchor(
            ctx.mtime, None, f"the file's modification time ({ctx.mtime:%Y-%m-%d %H:%M:%S} UTC)"
        )
    return None


def time_of_day_ms(hms: pl.Expr) -> pl.Expr:
    """``HH:MM:SS.mmm`` (or ``HH:MM:SS``) as milliseconds since midnight; null when it is not a time."""
    parts = hms.str.extract_groups(r"^(?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})(?:\.(?P<f>\d{1,6}))?$")
    h = parts.struct.field("h").cast(pl.Int64)
    mi = parts.struct.field("m").cast(pl.Int64)
    s = parts.struct.field("s").cast(pl.Int64)
    frac = parts.struct.field("f").str.pad_end(3, "0").str.slice(0, 3).cast(pl.Int64).fill_null(0)
    valid = (h < 24) & (mi < 60) & (s < 61)
    return pl.when(valid).then(((h * 60 + mi) * 60 + s) * 1000 + frac)


@dataclass
class Placed:
    """Times placed on the calendar, and what the user should know about how."""

    ts: pl.Series
    estimated: pl.Series
    notes: list[str]

    def columns(self) -> list[pl.Expr]:
        """``ts`` and ``ts_estimated`` for the records: an estimated record takes the shipper's timestamp
        (``docker logs -t``) where there is one, and is then no longer estimated."""
        by_shipper = self.estimated & pl.col("shipper_ts").is_not_null()
        return [
            pl.when(by_shipper).then(pl.col("shipper_ts")).otherwise(self.ts).alias("ts"),
            (self.estimated & pl.col("shipper_ts").is_null()).alias("ts_estimated"),
        ]


def place_times_of_day(tod: pl.Series, ctx: ParseContext, *, what: str = "records") -> Placed:
    """Turn times of day (ms since local midnight, in file order; null = no time) into UTC instants.

    A time more than 12 hours before the previous one starts the next day. Records without a time take the
    time of the record before them (the first ones the time after), or, in a file without any time, the
    save time; those are marked estimated.
    """
    frame = pl.DataFrame({"tod": tod.cast(pl.Int64)})
    day = (pl.col("tod") - pl.col("tod").forward_fill().shift(1) < -ROLLOVER_MS).fill_null(False).cum_sum()
    frame = frame.with_columns(day.alias("day"))
    timed = frame.filter(pl.col("tod").is_not_null())
    anchor = date_anchor(ctx)
    notes: list[str] = []
    missing = frame.height - timed.height
    if timed.height == 0:
        saved = anchor.saved if anchor else None
        ts = pl.Series("ts", [saved] * frame.height, dtype=UTC_US)
        if frame.height:
            where = (
                f"at {anchor.origin}" if saved is not None and anchor else "nowhere (no save time or mtime)"
            )
            notes.append(
                f"the {what} carry no time: kept in file order, placed {where} and marked estimated; "
                "correlation can place them by the URLs they share with other sources"
            )
        return Placed(ts, pl.Series("ts_estimated", [True] * frame.height), notes)
    if anchor is None:
        notes.append(f"no date for these times of day: pass --date YYYY-MM-DD to place the {what}")
        return Placed(
            pl.Series("ts", [None] * frame.height, dtype=UTC_US),
            pl.Series("ts_estimated", [True] * frame.height),
            notes,
        )
    first_day = _first_day(timed, anchor, ctx.tz, notes)
    base = datetime.combine(first_day, datetime.min.time())
    naive = pl.lit(base, dtype=pl.Datetime("us")) + pl.duration(
        days=pl.col("day"), milliseconds=pl.col("tod")
    )
    placed = frame.with_columns(localize(naive, ctx.tz).alias("ts"))
    placed = placed.with_columns(
        pl.col("ts").is_null().alias("ts_estimated"),
        pl.col("ts").forward_fill().backward_fill(),
    )
    rolled: int = timed["day"][-1]
    span = f"{first_day}" + (f" to {first_day + timedelta(days=rolled)}" if rolled else "")
    notes.append(f"times of day read as {ctx.tz}; date {span} from {anchor.origin}")
    if missing:
        notes.append(f"{missing} {what} without a time of their own took the time of the record before them")
    return Placed(placed["ts"], placed["ts_estimated"], notes)


def _first_day(timed: pl.DataFrame, anchor: DateAnchor, tz: str, notes: list[str]) -> date:
    """The local day of the first timed record."""
    if anchor.saved is None:
        assert anchor.first_day is not None
        return anchor.first_day
    saved_local = anchor.saved.astimezone(ZoneInfo(tz))
    saved_tod = (saved_local - saved_local.replace(hour=0, minute=0, second=0, microsecond=0)) // timedelta(
        milliseconds=1
    )
    last_tod: int = timed["tod"][-1]
    last_day = saved_local.date()
    ahead = last_tod - saved_tod
    if ahead > ROLLOVER_MS:
        # saved just after midnight: the last message was the evening before
        last_day -= timedelta(days=1)
    elif ahead > 60_000:
        notes.append(
            f"the last message ({_hms(last_tod)} in {tz}) is later than the save time "
            f"({saved_local:%H:%M:%S} in {tz}): the console's zone is probably not {tz}; pass --tz"
        )
    last_rec_day: int = timed["day"][-1]
    return last_day - timedelta(days=last_rec_day)


def _hms(ms: int) -> str:
    seconds, ms = divmod(ms, 1000)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{ms:03d}"


def year_anchor(ctx: ParseContext) -> tuple[int, bool, str]:
    """(year, whether it is the year of the *last* line, where it came from) for ``MMDD`` dates."""
    if ctx.date is not None:
        return ctx.date.year, False, "--date"
    if ctx.mtime is not None:
        return ctx.mtime.year, True, "the file's modification time"
    now = datetime.now(tz=UTC)
    return now.year, True, "the current year (no --date, no file time)"
