"""Node lines without a time: kept as records and placed by their neighbours, never dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from conftest import data_lines, read_text

if TYPE_CHECKING:
    from pathlib import Path


def _text(name: str) -> str:
    return "\n".join(data_lines(f"backend/{name}")) + "\n"


def test_console_log_lines_between_debug_lines_take_the_time_of_the_line_above(tmp_path: Path) -> None:
    # recorded here: socket.io 4.8.4 with DEBUG=engine,socket.io:* (times) and the app's console.log (none)
    events, info = read_text(tmp_path, _text("node-untimed_socketio-4.8.4-console-log.log"), name="chat.log")
    assert (info.format, info.unparsed_lines, events.height) == ("debug-module", 0, 27)
    rows = {r["line"]: r for r in events.iter_rows(named=True)}
    untimed = {line for line, r in rows.items() if r["ts_estimated"]}
    assert untimed == {4, 16, 27}
    assert rows[4]["message"] == "listening on *:36159"
    assert rows[4]["ts"] == rows[3]["ts"] == datetime(2026, 12, 2, 18, 38, 3, 50000, tzinfo=UTC)
    assert (rows[16]["kind"], rows[16]["ts"]) == ("connect", rows[15]["ts"])
    assert (rows[27]["kind"], rows[27]["reason"], rows[27]["ts"]) == (
        "disconnect",
        "client namespace disconnect",
        rows[26]["ts"],
    )


def test_morgan_dev_lines_without_a_time(tmp_path: Path) -> None:
    events, info = read_text(tmp_path, _text("morgan_spacedeck-open-229_dev-no-time.log"), name="app.log")
    assert (info.format, info.source, info.unparsed_lines) == ("node-console", "backend", 0)
    first, second = events.iter_rows(named=True)
    assert (
        first["kind"],
        first["method"],
        first["path"],
        first["status"],
        first["eio"],
        first["transport"],
    ) == (
        "http_request",
        "GET",
        "/ws-api/",
        404,
        4,
        "polling",
    )
    assert (second["path"], second["status"]) == ("/socket", 404)
    assert first["ts_estimated"] and second["ts_estimated"]
    assert second["ts"] >= first["ts"]


def test_http_proxy_middleware_and_app_lines(tmp_path: Path) -> None:
    events, info = read_text(
        tmp_path, _text("http-proxy-middleware_269_terminal-no-time.log"), name="app.log"
    )
    assert (info.format, info.unparsed_lines, events.height) == ("node-console", 0, 6)
    assert events["logger"].to_list() == [None, "HPM", None, None, "HPM", "HPM"]
    proxied = events.row(4, named=True)
    assert (proxied["method"], proxied["path"]) == ("GET", "/websocket/webSocketIMServer")
    assert events["ts_estimated"].all()
