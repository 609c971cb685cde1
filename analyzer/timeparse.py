"""Vectorized timestamp helpers shared by the parsers: every result is a UTC ``Datetime("us")``."""

from __future__ import annotations

import polars as pl

from analyzer.model import UTC_US

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
