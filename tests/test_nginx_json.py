"""nginx access log in JSON: the keys named after the variables (recorded) or shortened (a public ticket)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import read_text, source_block

DATA = Path(__file__).parent / "data" / "nginx" / "json-nginx-proxy-recorded.log"


def test_recorded_socketio_session_through_nginx_json(tmp_path):
    events, info = read_text(tmp_path, source_block(DATA, "recorded on this machine"), name="access.log")
    assert info.format == "nginx-json" and info.unparsed_lines == 0
    rows = events.sort("line").to_dicts()
    assert [(r["method"], r["transport"], r["status"]) for r in rows] == [
        ("GET", "polling", 200), ("GET", "polling", 200), ("POST", "polling", 200), ("GET", "polling", 200),
        ("GET", "websocket", 101),
    ]  # fmt: skip
    ws = rows[-1]
    assert ws["kind"] == "ws_upgrade" and ws["sid"] == "U-XNQlCT9gruiZqDAAAA"
    # logged at close: the time is the end, the lifetime is $request_time
    assert ws["ts_end"] == datetime(2026, 12, 3, 6, 58, 20, tzinfo=UTC)
    assert ws["duration_ms"] == pytest.approx(3062.0)
    assert ws["upstream"].startswith("127.0.0.1:") and ws["request_id"] == "1bac7d3dc3b1db5a9d88afcdc6f44530"


def test_shortened_key_names_from_a_ticket(tmp_path):
    events, info = read_text(tmp_path, source_block(DATA, "goaccess/issues/1196"), name="access.log")
    assert info.format == "nginx-json"
    row = events.row(0, named=True)
    assert (row["client"], row["method"], row["path"], row["status"]) == (
        "192.168.120.1", "GET", "/common/js/index.js", 200,
    )  # fmt: skip
    assert row["ts_end"] == datetime(2018, 8, 9, 9, 45, 9, tzinfo=UTC)
    assert row["duration_ms"] == pytest.approx(12.0)


def test_traefik_json_is_not_taken(tmp_path):
    line = (
        '{"ClientHost":"10.0.0.1","DownstreamStatus":200,"Duration":1000000,"RequestMethod":"GET",'
        '"RequestPath":"/socket.io/?EIO=4&transport=polling","StartUTC":"2026-11-25T10:00:00Z","time":"2026-11-25T10:00:00Z"}'
    )
    assert read_text(tmp_path, line + "\n", name="access.log")[1].format == "traefik-json"
