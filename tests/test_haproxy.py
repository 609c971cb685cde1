"""HAProxy HTTP log: timers, termination state and backend/server, on a recording and a public ticket."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import read_text, source_block

DATA = Path(__file__).parent / "data" / "haproxy" / "http-log.log"


def test_recorded_websocket_cut_by_timeout_tunnel(tmp_path):
    events, info = read_text(tmp_path, source_block(DATA, "timeout tunnel 4s"), name="haproxy.log")
    assert info.format == "haproxy-http" and info.unparsed_lines == 0
    assert "syslog-legacy" in info.wrappers and info.stream == "haproxy"
    rows = events.sort("line").to_dicts()
    assert [(r["transport"], r["status"]) for r in rows] == [
        ("polling", 200), ("polling", 200), ("polling", 200), ("websocket", 101),
    ]  # fmt: skip
    ws = rows[-1]
    # the accept date is the start; the last timer the lifetime; cD: `timeout tunnel` cut it
    assert ws["ts"] == datetime(2026, 12, 3, 7, 0, 11, 124000, tzinfo=UTC)
    assert ws["duration_ms"] == pytest.approx(4009.0)
    assert ws["ts_end"] == datetime(2026, 12, 3, 7, 0, 15, 133000, tzinfo=UTC)
    assert (ws["kind"], ws["error_name"], ws["service"], ws["upstream"]) == (
        "ws_upgrade", "cD--", "socketio", "socketio/sio1",
    )  # fmt: skip
    assert ws["reason"].startswith("cD: the client timed out")
    assert rows[0]["error_name"] is None  # ---- is a normal end


def test_tls_frontend_and_captured_headers_from_a_ticket(tmp_path):
    events, info = read_text(tmp_path, source_block(DATA, "haproxy/issues/1982"), name="proxy.log")
    assert info.format == "haproxy-http" and info.unparsed_lines == 0
    row = events.sort("line").row(1, named=True)
    assert (row["entrypoint"], row["upstream"], row["status"], row["size"], row["path"]) == (
        "edge-load-balancer", "ui/ui1", 200, 14426, "/static/js/bundle.js",
    )  # fmt: skip
    assert row["duration_ms"] == 16.0 and row["ts"] == datetime(2022, 12, 30, 0, 40, 46, 684000, tzinfo=UTC)


def test_recorded_refused_connection_is_a_503_named_sc(tmp_path):
    events, info = read_text(tmp_path, source_block(DATA, "refuses connections"), name="haproxy.log")
    assert info.format == "haproxy-http" and info.unparsed_lines == 0
    row = events.row(0, named=True)
    assert (row["status"], row["error_name"], row["level"], row["upstream"]) == (
        503,
        "SC--",
        "error",
        "web/web1",
    )
    assert row["reason"].startswith("SC: the server aborted or refused connecting to the server")
