"""Safari / iOS Web Inspector console copies: ``[Error] text (file, line N)``, WebKit's own wordings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from conftest import DATA, read_text, source_block

if TYPE_CHECKING:
    from pathlib import Path

PASTES = DATA / "browser" / "safari-console__public-pastes.txt"


def _block(source: str) -> str:
    return source_block(PASTES, source)


CASES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "safari-8-url-after-location",
        "ember-inspector/issues/276",
        [{"line": 1, "kind": "net_error", "level": "error", "error": "Could not connect to the server",
          "error_name": "NSURLErrorCannotConnectToHost", "host": "localhost", "path": "/load_inspector.js"}],
    ),
    (
        "multi-line-log-and-websocket-failures",
        "id 51843739292",
        [
            {"line": 1, "kind": "net_error", "status": 404, "reason": "Not Found", "level": "error"},
            {"line": 2, "kind": "log", "level": "info",
             "message": 'Running application "main" with appParams:\n (2)\n{rootTag: "#root", hydrate: undefined}\n"\n'
                        'Development-level warnings: ON.\nPerformance optimizations: OFF."'},
            {"line": 8, "kind": "log", "level": "warn"},
            {"line": 9, "level": "warn"},
            {"line": 10, "level": "warn"},
            {"line": 11, "kind": "ws_failure", "level": "error", "scheme": "ws", "host": "127.0.0.1",
             "path": "/message", "reason": "There was a bad response from the server.",
             "error_name": "NSURLErrorBadServerResponse"},
            {"line": 12, "kind": "ws_failure", "path": "/hot"},
        ],
    ),
    (
        "dns-failure-fetch-blocked-and-a-command",
        "id 20219164191",
        [
            {"line": 1, "kind": "dns_error", "level": "error", "error_name": "NSURLErrorCannotFindHost",
             "error": "A server with the specified hostname could not be found"},
            {"line": 2, "kind": "log", "level": "error"},
            {"line": 3, "kind": "cors_blocked", "host": "backend", "path": "/user", "error": "access control checks"},
            {"line": 4, "kind": "dns_error"},
            {"line": 5, "kind": "log", "level": "info", "message": "Selected Element CORS ?"},
        ],
    ),
    (
        "cors-refusal-three-messages",
        "id 55623063034",
        [
            {"line": 1, "kind": "cors_blocked", "status": 202, "origin": "https://hoppscotch.io",
             "error": "origin not allowed by Access-Control-Allow-Origin"},
            {"line": 2, "kind": "cors_blocked", "host": "localhost",
             "path": "/api/webhooks/ingest/wh_d79afd857f1b68d578bdeb47c2afe7b847dc"},
            {"line": 3, "kind": "cors_blocked", "status": 202, "origin": "https://hoppscotch.io"},
        ],
    ),
    (
        "socket-io-upgrade-refused",
        "id 29181232964",
        [
            {"line": 1, "kind": "ws_failure", "scheme": "wss", "host": "dashboard.lojapersonalprime.com",
             "path": "/api/socket", "eio": 4, "transport": "websocket"},
            {"line": 2, "kind": "connect_error", "error": "websocket error"},
        ],
    ),
    (
        "preflight-refused-and-wrapped-message",
        "id 34047716689",
        [
            {"line": 1, "kind": "cors_blocked", "status": 400, "error": "preflight response not successful"},
            {"line": 2, "kind": "cors_blocked", "host": "backend-351592762922.us-west1.run.app",
             "path": "/api/auth/login", "error": "access control checks"},
        ],
    ),
    (
        "tls-failure",
        "id 52366466520",
        [{"line": 1, "kind": "tls_error", "error_name": "NSURLErrorSecureConnectionFailed"}],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_real_pastes(tmp_path: Path, source: str, expected: list[dict[str, Any]]) -> None:
    events, info = read_text(tmp_path, _block(source), name="safari-console.txt")
    assert (info.format, info.source, info.unparsed_lines) == ("safari-console", "browser", 0)
    assert events.height == len(expected)
    for row, want in zip(events.sort("line").iter_rows(named=True), expected, strict=True):
        for key, value in want.items():
            assert row[key] == value, (key, row["raw"])
        assert row["ts_estimated"] is True


def test_the_copy_has_no_time_so_messages_are_placed_at_the_file_time_and_marked_estimated(
    tmp_path: Path,
) -> None:
    text = "[Error] WebSocket connection to 'wss://chat.example.test/socket.io/?EIO=4&transport=websocket' failed: The network connection was lost.\n"
    events, info = read_text(tmp_path, text, name="console.txt")
    row = events.row(0, named=True)
    mtime = datetime.fromtimestamp((tmp_path / "console.txt").stat().st_mtime, tz=UTC)
    assert (row["kind"], row["error_name"], row["ts_estimated"]) == (
        "ws_failure",
        "NSURLErrorNetworkConnectionLost",
        True,
    )
    assert abs((row["ts"] - mtime).total_seconds()) < 1
    assert any("carry no time" in n for n in info.notes)


def test_a_repeated_message_is_as_many_events(tmp_path: Path) -> None:
    # Web Inspector collapses repeats into "(file, line N, x3)"; three lines of a Chrome export say the same
    text = "[Error] Failed to load resource: The network connection was lost. (socket.io, line 0, x3)\n"
    events, _ = read_text(tmp_path, text, name="console.txt")
    assert events["kind"].to_list() == ["net_error"] * 3
    assert events["line"].to_list() == [1, 1, 1]


def test_stack_frames_fold_into_their_message(tmp_path: Path) -> None:
    # toClipboardString: frames of an error follow on tab-indented lines, "fn (file:line:column)"
    text = "[Error] Unhandled Promise Rejection: Error: websocket error\n\tonError (socket.js:440:29)\n\temit (index.js:137:20)\n[Log] done (app.js, line 9)\n"
    events, info = read_text(tmp_path, text, name="console.txt")
    assert (info.format, events.height) == ("safari-console", 2)
    first = events.row(0, named=True)
    assert first["message"] == "Unhandled Promise Rejection: Error: websocket error"
    assert '"frame":"onError @ socket.js:440:29"' in first["attrs"]


def test_upper_case_types_stay_playwright(tmp_path: Path) -> None:
    # Playwright dumps upper-case its message types; Web Inspector writes them capitalized
    text = "[ERROR] WebSocket connection to 'ws://localhost:3000/' failed: Connection closed before receiving a handshake response (at http://localhost:3000/@vite/client:744:0)\n"
    _, info = read_text(tmp_path, text, name="console.txt")
    assert info.format == "playwright-console"


@pytest.mark.parametrize(
    "line",
    [
        # https://github.com/hack-as-a-service/frontend/issues/10 (Safari 14): the copy lost its "[Error] "
        "WebSocket network error: The operation couldn’t be completed. Connection refused",
        # https://github.com/socketio/socket.io/issues/606 (Safari 5.1)
        "WebSocket network error: The operation couldn\\U2019t be completed. (OSStatus error -2146762495.)",
    ],
    ids=["safari-14-refused", "safari-5-osstatus"],
)
def test_webkit_wording_without_its_level_is_still_safari(tmp_path: Path, line: str) -> None:
    events, info = read_text(tmp_path, line + "\n", name="console.txt")
    assert (info.format, info.unparsed_lines) == ("safari-console", 0)
    row = events.row(0, named=True)
    assert (row["kind"], row["level"]) == ("ws_failure", "error")
    assert row["reason"].startswith("The operation couldn")
