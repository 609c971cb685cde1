"""The network panel copied as text: the Headers view, raw headers and bodies, cURL; one event per request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from conftest import DATA, read_text, source_block

if TYPE_CHECKING:
    from pathlib import Path

PASTES = DATA / "browser" / "devtools-network__public-pastes.txt"


def _block(source: str) -> str:
    return source_block(PASTES, source)


CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "chrome-22-headers-view-websocket-101",
        "nginx-push-stream-module/issues/61",
        {"kind": "ws_upgrade", "method": "GET", "scheme": "ws", "host": "localhost", "path": "/ws/ch1",
         "status": 101, "level": "info", "upgrade_header": None},
    ),
    (
        "general-section-wss-101",
        "FrankKai.github.io/issues/250",
        {"kind": "ws_upgrade", "method": "GET", "scheme": "wss", "host": "foo.bar", "status": 101},
    ),
    (
        "raw-response-engineio-transport-unknown",
        "socket.io/issues/3637",
        {"kind": "http_request", "status": 400, "protocol": "HTTP/1.1", "error_code": 0,
         "error": "Transport Unknown", "error_name": "UNKNOWN_TRANSPORT", "level": "error", "path": None},
    ),
    (
        "url-and-its-answer",
        "jquery-chat/issues/52",
        {"kind": "http_request", "host": "123.xxx.194.1", "path": "/socket.io/1/", "t": "1522322668048",
         "error_code": 0, "error_name": "UNKNOWN_TRANSPORT", "error": "Transport unknown"},
    ),
    (
        "copy-as-curl-bash",
        "Copy as cURL (bash)",
        {"kind": "http_request", "method": "GET", "host": "localhost", "path": "/"},
    ),
    (
        "copy-as-curl-cmd",
        "Copy as cURL (cmd)",
        {"kind": "http_request", "method": "GET", "host": "localhost"},
    ),
]  # fmt: skip


CASES += [
    (
        "value-below-its-label-numbered",
        "SocketCluster/socketcluster/issues/550",
        {"kind": "ws_upgrade", "method": "GET", "scheme": "wss", "host": "echo.websocket.org", "status": 101},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_real_copies(tmp_path: Path, source: str, expected: dict[str, Any]) -> None:
    events, info = read_text(tmp_path, _block(source), name="network.txt")
    assert (info.format, info.source, info.unparsed_lines, events.height) == (
        "devtools-network",
        "browser",
        0,
        1,
    )
    row = events.row(0, named=True)
    for key, value in expected.items():
        assert row[key] == value, key
    assert row["ts_estimated"] is True


def test_a_raw_handshake_is_timed_by_the_servers_date_header(tmp_path: Path) -> None:
    events, info = read_text(tmp_path, _block("WebSocket-Node/issues/114"), name="network.txt")
    assert (info.format, events.height) == ("devtools-network", 1)
    assert info.unparsed_lines == 1  # the paste's "===== request ====" label
    row = events.row(0, named=True)
    assert (row["kind"], row["method"], row["host"], row["path"], row["status"]) == (
        "ws_upgrade",
        "GET",
        "echo.websocket.org",
        "/",
        101,
    )
    # request headers are the request's; the response's Upgrade/Connection do not overwrite them
    assert (row["upgrade_header"], row["connection_header"]) == ("websocket", "Upgrade")
    assert (row["ts"], row["ts_estimated"]) == (datetime(2014, 3, 13, 16, 1, 52, tzinfo=UTC), False)
