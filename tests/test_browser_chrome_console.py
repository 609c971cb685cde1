"""Chrome DevTools console export ("Save as…"): records, anchors, stacks, dates and zones."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import polars as pl
from conftest import DATA, data_lines, read_text

from analyzer.ingest import load
from analyzer.parsers.base import Document, ParseContext
from analyzer.parsers.chrome_console import ChromeConsole

if TYPE_CHECKING:
    from pathlib import Path

WITH_TS = "app.example.test-1714600830000.log"  # saved 2024-05-02 00:00:30 in Paris
NO_TS = "app.example.test-1714565120000.log"  # saved 2024-05-01 12:05:20 UTC


def _read(tmp_path: Path, name: str, **options: object) -> tuple[pl.DataFrame, list[str]]:
    events, info = read_text(
        tmp_path, (DATA / "browser" / name).read_text(encoding="utf-8"), name=name, **options
    )
    assert info.format == "chrome-console", info
    assert info.unparsed_lines == 0
    return events, info.notes


def test_devtools_own_export_folds_stack_frames_into_their_message(tmp_path: Path) -> None:
    """Chromium's console-export test output: the anchor leaves the message, ``fn @ file:line`` frames fold."""
    lines = data_lines("browser/chromium__console-export-expected.txt")
    start = lines.index("Dumping messages") + 1
    export = lines[start : lines.index("", start)]
    events, info = read_text(tmp_path, "\n".join(export) + "\n", name="localhost-1589212345678.log")
    assert info.format == "chrome-console"
    assert events["line"].to_list() == [1, 2, 3, 4, 5, 6, 9]
    assert events["message"].to_list()[:2] == ["foo", "www.chromium.org"]
    error = events.row(6, named=True)
    assert error["message"] == "My error"
    assert (
        error["raw"]
        == "console-export.js:27 My error\nlog @ console-export.js:27\n(anonymous) @ console-export.js:29"
    )
    assert '"anchor":"console-export.js:27"' in error["attrs"]
    assert '"frame":"log @ console-export.js:27"' in error["attrs"]


def test_timestamps_cross_midnight_and_become_utc(tmp_path: Path) -> None:
    events, notes = _read(tmp_path, WITH_TS, tz="Europe/Paris")
    ts = events["ts"].to_list()
    assert ts[0] == datetime(2024, 5, 1, 21, 59, 57, 120000, tzinfo=UTC)
    assert ts[4] == datetime(2024, 5, 1, 22, 0, 0, 412000, tzinfo=UTC)  # 00:00:00.412 on 2 May, Paris
    assert ts == sorted(ts)
    assert not events["ts_estimated"].any()
    assert any("2024-05-01 to 2024-05-02 from the file name" in n for n in notes)


def test_failed_websocket_evidence_is_in_columns(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, WITH_TS, tz="Europe/Paris")
    failure = events.filter(pl.col("kind") == "ws_failure").row(0, named=True)
    assert failure["line"] == 3
    assert failure["raw"].count("\n") == 3  # three stack frames folded in
    assert (failure["host"], failure["path"], failure["sid"], failure["transport"]) == (
        "api.example.test",
        "/socket.io/",
        "lv_VI97HAXpY6yYWAAAC",
        "websocket",
    )
    assert (failure["status"], failure["level"]) == (502, "error")
    assert failure["reason"] == "Error during WebSocket handshake: Unexpected response code: 502"


def test_every_record_is_classified(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, WITH_TS, tz="Europe/Paris")
    assert events["kind"].to_list() == [
        "connect_attempt",
        "log",
        "ws_failure",
        "connect_error",
        "cors_blocked",
        "net_error",
        "disconnect",
        "disconnect",
        "disconnect",
    ]
    cors = events.row(4, named=True)
    assert (cors["origin"], cors["error"], cors["t"]) == (
        "https://app.example.test",
        "missing Access-Control-Allow-Origin",
        "PXa9zz1",
    )
    row = events.row(5, named=True)
    assert (row["method"], row["status"], row["error"], row["reason"]) == (
        "GET",
        502,
        "net::ERR_FAILED",
        "Bad Gateway",
    )
    assert events["source"].unique().to_list() == ["browser"]


def test_repeated_messages_stay_one_event_each(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, NO_TS)
    assert events.filter(pl.col("message") == "Reconnecting...")["line"].to_list() == [10, 11, 12]


