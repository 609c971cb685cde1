"""HAR 1.2: Chrome DevTools (WebSocket frames), Playwright, Firefox, and damaged files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import polars as pl
import pytest
from conftest import DATA, read_text

if TYPE_CHECKING:
    from pathlib import Path

CHROME = (DATA / "browser" / "chrome-devtools.har").read_text(encoding="utf-8")
SID = "lv_VI97HAXpY6yYWAAAC"


def _read(tmp_path: Path, text: str, name: str = "capture.har") -> tuple[pl.DataFrame, Any]:
    events, info = read_text(tmp_path, text, name=name)
    assert info.format == "har", info
    return events.sort("ts", "line", maintain_order=True), info


def _one(events: pl.DataFrame, **where: Any) -> dict[str, Any]:
    rows = events.filter(**where)
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_chrome_polling_handshake_gives_the_sid(tmp_path: Path) -> None:
    events, info = _read(tmp_path, CHROME)
    assert info.notes[0] == "HAR written by WebInspector 537.36"
    handshake = _one(events, kind="handshake")
    assert (handshake["sid"], handshake["transport"], handshake["t"], handshake["status"]) == (
        SID,
        "polling",
        "PXa1b2c",
        200,
    )
    assert handshake["ts"] == datetime(2024, 5, 1, 12, 3, 0, 412000, tzinfo=UTC)
    assert handshake["request_id"] == "b7d4c1f0-0001"
    assert handshake["origin"] == "https://app.example.test"
    attrs = json.loads(handshake["attrs"])
    assert (attrs["pingInterval"], attrs["pingTimeout"], attrs["via"]) == (25000, 20000, "1.1 edge-3")
    assert attrs["initiator"] == "script https://app.example.test/assets/index-4f1c2a.js:1"
    assert handshake["line"] == 110  # the line where the entry starts in the file


def test_chrome_successful_websocket_opens_upgrades_and_ends(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, CHROME)
    ws = events.filter((pl.col("sid") == SID) & (pl.col("transport") == "websocket"))
    assert ws["kind"].to_list() == ["ws_upgrade", "ws_open", "ws_frame", "upgrade", "disconnect", "ws_close"]
    upgrade = ws.row(0, named=True)
    assert (upgrade["status"], upgrade["protocol"], upgrade["upgrade_header"], upgrade["duration_ms"]) == (
        101,
        "HTTP/1.1",
        "websocket",
        61087.2,
    )
    attrs = json.loads(upgrade["attrs"])
    assert attrs["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert attrs["sec-websocket-key"] == "dGhlIHNhbXBsZSBub25jZQ=="
    frames = ws.row(2, named=True)
    assert frames["message"] == "10 frames: 5 sent, 5 received (Engine.IO: 4 ping/pong, 2 Socket.IO messages)"
    assert json.loads(frames["attrs"])["first_frames"][:3] == ["> 2probe", "< 3probe", "> 5"]
    assert ws.row(3, named=True)["ts"] == datetime(2024, 5, 1, 12, 3, 0, 474812, tzinfo=UTC)  # the "5" frame
    assert ws.row(4, named=True)["reason"] == "io server disconnect"
    assert ws.row(5, named=True)["ts"] == datetime(2024, 5, 1, 12, 4, 1, 553200, tzinfo=UTC)  # start + time


def test_chrome_failed_websocket_evidence_is_in_columns(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, CHROME)
    sid = "Qm3xHVyJjFpTqyWNAAAF"
    upgrade = _one(events, kind="ws_upgrade", sid=sid)
    failure = _one(events, kind="ws_failure", sid=sid)
    for row in (upgrade, failure):
        assert row["status"] == 502  # status 0 in the HAR, the code from the error frame
        assert row["reason"] == "Error during WebSocket handshake: Unexpected response code: 502"
        assert (row["host"], row["path"], row["level"]) == ("api.example.test", "/socket.io/", "error")
    assert failure["ts"] == datetime(2024, 5, 1, 12, 4, 3, 910144, tzinfo=UTC)  # the error frame's time
    assert json.loads(upgrade["attrs"])["har_status"] == 0
    assert failure["raw"] == "error Error during WebSocket handshake: Unexpected response code: 502"


def test_chrome_dns_failure_and_failed_polling(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, CHROME)
    dns = _one(events, kind="ws_failure", host="ws.nowhere.example.test")
    assert (dns["status"], dns["error"]) == (0, "net::ERR_NAME_NOT_RESOLVED")
    failed = _one(events, kind="http_request", t="PXa9zz1")
    assert (failed["status"], failed["error"], failed["level"]) == (0, "net::ERR_FAILED", "error")


def test_socketio_packets_in_polling_bodies_and_engine_errors(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, CHROME)
    connect = _one(events, kind="connect")
    assert (connect["socket_id"], connect["namespace"], connect["sid"]) == ("Bx2kQ9d0socketAAAD", "/", SID)
    unknown = _one(events, sid="oldSessionAAAB")
    assert (unknown["status"], unknown["error_code"], unknown["error"]) == (400, 1, "Session ID unknown")
    traced = json.loads(unknown["attrs"])["traceparent"]
    assert traced.startswith("00-4bf92f35") and unknown["request_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_playwright_har_ms_frames_minus_one_status_and_base64(tmp_path: Path) -> None:
    events, info = _read(tmp_path, (DATA / "browser" / "playwright.har").read_text(encoding="utf-8"))
    assert info.notes[0] == "HAR written by Playwright 1.65.0"
    failure = _one(events, kind="ws_failure")
    assert (failure["status"], failure["sid"], failure["error"]) == (
        400,
        "Zq0aUo1t2sC3LtJtAAAB",
        "Error during WebSocket handshake: Unexpected response code: 400",
    )
    assert json.loads(_one(events, kind="ws_upgrade", status=400)["attrs"])["har_status"] == -1
    upgrade = _one(events, kind="upgrade")
    assert upgrade["ts"] == datetime(2025, 11, 25, 21, 3, 11, 15233, tzinfo=UTC)  # epoch ms frame time
    assert _one(events, kind="connect")["socket_id"] == "h1JdKq3v_socketAAAC"  # base64 body
    cors = _one(events, kind="http_request", t="PYb7yQ2")
    assert (cors["status"], cors["error"]) == (0, "net::ERR_FAILED")
    close = _one(events, kind="ws_close")
    assert close["ts_estimated"]  # no usable "time": the last frame's time


def test_firefox_har_websockets_without_frames(tmp_path: Path) -> None:
    events, _ = _read(tmp_path, (DATA / "browser" / "firefox.har").read_text(encoding="utf-8"))
    assert events["kind"].to_list() == ["handshake", "ws_upgrade", "ws_open", "ws_upgrade", "ws_failure"]
    handshake = events.row(0, named=True)
    assert handshake["ts"] == datetime(2024, 5, 1, 12, 5, 0, 21000, tzinfo=UTC)  # +02:00 offset in the HAR
    assert (handshake["sid"], handshake["request_id"]) == ("p0X1y2Z3a4B5c6D7AAAA", "ff-req-0001")
    opened = events.row(1, named=True)
    assert opened["duration_ms"] is None  # Firefox's "time" is the handshake, not the socket's lifetime
    aborted = events.row(4, named=True)
    assert (aborted["status"], aborted["sid"], aborted["reason"]) == (0, "gQ7rT2mN5bV8cX1zAAAB", None)


def test_chrome_76_frames_sample_in_an_entry(tmp_path: Path) -> None:
    """The frames exactly as the Chrome 76 release note shows them, in a minimal WebSocket entry."""
    frames = json.loads((DATA / "browser" / "chrome-devtools-76__har-webSocketMessages.json").read_text())
    entry = {
        "_resourceType": "websocket",
        "_webSocketMessages": frames["_webSocketMessages"],
        "request": {"method": "GET", "url": "wss://echo.websocket.org/", "headers": []},
        "response": {"status": 101, "statusText": "Switching Protocols", "headers": []},
        "startedDateTime": "2019-05-24T20:41:22.446Z",
        "time": 142.1,
    }
    har = json.dumps(
        {"log": {"version": "1.2", "creator": {"name": "WebInspector"}, "entries": [entry]}}, indent=2
    )
    events, _ = _read(tmp_path, har)
    summary = _one(events, kind="ws_frame")
    assert summary["message"] == "2 frames: 1 sent, 1 received"
    assert (summary["ts"], summary["ts_end"]) == (
        datetime(2019, 5, 24, 20, 41, 22, 507147, tzinfo=UTC),
        datetime(2019, 5, 24, 20, 41, 22, 588386, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        (
            {"type": "request", "time": "2024-05-01T12:00:00.500Z"},
            ("sent", datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
        ),
        (
            {"type": "incoming", "time": 1714564800.25},
            ("received", datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)),
        ),
        (
            {"type": "response", "time": 1714564800750},
            ("received", datetime(2024, 5, 1, 12, 0, 0, 750000, tzinfo=UTC)),
        ),
    ],
    ids=["cdp-recorder-request-iso", "incoming-epoch-seconds", "response-epoch-ms"],
)
def test_frame_types_and_times_of_tools_that_copy_chrome(
    tmp_path: Path, variant: dict[str, Any], expected: tuple[str, datetime]
) -> None:
    entry = {
        "_resourceType": "websocket",
        "_webSocketMessages": [{**variant, "opcode": 1, "data": "hello"}],
        "request": {"method": "GET", "url": "wss://a.test/ws"},
        "response": {"status": 101},
        "startedDateTime": "2024-05-01T12:00:00.000Z",
        "time": 1000,
    }
    events, _ = _read(tmp_path, json.dumps({"log": {"entries": [entry]}}))
    summary = _one(events, kind="ws_frame")
    direction, ts = expected
    assert summary["ts"] == ts
    assert json.loads(summary["attrs"])[direction] == 1
    assert summary["line"] == 1  # a one-line HAR


def test_monotonic_frame_times_are_rebased_and_estimated(tmp_path: Path) -> None:
    entry = {
        "_resourceType": "websocket",
        "_webSocketMessages": [
            {"type": "send", "time": 5123.5, "opcode": 1, "data": "a"},
            {"type": "receive", "time": 5125.0, "opcode": 1, "data": "b"},
        ],
        "request": {"url": "wss://a.test/ws"},
        "response": {"status": 101},
        "startedDateTime": "2024-05-01T12:00:00.000Z",
    }
    events, _ = _read(tmp_path, json.dumps({"log": {"entries": [entry]}}))
    summary = _one(events, kind="ws_frame")
    assert (summary["ts"], summary["ts_end"], summary["ts_estimated"]) == (
        datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 12, 0, 1, 500000, tzinfo=UTC),
        True,
    )


def test_truncated_har_keeps_the_entries_before_the_cut(tmp_path: Path) -> None:
    events, info = _read(tmp_path, CHROME[: len(CHROME) * 2 // 3])
    assert info.error is None
    assert events.filter(kind="ws_upgrade", status=101).height == 1
    assert any("cut off at line" in note and "read 5 complete entries" in note for note in info.notes)
    assert info.unparsed_lines > 0


def test_a_damaged_entry_is_skipped_and_the_rest_read(tmp_path: Path) -> None:
    broken = CHROME.replace('"text": "40{\\"sid\\":\\"Bx2kQ9d0socketAAAD\\"}"', '"text": "40{"sid broken')
    assert broken != CHROME
    events, info = _read(tmp_path, broken)
    assert events.filter(kind="connect").height == 0
    assert events.filter(kind="ws_failure").height == 2  # entries after the damage are read
    assert any("skipped 1 damaged entry (line 356)" in note for note in info.notes)


def test_a_body_line_cut_by_the_reader_loses_only_the_body(tmp_path: Path) -> None:
    big = CHROME.replace('"text": "ok"', '"text": "' + "A" * 1_100_000 + '"')
    events, info = _read(tmp_path, big)
    assert events.filter(kind="http_request", method="POST").height == 1
    assert any("longer than 1 MiB were cut" in note for note in info.notes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{\n  "log": {\n    "version": "1.2",\n    "creator": {"name": "x"\n  oops\n', "breaks at line 5"),
        (
            '{\n  "log": {\n    "version": "1.2",\n    "entries": [\n      {\n        "request": {\n',
            "truncated",
        ),
        (
            '{\n  "log": {\n    "version": "1.2",\n    "creator": {"name": "x"}\n  }\n}\n',
            "not a HAR 1.2 file",
        ),
    ],
    ids=["broken-json", "cut-in-the-first-entry", "json-without-entries"],
)
def test_unreadable_har_gets_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    _, info = read_text(tmp_path, text, name="broken.har")
    assert info.error is not None and message in info.error
    assert "Traceback" not in info.error and "parser failed" not in info.error


def test_real_playwright_capture(tmp_path: Path) -> None:
    """Recorded with Chromium 156 and playwright-core 1.65 (see data/browser/real-captures.source.txt)."""
    text = (DATA / "browser" / "real-playwright-1.65.har").read_text(encoding="utf-8")
    assert text.count("\n") == 0  # Playwright writes one line of JSON
    events, info = _read(tmp_path, text)
    assert info.unparsed_lines == 0
    assert _one(events, kind="handshake")["sid"] == "GOODSID"
    opened = _one(events, kind="ws_upgrade", status=101)
    assert (opened["sid"], opened["duration_ms"]) == ("GOODSID", None)  # Playwright's "time" is the handshake
    assert _one(events, kind="upgrade")["sid"] == "GOODSID"
    failures = events.filter(kind="ws_failure").select("sid", "status", "error").rows()
    assert failures == [
        ("BADSID", 400, "Error during WebSocket handshake: Unexpected response code: 400"),
        (None, 0, "net::ERR_UNSAFE_PORT"),
    ]


def test_a_one_line_har_over_1_mib_is_read_whole(tmp_path: Path) -> None:
    har = json.loads(CHROME)
    har["log"]["entries"][0]["response"]["content"]["text"] = "A" * 1_200_000
    events, info = _read(tmp_path, json.dumps(har, separators=(",", ":")))
    assert events.height == 17
    assert not any("cut" in note for note in info.notes)


def test_every_event_names_its_entry_because_a_one_line_har_has_one_line(tmp_path: Path) -> None:
    """Playwright writes one line: ``line`` is 1 for every entry, ``attrs.entry`` tells them apart."""
    text = (DATA / "browser" / "real-playwright-1.65.har").read_text(encoding="utf-8")
    entries = json.loads(text)["log"]["entries"]
    events, _ = _read(tmp_path, text)
    index = events.select(pl.col("attrs").str.json_path_match("$.entry").cast(pl.Int32).alias("entry"))[
        "entry"
    ]
    assert events["line"].unique().to_list() == [1]
    assert index.null_count() == 0
    assert sorted(index.unique().to_list()) == list(range(len(entries)))
    # the WebSocket refused with 400 is the entry whose URL carries its sid
    refused = _one(events, kind="ws_failure", sid="BADSID")
    entry = int(json.loads(refused["attrs"])["entry"])
    assert "sid=BADSID" in entries[entry]["request"]["url"]
