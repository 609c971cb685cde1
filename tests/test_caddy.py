"""Caddy 2's JSON logs, recorded with Debian's Caddy 2.6.2 in front of a Socket.IO server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import read_text, source_block

DATA = Path(__file__).parent / "data" / "caddy" / "recorded.log"


def test_access_log_times_are_ends_and_a_websocket_is_status_0_with_its_lifetime(tmp_path):
    events, info = read_text(tmp_path, source_block(DATA, "Access log, unedited"), name="access.log")
    assert info.format == "caddy-json" and info.unparsed_lines == 0
    rows = events.sort("line").to_dicts()
    ws = rows[3]
    assert (ws["kind"], ws["status"], ws["transport"], ws["sid"]) == (
        "ws_upgrade",
        0,
        "websocket",
        "CF0SfT02WNSngZo0AAAA",
    )
    assert ws["duration_ms"] == pytest.approx(3093.24, abs=0.01)
    assert ws["ts_end"] == datetime(2026, 12, 3, 7, 8, 52, 21732, tzinfo=UTC)
    assert (ws["ts_end"] - ws["ts"]).total_seconds() == pytest.approx(3.093, abs=0.001)
    refused = rows[4]
    assert (refused["kind"], refused["status"], refused["level"]) == ("http_request", 502, "error")


def test_process_log_error_entry_is_a_proxy_error(tmp_path):
    events, info = read_text(tmp_path, source_block(DATA, "Caddy's own log"), name="caddy.log")
    assert info.format == "caddy-json" and info.unparsed_lines == 0
    errors = events.filter(events["kind"] == "proxy_error").to_dicts()
    assert len(errors) == 1
    assert errors[0]["status"] == 502 and "connection refused" in errors[0]["error"]
    assert errors[0]["upstream"] == "127.0.0.1:36347"
    assert events.filter(events["kind"] == "config_reload").height == 1
