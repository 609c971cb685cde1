"""Timestamps of unknown layout: locale dates, 12-hour clocks, two-digit years, missing dates and years."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from analyzer.timeparse import read_times


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
