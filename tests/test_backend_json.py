"""pino and winston JSON lines (and winston 2 text)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from backend_helpers import read_at, row, sample_text, utc
from conftest import data_lines

from analyzer.jsonutil import OK, read_json_objects
from analyzer.parsers.backend.jsonlog import JsonKeys, _top_keys, _with_nested

ROOT = Path(__file__).resolve().parents[1]


def test_pino_levels_times_and_request_fields(tmp_path: Path) -> None:
    events, info = read_at(tmp_path, sample_text("pino_socketio.log"))
    assert info.format == "pino"
    request = row(events, 1)
    assert (request["ts"], request["level"], request["kind"]) == (
        utc("2024-11-27T10:15:32.101"),
        "info",
        "http_request",
    )
    assert (
        request["request_id"],
        request["method"],
        request["path"],
        request["status"],
        request["duration_ms"],
    ) == (
        "req-7f3a9c",
        "GET",
        "/socket.io/",
        200,
        3.0,
    )
    assert (request["client"], request["transport"], request["t"]) == ("10.0.0.5", "polling", "PXa1b2c")
    assert '"hostname":"api-1"' in request["attrs"]
    error = row(events, 3)
    assert (error["level"], error["kind"], error["error"], error["error_name"], error["close_code"]) == (
        "error",
        "ws_error",
        "Max payload size exceeded",
        "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH",
        1009,
    )
    assert error["message"].startswith("websocket error\nRangeError: Max payload size exceeded")
    ping = row(events, 4)
    assert (ping["level"], ping["kind"], ping["reason"]) == ("warn", "disconnect", "ping timeout")


def test_pino_v5_lines_without_msg(tmp_path: Path) -> None:
    events, _ = read_at(tmp_path, sample_text("pino_docs-api_json-lines.log"))
    assert events["level"].to_list() == ["info"] * 3
    assert row(events, 1)["ts"] == utc("2018-07-10T20:29:15.820")


def test_winston_json_and_text(tmp_path: Path) -> None:
    events, info = read_at(tmp_path, sample_text("winston_gists_json-lines.log"))
    assert (info.format, info.unparsed_lines) == ("winston", 0)
    assert row(events, 1)["ts"] == utc("2017-05-30T13:13:06.884")
    assert row(events, 3)["message"].startswith('{"args"')  # an object message stays JSON text
    text = row(events, 4)
    assert (text["ts"], text["level"], text["message"]) == (
        utc("2017-08-30T17:08:30.293"),
        "info",
        "test-app is running on 8888 port",
    )


def test_winston_levels_and_errors(tmp_path: Path) -> None:
    text = (
        '{"level":"error","message":"websocket: close 1006 (abnormal closure): unexpected EOF","timestamp":"2024-01-02T03:04:05.000Z"}\n'
        '{"level":"verbose","message":"engine handshaking client \\"lv_VI97HAXpY6yYWAAAC\\"","timestamp":"2024-01-02 03:04:06"}\n'
    )
    events, info = read_at(tmp_path, text)
    assert info.format == "winston"
    assert (row(events, 1)["kind"], row(events, 1)["close_code"], row(events, 1)["level"]) == (
        "ws_close",
        1006,
        "error",
    )
    second = row(events, 2)
    assert (second["kind"], second["sid"], second["level"], second["ts"]) == (
        "handshake",
        "lv_VI97HAXpY6yYWAAAC",
        "debug",
        utc("2024-01-02T03:04:06"),
    )
    assert info.tz == "UTC"  # the second line's time had no zone


def test_pino_iso_time_and_bunyan(tmp_path: Path) -> None:
    text = (
        '{"level":30,"time":"2024-11-27T10:15:32.101Z","pid":7,"hostname":"h","msg":"engine handshaking client \\"a1b2c3d4e5f6g7h8i9j0\\""}\n'
        '{"name":"api","hostname":"h","pid":7,"level":50,"msg":"unknown sid \\"a1b2c3d4e5f6g7h8i9j0\\"","time":"2024-11-27T10:15:33.000Z","v":0}\n'
    )
    events, info = read_at(tmp_path, text)
    assert info.format == "pino"
    assert events["ts"].to_list() == [utc("2024-11-27T10:15:32.101"), utc("2024-11-27T10:15:33")]
    assert events["kind"].to_list() == ["handshake", "error"]
    assert row(events, 2)["logger"] == "api"


def test_nested_objects_decoded_once_read_as_json_paths_do() -> None:
    """Each nested object (pino-http's ``req``/``res``, an ``err``) is decoded once for all its paths; every
    value must be what matching the path in the object's JSON text gives, on recorded and public lines."""
    texts = [
        *data_lines("backend/pino_socketio.log"),
        *data_lines("backend/pino_docs-api_json-lines.log"),
        *data_lines("backend/winston_gists_json-lines.log"),
        *(line for name in ("idle-timeout", "traefik-priority-conflict")
          for line in (ROOT / "sample_logs" / name / "backend" / "web.log").read_text().splitlines()),
    ]  # fmt: skip
    rows = pl.DataFrame({"text": texts})
    decoded = read_json_objects(rows["text"], schema=dict.fromkeys(_top_keys(JsonKeys()), pl.String))
    frame = pl.concat([rows, decoded], how="horizontal").filter(pl.col(OK))
    nested = _with_nested(frame, JsonKeys())
    dotted = [c for c in nested.columns if "." in c]
    assert {"req.method", "req.url", "res.statusCode", "err.message"} <= set(dotted)
    checked = 0
    for name in dotted:
        head, sub = name.split(".")
        expected = frame.select(pl.col(head).str.json_path_match(f"$.{sub}"))[head]
        assert nested[name].to_list() == expected.to_list(), name
        checked += nested[name].drop_nulls().len()
    assert checked > 100  # the recorded pino-http lines fill req.* and res.* on every request