def test_without_timestamps_records_start_at_anchors_and_browser_messages(tmp_path: Path) -> None:
    events, notes = _read(tmp_path, NO_TS)
    assert events["line"].to_list() == [1, 2, 3, 6, 9, 10, 11, 12, 13, 15, 16]
    assert events["kind"].to_list() == [
        "connect_attempt",
        "ws_error",
        "ws_failure",
        "connect_error",
        "net_error",
        "connect_attempt",
        "connect_attempt",
        "connect_attempt",
        "log",
        "ws_close",
        "log",
    ]
    error = events.row(3, named=True)
    assert (
        error["message"] == "Socket error: Error: xhr poll error"
    )  # "    at …" lines fold, out of the message
    assert error["raw"].endswith("at Request.<anonymous> (polling.js:292)")
    assert events.row(8, named=True)["message"] == '{"type":"state",\n "connected": false}'
    assert events.row(9, named=True)["close_code"] == 1006
    assert any("carry no time" in n and "marked estimated" in n for n in notes)


def test_without_timestamps_times_are_the_save_time_and_estimated(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, NO_TS)
    assert events["ts_estimated"].all()
    assert events["ts"].unique().to_list() == [datetime(2024, 5, 1, 12, 5, 20, tzinfo=UTC)]


def test_an_empty_failed_reason_is_null_and_the_url_still_fills_the_columns(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, NO_TS)
    failure = events.filter(pl.col("kind") == "ws_failure").row(0, named=True)
    assert (failure["reason"], failure["error"]) == (None, None)
    assert (failure["sid"], failure["eio"]) == ("lv_VI97HAXpY6yYWAAAC", 4)


def test_a_network_row_anchored_on_its_request_url_gives_sid_and_t(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, NO_TS)
    row = events.filter(pl.col("line") == 9).row(0, named=True)
    assert (row["kind"], row["status"], row["sid"], row["t"]) == (
        "net_error",
        400,
        "oldSessionAAAB",
        "PXaA001",
    )


def test_date_from_the_date_option_when_the_name_has_none(tmp_path: Path) -> None:
    text = "10:00:00.000 app.js:1 Connecting to WebSocket...\n10:00:01.500 app.js:2 Connected to server\n"
    events, info = read_text(tmp_path, text, name="console.log", date=date(2024, 3, 9), tz="America/New_York")
    assert events["ts"].to_list()[0] == datetime(2024, 3, 9, 15, 0, tzinfo=UTC)
    assert info.tz == "America/New_York"
    assert any("from --date" in n for n in info.notes)


def test_date_from_the_file_time_as_a_last_resort(tmp_path: Path) -> None:
    text = "23:58:00.000 app.js:1 Connecting to WebSocket...\n"
    path = tmp_path / "saved.log"
    path.write_text(text)
    # saved at 00:30 UTC: the message is from the evening before
    stamp = datetime(2024, 6, 2, 0, 30, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    events = load([str(path)]).events
    assert events["ts"].to_list() == [datetime(2024, 6, 1, 23, 58, tzinfo=UTC)]


def test_a_message_after_the_save_time_says_the_zone_is_wrong(tmp_path: Path) -> None:
    # saved 2024-05-01 12:05:20 UTC, but the console says 14:03 (it was Paris time)
    text = "14:03:00.000 app.js:1 Connecting to WebSocket...\n"
    _, info = read_text(tmp_path, text, name=NO_TS)
    assert any("probably not UTC; pass --tz" in n for n in info.notes)


def test_no_date_at_all_leaves_ts_null_and_says_how_to_fix_it() -> None:
    """stdin has no name and no file time: without --date the times of day cannot be placed."""
    lines = pl.DataFrame(
        {
            "line": pl.Series([1], dtype=pl.UInt32),
            "text": ["10:00:00.000 app.js:1 Connecting to WebSocket..."],
            "shipper_ts": pl.Series([None], dtype=pl.Datetime("us", "UTC")),
        }
    )
    parsed = ChromeConsole().parse(Document("<stdin>", lines), ParseContext())
    assert parsed.events["ts"].to_list() == [None]
    assert any("pass --date" in n for n in parsed.notes)


def test_chrome_2014_anchor_at_the_end_of_the_line(tmp_path: Path) -> None:
    """Very old Chrome copies put the source link last (browser.md §1.1)."""
    text = (
        "WebSocket connection to 'ws://localhost:8080/socket.io/?EIO=2&transport=websocket&sid=aZ3' failed: "
        "Connection closed before receiving a handshake response socket.io.js:2371\n"
        "Connecting to WebSocket... app.js:10\n"
    )
    events, info = read_text(tmp_path, text, name="localhost-1400000000000.log")
    assert info.format == "chrome-console"
    failure = events.row(0, named=True)
    assert failure["reason"] == "Connection closed before receiving a handshake response"
    assert (failure["sid"], failure["eio"]) == ("aZ3", 2)
    assert '"anchor":"socket.io.js:2371"' in failure["attrs"]
    assert events.row(1, named=True)["message"] == "Connecting to WebSocket..."
