"""Vectorized timestamp helpers shared by the parsers: every result is a UTC ``Datetime("us")``."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final

import polars as pl

from analyzer.model import UTC_US
from analyzer.regex import ascii_classes

#: Zone assumed for timestamps that carry none, unless ``--tz`` says otherwise.
DEFAULT_TZ = "UTC"


def localize(naive: pl.Expr, tz: str) -> pl.Expr:
    """Read naive datetimes as wall-clock time in ``tz`` and convert them to UTC.

    In a DST fold the earlier instant is taken; a wall time that does not exist becomes null.
    """
    return (
        naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
        .cast(UTC_US)
    )


def iso_to_utc(text: pl.Expr, tz: str = DEFAULT_TZ) -> pl.Expr:
    """Parse ISO 8601 / RFC 3339 strings to UTC.

    Accepts ``T`` or a space between date and time, ``,`` or ``.`` before 0–9 fractional digits, and ``Z``,
    ``±hh:mm``, ``±hhmm`` or no zone (then the wall time is in ``tz``). Anything else gives null.
    """
    norm = text.str.replace(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d),", "${1}T${2}.").str.replace(
        r"^(\d{4}-\d\d-\d\d) ", "${1}T"
    )
    aware = norm.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", time_unit="us", time_zone="UTC", strict=False)
    naive = norm.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us", strict=False)
    return pl.coalesce(aware, localize(naive, tz))


def epoch_ms_to_utc(value: pl.Expr) -> pl.Expr:
    """Epoch milliseconds (int or float) to UTC."""
    return (value.cast(pl.Float64, strict=False) * 1000).cast(pl.Int64, strict=False).cast(UTC_US)


def epoch_s_to_utc(value: pl.Expr) -> pl.Expr:
    """Epoch seconds (int or float) to UTC."""
    return (value.cast(pl.Float64, strict=False) * 1_000_000).cast(pl.Int64, strict=False).cast(UTC_US)


# -- timestamps of unknown layout (backend logs: locale dates, Python asctime, HTTP dates, syslog) -------

#: Numeric dates with a time: ``11/27/2025, 10:15:32 AM``, ``27.11.2025, 10:15:32``, ``2023/05/07 10:20:41``,
#: ``2017-06-25 11:43:31,367``, ``2019-04-12 17:36:51 +0800``, ISO 8601. ``a``/``b``/``c`` are the three
#: date fields in written order; which is the day is decided per file (:func:`read_times`).
_NUMERIC = (
    r"^\[?(?P<a>\d{1,4})(?P<sep>[/.\-]) ?(?P<b>\d{1,2})[/.\-] ?(?P<c>\d{1,4})\.?,?(?:[ T]+|:)"
    r"(?:(?P<ampm0>[AaPp]\.? ?[Mm]\.?) ?)?"  # ko-KR / zh-TW put the marker first: 2025. 11. 27. AM 1:15:32
    r"(?P<H>\d{1,2}):(?P<M>\d\d)(?::(?P<S>\d\d)(?:[.,](?P<f>\d{1,9}))?)?"
    r" ?(?P<ampm>[AaPp]\.? ?[Mm]\.?)?"
    r" ?(?P<zone>Z|UTC|GMT|[+-]\d\d:?\d\d)?\]?$"
)
_CLOCK = r"^\[?(?P<H>\d{1,2}):(?P<M>\d\d):(?P<S>\d\d)(?:[.,](?P<f>\d{1,9}))?\]?$"
#: Fixed layouts tried before python-dateutil (which is slow, so it only sees what these leave).
_FIXED = (
    ("%a, %d %b %Y %H:%M:%S GMT", True),  # HTTP date (old `debug` module, toUTCString)
    ("%d/%b/%Y:%H:%M:%S %z", True),  # CLF
    ("%d/%b/%Y %H:%M:%S", False),  # werkzeug
    ("%d/%b/%Y:%H:%M:%S", False),  # daphne's access log
)


@dataclass
class TimeRead:
    """Timestamps read from strings of one file, and what had to be assumed to read them."""

    utc: pl.Series
    #: Some values carried no zone and were read as wall time in the given zone.
    assumed_tz: bool = False
    notes: list[str] = field(default_factory=list)


def read_times(
    values: pl.Series,
    *,
    tz: str = DEFAULT_TZ,
    default_date: date | None = None,
    name: str = "ts",
) -> TimeRead:
    """Read timestamps of any common layout (one file's values) to UTC.

    Numeric dates are read with one vectorized regex; whether ``01/02`` is day/month or month/day is
    decided once for the file from the values (a field above 12 settles it; otherwise a 12-hour clock means
    en-US month/day, anything else day/month, and a note says so). Two-digit years pivot like ``%y``
    (69–99 → 19xx). Values without a year (``Nov 27 10:15:32``) or without a date (``10:15:32,123``) take
    them from ``default_date``; times of day that run backwards by more than 12 h roll over to the next day.
    What no fixed layout reads goes through python-dateutil, once per distinct string.
    """
    text = values.cast(pl.String)
    if text.str.contains("[上下午오전후]").any():
        # zh-TW 上午/下午 and ko-KR 오전/오후 (full-ICU Node) are AM/PM written before the time
        text = text.str.replace_all("上午|오전", "AM ").str.replace_all("下午|오후", "PM ")
    if text.str.contains(r"[\u00a0\u202f\u2009]|\s\s|^\s|\s$").any():
        text = (
            text.str.replace_all(r"[\u00a0\u202f\u2009]", " ")
            .str.strip_chars()
            .str.replace_all(r"\s{2,}", " ")
        )
    # the common case first: ISO 8601 in UTC (debug module, winston, Docker) parses without any regex
    fast = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.fZ", time_unit="us", time_zone="UTC", strict=False)
    todo = fast.is_null() & text.is_not_null() & (text != "")
    if not todo.any():
        return TimeRead(fast.alias(name))
    rest = text.filter(todo)
    notes: list[str] = []
    base = default_date or date.today()
    aware, naive = _read_distinct(rest, base, notes)
    assumed = bool(naive.is_not_null().any())
    localized = (
        pl.select(localize(pl.lit(naive), tz).alias(name)).to_series() if assumed else naive.cast(UTC_US)
    )
    utc = fast.scatter(todo.arg_true(), aware.fill_null(localized)).alias(name)
    return TimeRead(utc, assumed, notes)


def _read_distinct(rest: pl.Series, base: date, notes: list[str]) -> tuple[pl.Series, pl.Series]:
    """(aware UTC, naive) for ``rest`` in its order; every layout but the time of day is read once per value."""
    frame = pl.DataFrame({"_v": rest.unique()})
    parts = frame.select(pl.col("_v").str.extract_groups(ascii_classes(_NUMERIC)).alias("p")).unnest("p")
    orders = _date_order(parts, notes)
    numeric, numeric_naive = _numeric_times(parts, orders)
    fixed_aware: list[pl.Series] = []
    fixed_naive: list[pl.Series] = []
    for fmt, is_aware in _FIXED:
        parsed = frame["_v"].str.to_datetime(
            fmt, time_unit="us", time_zone="UTC" if is_aware else None, strict=False
        )
        (fixed_aware if is_aware else fixed_naive).append(parsed)
    table = frame.with_columns(
        pl.coalesce(numeric, *fixed_aware).cast(UTC_US).alias("aware"),
        pl.coalesce(numeric_naive, *fixed_naive).alias("naive"),
    )
    clock = (
        table["_v"].str.contains(ascii_classes(_CLOCK)) & table["aware"].is_null() & table["naive"].is_null()
    )
    missing = ~clock & table["aware"].is_null() & table["naive"].is_null()
    if missing.any():
        extra_aware, extra_naive = _dateutil(table["_v"].filter(missing), orders, base)
        table = table.with_columns(
            pl.coalesce("aware", pl.col("_v").replace_strict(extra_aware, default=None, return_dtype=UTC_US)),
            pl.coalesce(
                "naive",
                pl.col("_v").replace_strict(extra_naive, default=None, return_dtype=pl.Datetime("us")),
            ),
        )
    out = pl.DataFrame({"_v": rest}).join(table, on="_v", how="left", maintain_order="left")
    naive = out["naive"]
    if clock.any():
        # a time of day alone needs the lines' order, to roll over at midnight
        parts = out.select(pl.col("_v").str.extract_groups(ascii_classes(_CLOCK)).alias("p")).unnest("p")
        naive = naive.fill_null(_clock_times(parts, base))
    return out["aware"], naive


def _date_order(parts: pl.DataFrame, notes: list[str]) -> dict[str, str]:
    """``dmy``, ``mdy`` or ``ymd`` for the file's numeric dates without a four-digit year first, by separator.

    ``27.11.2025`` and ``27-11-2025`` are day first in every locale that writes them; slashes are decided by
    the values, then by the clock (en-US writes month/day with a 12-hour clock).
    """
    orders: dict[str, str] = {}
    short = parts.filter(pl.col("a").str.len_chars() <= 2)
    for sep in ("/", ".", "-"):
        group = short.filter(pl.col("sep") == sep)
        if not group.height:
            continue
        a = group["a"].cast(pl.Int32, strict=False)
        b = group["b"].cast(pl.Int32, strict=False)
        c = group["c"].cast(pl.Int32, strict=False)
        two_digit_year = sep == "-" and bool((group["c"].str.len_chars() == 2).all())
        if two_digit_year and not bool((c > 31).any()) and not bool((b > 12).any()):
            # 23-03-14: Python's %y-%m-%d (Home Assistant, colorlog), unless that would put a date in a
            # future year (27-11-25 is day first)
            orders[sep] = "dmy" if bool((a + 2000 > date.today().year).any()) else "ymd"
        elif bool((a > 12).any()):
            orders[sep] = "dmy"
        elif bool((b > 12).any()):
            orders[sep] = "mdy"
        elif sep == "/" and bool(group["ampm"].is_not_null().any() or group["ampm0"].is_not_null().any()):
            orders[sep] = "mdy"
            notes.append(
                "dates like 01/02 could not be told apart by their values: read as month/day "
                "(12-hour clock, en-US style)"
            )
        else:
            orders[sep] = "dmy"
            if sep == "/":
                notes.append("dates like 01/02 could not be told apart by their values: read as day/month")
    return orders


def _numeric_times(parts: pl.DataFrame, orders: dict[str, str]) -> tuple[pl.Series, pl.Series]:
    """(aware UTC, naive) datetimes from the numeric date regex groups."""
    num = {k: pl.col(k).cast(pl.Int32, strict=False) for k in ("a", "b", "c", "H", "M", "S")}
    yearfirst = (pl.col("a").str.len_chars() == 4) | pl.col("sep").replace_strict(
        {sep: order == "ymd" for sep, order in orders.items()}, default=False, return_dtype=pl.Boolean
    )
    month_first = pl.col("sep").replace_strict(
        {sep: order == "mdy" for sep, order in orders.items()}, default=False, return_dtype=pl.Boolean
    )
    year = pl.when(yearfirst).then(num["a"]).otherwise(num["c"])
    year = pl.when(year < 69).then(year + 2000).when(year < 100).then(year + 1900).otherwise(year)
    month = pl.when(yearfirst | ~month_first).then(num["b"]).otherwise(num["a"])
    day = pl.when(yearfirst).then(num["c"]).when(month_first).then(num["b"]).otherwise(num["a"])
    ampm = pl.coalesce("ampm", "ampm0").str.to_uppercase().str.slice(0, 1)
    hour = (
        pl.when(ampm.is_null())
        .then(num["H"])
        .when((ampm == "A") & (num["H"] == 12))
        .then(0)
        .when((ampm == "P") & (num["H"] < 12))
        .then(num["H"] + 12)
        .otherwise(num["H"])
    )
    micro = pl.col("f").str.slice(0, 6).str.pad_end(6, "0").cast(pl.Int32, strict=False).fill_null(0)
    valid = (
        month.is_between(1, 12) & day.is_between(1, 31) & hour.is_between(0, 23) & num["M"].is_between(0, 59)
    )
    stamp = pl.when(valid).then(
        pl.datetime(year, month, day, hour, num["M"], num["S"].fill_null(0), micro, time_unit="us")
    )
    zone = pl.col("zone")
    sign = pl.when(zone.str.starts_with("-")).then(-1).otherwise(1)
    digits = zone.str.replace_all(r"[^0-9]", "")
    offset_min = (
        pl.when(zone.is_in(["Z", "UTC", "GMT"]))
        .then(0)
        .otherwise(
            sign
            * (
                digits.str.slice(0, 2).cast(pl.Int32, strict=False) * 60
                + digits.str.slice(2, 2).cast(pl.Int32, strict=False)
            )
        )
    )
    out = parts.select(
        pl.when(zone.is_not_null())
        .then((stamp - pl.duration(minutes=offset_min)).dt.replace_time_zone("UTC"))
        .alias("aware"),
        pl.when(zone.is_null()).then(stamp).alias("naive"),
    )
    return out["aware"], out["naive"]


def _clock_times(clock: pl.DataFrame, base: date) -> pl.Series:
    """Naive datetimes for times of day on ``base``; a clock that runs back by over 12 h is the next day."""
    num = {k: pl.col(k).cast(pl.Int64, strict=False) for k in ("H", "M", "S")}
    micro = pl.col("f").str.slice(0, 6).str.pad_end(6, "0").cast(pl.Int64, strict=False).fill_null(0)
    seconds = num["H"] * 3600 + num["M"] * 60 + num["S"]
    out = clock.select(seconds.alias("s"), micro.alias("us")).with_columns(
        (pl.col("s").forward_fill().diff() < -12 * 3600).fill_null(False).cum_sum().alias("day")
    )
    start = datetime(base.year, base.month, base.day)
    return out.select(
        pl.when(pl.col("s").is_not_null() & (pl.col("s") < 86400))
        .then(
            pl.lit(start, dtype=pl.Datetime("us"))
            + pl.duration(days=pl.col("day"), seconds=pl.col("s"), microseconds=pl.col("us"))
        )
        .alias("clock")
    )["clock"]


def _dateutil(
    unique: pl.Series, orders: dict[str, str], base: date
) -> tuple[dict[str, datetime], dict[str, datetime]]:
    """Read the strings no fixed layout took, once each; split into aware (as UTC) and naive results."""
    from dateutil import parser as du

    default = datetime(base.year, base.month, base.day)
    aware: dict[str, datetime] = {}
    naive: dict[str, datetime] = {}
    for value in unique.to_list():
        if not value or not any(ch.isdigit() for ch in value) or len(value) > 64:
            continue
        try:
            # an unknown zone name ("OG") is not ours to warn about on the user's terminal: the value is
            # then read as naive, in --tz, like any zone-less time
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", du.UnknownTimezoneWarning)
                parsed = du.parse(
                    value.strip("[]"), default=default, dayfirst=orders.get("/", "mdy") == "dmy"
                )
        except (ValueError, OverflowError, TypeError):
            continue
        if parsed.tzinfo is not None:
            try:
                aware[value] = parsed.astimezone(UTC).replace(tzinfo=None)
            except (ValueError, OverflowError):
                continue
        else:
            naive[value] = parsed
    return aware, naive


# -- durations and time bounds on the command line and in rules ---------------------------------------

#: Units of a duration, as Go's ``time.ParseDuration`` (docker, kubectl, logcli) writes them, plus days.
_DURATION_UNITS: Final = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|min|s|m|h|d)")


def parse_duration(text: str) -> timedelta:
    """``2h``, ``30m``, ``1h30m``, ``90s``, ``500ms``, ``1.5h``, ``1d`` → a timedelta.

    One grammar for every duration wsdiag reads: ``--since`` / ``--until`` (how long ago), ``scan
    --window`` and the rules' ``within`` / ``bin``. A duration is one or more ``<number><unit>`` parts
    with no sign and no spaces; units ``ms``, ``s``, ``m`` (or ``min``), ``h``, ``d``.

    >>> parse_duration("1h30m")
    datetime.timedelta(seconds=5400)
    """
    compact = text.strip()
    if not compact or _DURATION_PART.sub("", compact):
        raise ValueError(f"{text!r} is not a duration (use e.g. 500ms, 90s, 30m, 2h, 1h30m)")
    seconds = sum(float(n) * _DURATION_UNITS[unit] for n, unit in _DURATION_PART.findall(compact))
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class TimeBound:
    """A ``--since`` / ``--until`` value as written: how long before now, or a point in time.

    A point without a zone (``2026-11-25 10:00``, ``2026-11-25``) is read in ``--tz`` when resolved,
    so the zone option can come before or after it on the command line.
    """

    text: str
    ago: timedelta | None = None
    point: datetime | None = None

    def resolve(self, tz: str = DEFAULT_TZ, now: datetime | None = None) -> datetime:
        """The bound as an aware UTC datetime (``now`` defaults to the current time)."""
        if self.ago is not None:
            return (now or datetime.now(UTC)).astimezone(UTC) - self.ago
        assert self.point is not None
        point = self.point
        if point.tzinfo is None:
            from zoneinfo import ZoneInfo

            # a wall time that a DST change skips or repeats is read like the parsers read it: the earlier
            point = point.replace(tzinfo=ZoneInfo(tz), fold=0)
        return point.astimezone(UTC)


def parse_time_bound(text: str) -> TimeBound:
    """Read a ``--since`` / ``--until`` value: a duration before now (``2h``, ``1h30m``), RFC 3339 with
    any offset (``2026-11-25T10:00:00+01:00``, ``…Z``), or a date and time without zone
    (``2026-11-25 10:00``, ``2026-11-25``: midnight), read in ``--tz``."""
    value = text.strip()
    try:
        return TimeBound(text, ago=parse_duration(value))
    except ValueError:
        pass
    try:
        # Python 3.11 reads RFC 3339 (Z, ±hh:mm, fractions, T or space) and plain dates
        point = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a duration (2h, 30m, 1h30m) nor a time "
            "(2026-11-25T10:00:00Z, 2026-11-25T11:00+01:00, 2026-11-25 10:00, 2026-11-25)"
        ) from None
    return TimeBound(text, point=point)
