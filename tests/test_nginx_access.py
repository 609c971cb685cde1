"""nginx access log: combined and its WebSocket-aware extensions, on lines from public tickets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import read_text, source_block

TICKETS = Path(__file__).parent / "data" / "nginx" / "access.log"


def read(tmp_path, source: str, *, name: str = "access.log"):
    events, info = read_text(tmp_path, source_block(TICKETS, source), name=name)
    assert info.format == "nginx-access", info
    assert info.unparsed_lines == 0
    return events.sort("line").to_dicts()


def test_a_websocket_is_logged_101_at_close_with_its_lifetime(tmp_path):
    (row,) = read(tmp_path, "nginx-amplify-doc/issues/16")
    assert (row["kind"], row["status"], row["transport"], row["eio"]) == ("ws_upgrade", 101, "websocket", 3)
    # $time_local is when the line was written: the close; the start is $request_time earlier
    assert row["ts_end"] == datetime(2017, 2, 3, 11, 49, 25, tzinfo=UTC)
    assert row["duration_ms"] == pytest.approx(24388248.0)
    assert row["ts"] == datetime(2017, 2, 3, 5, 2, 56, 752000, tzinfo=UTC)
    assert row["upstream"] == "10.115.242.54:8082"
    assert json.loads(row["attrs"]) == {"upstream_status": "101", "upstream_response_time": "24388.248"}


def test_plain_combined_refused_upgrade(tmp_path):
    (row,) = read(tmp_path, "socket.io/issues/2333")
    assert (row["kind"], row["status"], row["size"], row["path"]) == ("ws_upgrade", 400, 45, "/socket.io/")
    # no $request_time: the start is unknown, the time is the line's
    assert row["ts"] == row["ts_end"] == datetime(2015, 12, 4, 11, 43, 27, tzinfo=UTC)
    assert row["duration_ms"] is None and row["source"] == "proxy"


def test_docker_main_format_with_forwarded_for(tmp_path):
    (row,) = read(tmp_path, "Flask-SocketIO/issues/703")
    assert (row["kind"], row["status"], row["transport"], row["client"]) == (
        "http_request",
        502,
        "polling",
        "172.17.0.1",
    )


def test_nginx_proxy_vhost_format_behind_forego_prefix(tmp_path):
    rows = read(tmp_path, "nginx-proxy/issues/413")
    assert [(r["host"], r["client"], r["status"], r["path"]) for r in rows] == [
        ("localhost", "192.168.33.100", 503, "/"),
        ("localhost", "192.168.33.100", 503, "/favicon.ico"),
    ]


TRAEFIK = (
    '203.0.113.7 - - [25/Nov/2026:10:00:00 +0000] "GET /socket.io/?EIO=4&transport=websocket&sid=lv_VI97HAXpY6yYWAAAC'
    ' HTTP/1.1" 0 0 "-" "-" 42 "chat-ws@docker" "http://172.18.0.3:3000" 38786ms'
)


@pytest.mark.parametrize("name", ["access.log", "nginx/access.log"])
def test_traefik_clf_lines_stay_traefik(tmp_path, name):
    _, info = read_text(tmp_path, TRAEFIK + "\n", name=name)
    assert info.format == "traefik-clf"


def test_a_traefik_folder_keeps_plain_combined_for_generic_clf(tmp_path):
    line = '10.0.0.1 - - [10/Nov/2009:14:00:00 -0900] "GET /foo HTTP/1.1" 200 132 "-" "agent"\n'
    assert read_text(tmp_path, line, name="traefik/access.log")[1].format == "traefik-clf"
    assert read_text(tmp_path, line, name="nginx/access.log")[1].format == "nginx-access"


def test_garbage_after_good_lines_is_counted_not_fatal(tmp_path):
    text = source_block(TICKETS, "socket.io/issues/2333") + "not an access line at all\n"
    events, info = read_text(tmp_path, text, name="access.log")
    assert events.filter(events["format"] == "nginx-access").height == 1
    assert info.unparsed_lines == 1


RECORDED = Path(__file__).parents[1] / "sample_logs" / "nginx-idle-timeout" / "nginx" / "access.log"


def test_ingress_nginx_upstreaminfo_recorded_by_real_nginx(tmp_path):
    """ingress-nginx's `upstreaminfo` format, written by Debian's nginx in a recording: the 101 line of a
    WebSocket cut by proxy_read_timeout 20s carries its lifetime and the Service ingress-nginx names."""
    line = next(
        ln for ln in RECORDED.read_text().splitlines() if " 101 " in ln and "transport=websocket" in ln
    )
    events, info = read_text(tmp_path, line + "\n", name="access.log")
    assert info.format == "nginx-access" and info.unparsed_lines == 0
    row = events.row(0, named=True)
    assert (row["kind"], row["status"], row["service"]) == ("ws_upgrade", 101, "chat-socketio-80")
    assert 20000 <= row["duration_ms"] < 20100
    assert row["upstream"].startswith("127.0.0.1:") and len(row["request_id"]) == 32
    assert (row["ts_end"] - row["ts"]).total_seconds() == pytest.approx(row["duration_ms"] / 1000)


def test_forwarded_for_list_first_and_an_iso_time_in_the_brackets(tmp_path):
    rows = read(tmp_path, "proxy_add_x_forwarded_for")
    assert [(r["client"], r["transport"], r["duration_ms"]) for r in rows] == [
        ("203.0.113.9", "polling", 0.0),
        ("127.0.0.1", None, 0.0),
    ]
    assert rows[0]["ts_end"] == datetime(2026, 12, 3, 7, 16, 4, tzinfo=UTC)
