"""Firefox Web Console export: location after the text, indented frames, optional timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import polars as pl
from conftest import DATA, read_text

if TYPE_CHECKING:
    from pathlib import Path


def _read(tmp_path: Path, name: str, **options: object) -> tuple[pl.DataFrame, list[str]]:
    events, info = read_text(
        tmp_path, (DATA / "browser" / name).read_text(encoding="utf-8"), name=name, **options
    )
    assert info.format == "firefox-console", info
    assert info.unparsed_lines == 0
    return events, info.notes


def test_gecko_export_test_output_gives_one_record_per_message(tmp_path: Path) -> None:
    """The lines Gecko's own export test asserts: a record ends at its location, frames stay with it."""
    events, _ = _read(tmp_path, "console-export-2024-5-1_9-15-2.txt")
    assert events["line"].to_list() == [1, 2, 7, 11, 14]
    assert events["message"].to_list() == [
        "hello",
        'myObject:\nObject { a: 1 }\n myArray:\nArray [ "b", "c" ]',
        "Error: error object",
        "console.trace() myConsoleTrace",
        "world !",
    ]
    trace = events.row(3, named=True)
    assert trace["raw"].count("\n") == 2  # console.trace's frames come after its location
    assert '"location":"test.js:7:17"' in trace["attrs"]
    assert events.row(2, named=True)["kind"] == "error"


def test_without_timestamps_the_name_gives_the_save_time(tmp_path: Path) -> None:
    events, notes = _read(tmp_path, "console-export-2024-5-1_9-15-2.txt", tz="Europe/Paris")
    assert events["ts"].unique().to_list() == [datetime(2024, 5, 1, 7, 15, 2, tzinfo=UTC)]
    assert events["ts_estimated"].all()
    assert any("marked estimated" in n for n in notes)


def test_timestamped_export_is_placed_and_classified(tmp_path: Path) -> None:
    events, notes = _read(tmp_path, "console-export-2024-5-1_14-6-30.txt", tz="Europe/Paris")
    assert events["ts"].to_list()[0] == datetime(2024, 5, 1, 12, 5, 0, 12000, tzinfo=UTC)
    assert not events["ts_estimated"].any()
    assert events["kind"].to_list() == [
        "connect_attempt",
        "http_request",
        "ws_failure",
        "cors_blocked",
        "connect_error",
        "ws_close",
    ]
    failure = events.row(2, named=True)
    assert (failure["host"], failure["sid"], failure["transport"]) == (
        "api.example.test",
        "gQ7rT2mN5bV8cX1zAAAB",
        "websocket",
    )
    assert failure["reason"] == "can't establish a connection to the server"
    assert '"location":"websocket.js:114:21"' in failure["attrs"]
    cors = events.row(3, named=True)
    assert (cors["status"], cors["error"], cors["t"]) == (
        502,
        "missing Access-Control-Allow-Origin",
        "OyZ9a2b",
    )
    error = events.row(4, named=True)
    assert error["raw"].endswith("app.js:22:15") and error["error"] == "websocket error"
    assert any("date 2024-05-01 from the file name" in n for n in notes)


def test_network_rows_carry_their_status(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, "console-export-2024-5-1_14-6-30.txt")
    row = events.row(1, named=True)
    assert (row["method"], row["status"], row["reason"], row["t"]) == ("GET", 200, "OK", "OyZ8k1q")
