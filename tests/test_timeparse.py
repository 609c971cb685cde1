"""Timestamps of unknown layout: locale dates, 12-hour clocks, two-digit years, missing dates and years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from analyzer.timeparse import parse_duration, parse_time_bound, read_times


def _one(value: str, **kw: object) -> datetime | None:
    return read_times(pl.Series([value]), **kw).utc[0]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017-06-25 11:43:31,367", datetime(2017, 6, 25, 11, 43, 31, 367000)),
        ("2019-04-12 17:36:51 +0800", datetime(2019, 4, 12, 9, 36, 51)),
        ("2025-02-27T11:24:42.885Z", datetime(2025, 2, 27, 11, 24, 42, 885000)),
        ("Wed, 30 Aug 2017 17:08:30 GMT", datetime(2017, 8, 30, 17, 8, 30)),
        ("04/Dec/2015:11:43:27 +0000", datetime(2015, 12, 4, 11, 43, 27)),
        ("[2017/04/11 10:15:14]", datetime(2017, 4, 11, 10, 15, 14)),
        ("12/31/99, 11:59:59 PM", datetime(1999, 12, 31, 23, 59, 59)),
        ("1/2/2025, 12:00:00 PM", datetime(2025, 1, 2, 12, 0, 0)),
        ("2025-11-27, 10:15:32 a.m.", datetime(2025, 11, 27, 10, 15, 32)),
        ("27 Nov 2025 10:15:32", datetime(2025, 11, 27, 10, 15, 32)),
    ],
)
def test_layouts(value: str, expected: datetime) -> None:
    assert _one(value) == expected.replace(tzinfo=UTC)


def test_missing_year_and_date_come_from_the_default_date() -> None:
    read = read_times(
        pl.Series(["Nov 27 10:15:32", "23:59:59,900", "00:00:01,000"]), default_date=date(2025, 11, 27)
    )
    assert read.utc.to_list() == [
        datetime(2025, 11, 27, 10, 15, 32, tzinfo=UTC),
        datetime(2025, 11, 27, 23, 59, 59, 900000, tzinfo=UTC),
        datetime(2025, 11, 28, 0, 0, 1, tzinfo=UTC),  # the clock wrapped: next day
    ]


def test_zone_is_assumed_only_for_naive_values() -> None:
    assert read_times(pl.Series(["2025-01-01T00:00:00Z"]), tz="Asia/Tokyo").assumed_tz is False
    naive = read_times(pl.Series(["2025-01-01 09:00:00"]), tz="Asia/Tokyo")
    assert naive.assumed_tz is True and naive.utc[0] == datetime(2025, 1, 1, 0, 0, tzinfo=UTC)


def test_nonsense_is_null() -> None:
    assert read_times(pl.Series(["13/13/2025, 10:00:00", "not a time", "", None])).utc.to_list() == [None] * 4


# -- the durations grammar shared by --since/--until, scan --window and the rules' within -----------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", timedelta(hours=2)),
        ("30m", timedelta(minutes=30)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("90s", timedelta(seconds=90)),
        ("500ms", timedelta(milliseconds=500)),
        ("1.5h", timedelta(minutes=90)),
        ("15min", timedelta(minutes=15)),
        ("1d", timedelta(days=1)),
        ("2h45m30s", timedelta(hours=2, minutes=45, seconds=30)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_durations_read_like_docker_and_kubectl(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "h", "2", "-2h", "2 h", "2x", "h2", "1h 30m", "2hours"])
def test_what_is_not_a_duration_is_refused_with_examples(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        ("2h", "UTC", datetime(2026, 11, 25, 10, 0)),
        ("1h30m", "Europe/Paris", datetime(2026, 11, 25, 10, 30)),
        ("2026-11-25T10:00:00Z", "Europe/Paris", datetime(2026, 11, 25, 10, 0)),
        ("2026-11-25T11:00:00+01:00", "UTC", datetime(2026, 11, 25, 10, 0)),
        ("2026-11-25T04:30:00.250-05:30", "UTC", datetime(2026, 11, 25, 10, 0, 0, 250000)),
        ("2026-11-25 10:00", "UTC", datetime(2026, 11, 25, 10, 0)),
        ("2026-11-25 11:00:00", "Europe/Paris", datetime(2026, 11, 25, 10, 0)),
        ("2026-11-25", "UTC", datetime(2026, 11, 25, 0, 0)),
        ("2026-11-25", "America/New_York", datetime(2026, 11, 25, 5, 0)),
        ("2026-07-01T12:00", "Europe/Paris", datetime(2026, 7, 1, 10, 0)),
    ],
    ids=[
        "ago",
        "ago-ignores-tz",
        "rfc3339-z",
        "rfc3339-offset",
        "rfc3339-fraction-half-hour-offset",
        "naive-in-utc",
        "naive-in-tz",
        "date-is-midnight",
        "date-in-tz",
        "summer-time-in-tz",
    ],
)
def test_since_and_until_take_durations_rfc3339_and_dates(text: str, tz: str, expected: datetime) -> None:
    assert parse_time_bound(text).resolve(tz, NOW) == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize("text", ["yesterday", "25/11/2026", "10:00", "2026-13-01", "-2h"])
def test_a_bad_time_bound_says_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match=r"neither a duration \(2h"):
        parse_time_bound(text)
