"""Console messages dumped by automation: ``[TYPE] text (at url:line:col)`` and ``@ url:line``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from conftest import DATA, data_lines, read_text

if TYPE_CHECKING:
    from pathlib import Path


def test_vite_console_dump(tmp_path: Path) -> None:
    text = "\n".join(data_lines("browser/playwright-mcp-style__vite-console.txt")) + "\n"
    events, info = read_text(tmp_path, text, name="console.txt")
    assert info.format == "playwright-console"
    assert info.unparsed_lines == 1  # the "Browser Console Logs:" heading
    rows = events.to_dicts()
    assert [r["kind"] for r in rows] == ["ws_failure", "ws_failure", "connect_error"]
    assert rows[0]["reason"] == "Connection closed before receiving a handshake response"
    assert rows[1]["error"] == "net::ERR_EMPTY_RESPONSE"
    assert rows[0]["message"].endswith("handshake response")  # the location left the message
    assert '"location":"http://localhost:3000/@vite/client:744:0"' in rows[0]["attrs"]
    assert (rows[0]["host"], rows[0]["path"], rows[0]["query"]) == ("localhost", "/", "token=9MiZPP3SX8ly")
    assert all(r["ts_estimated"] for r in rows)


def test_older_at_format_levels_and_multi_line_messages(tmp_path: Path) -> None:
    text = (
        "[WARNING] WebSocket connection to 'wss://api.test/socket.io/?EIO=4&transport=websocket&sid=x1' failed: "
        "WebSocket is closed before the connection is established. @ http://localhost:3000/socket.io.js:12\n"
        "[LOG] state {\n  connected: false\n} (at http://localhost:3000/app.js:40:9)\n"
        '[DEBUG] engine.io-client:socket socket close with reason: "transport close" +1ms @ http://localhost:3000/socket.io.js:3\n'
    )
    events, info = read_text(tmp_path, text, name="console.txt")
    assert info.format == "playwright-console"
    rows = events.to_dicts()
    assert [(r["kind"], r["level"]) for r in rows] == [
        ("ws_failure", "warn"),
        ("log", "info"),
        ("disconnect", "debug"),
    ]
    assert rows[0]["sid"] == "x1"
    assert rows[1]["message"] == "state {\n  connected: false\n}"
    assert rows[2]["reason"] == "transport close"


def test_an_iso_time_in_front_is_used(tmp_path: Path) -> None:
    text = (
        "2025-11-25T21:03:12.500Z [ERROR] Failed to load resource: net::ERR_FAILED (at http://a.test/:0:0)\n"
    )
    events, info = read_text(tmp_path, text, name="console.txt")
    row = events.row(0, named=True)
    assert (row["ts"], row["ts_estimated"], row["kind"]) == (
        datetime(2025, 11, 25, 21, 3, 12, 500000, tzinfo=UTC),
        False,
        "net_error",
    )
    assert info.notes == []


def test_bracketed_levels_without_browser_evidence_are_not_claimed(tmp_path: Path) -> None:
    """``[INFO] …`` is many tools' own log format: without a location or a browser message it is not ours."""
    text = "[INFO] Scanning for projects...\n[INFO] Building app 1.0\n[WARNING] deprecated flag\n"
    _, info = read_text(tmp_path, text, name="build.log")
    assert info.format != "playwright-console"


def test_real_playwright_console_capture(tmp_path: Path) -> None:
    """``page.on('console')`` of Chromium 156 printed MCP-style (see data/browser/real-captures.source.txt)."""
    text = (DATA / "browser" / "real-playwright-1.65_console.txt").read_text(encoding="utf-8")
    events, info = read_text(tmp_path, text, name="console.txt")
    assert (info.format, info.unparsed_lines) == ("playwright-console", 0)
    assert events["kind"].to_list() == [
        "connect_attempt",
        "ws_failure",
        "log",
        "log",
        "ws_failure",
        "connect_error",
        "ws_close",
    ]
    assert events.filter(kind="ws_failure").select("sid", "status", "error").rows() == [
        (None, None, "net::ERR_UNSAFE_PORT"),
        ("BADSID", 400, "Error during WebSocket handshake: Unexpected response code: 400"),
    ]
    assert events.filter(kind="ws_close")["close_code"].to_list() == [1000]
