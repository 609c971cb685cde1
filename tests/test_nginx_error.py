"""nginx error log: what the upstream module's messages mean for the request, on lines from public tickets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import read_text, source_block

TICKETS = Path(__file__).parent / "data" / "nginx" / "error-public-tickets.log"


@pytest.mark.parametrize(
    ("source", "want"),
    [
        (
            "NodeBB/NodeBB/issues/5295",
            ("proxy_error", 504, "/forum/socket.io/", "polling", "127.0.0.1:4567"),
        ),
        (
            "balderdashy/sails/issues/3461",
            ("proxy_error", 504, "/socket.io/", "polling", "127.0.0.1:3001"),
        ),
        ("odoocker/odoocker/issues/28", ("proxy_error", 502, "/websocket", None, "127.0.0.1:8072")),
        (
            "home-assistant/addons/issues/1599",
            ("proxy_error", 502, "/api/websocket", None, "XXX:8123"),
        ),
        ("gotosocial/issues/1263", ("proxy_error", 502, "/api/v1/streaming", None, "localhost")),
        ("singularityhub/sregistry/issues/81", ("proxy_error", 413, "/api/push/", None, None)),
    ],
)
def test_upstream_failures_carry_the_status_the_client_got(tmp_path, source, want):
    events, info = read_text(tmp_path, source_block(TICKETS, source), name="error.log")
    assert info.format == "nginx-error" and info.unparsed_lines == 0
    row = events.sort("line").row(0, named=True)
    assert (row["kind"], row["status"], row["path"], row["transport"], row["upstream"]) == want
    assert row["source"] == "proxy" and row["level"] == "error"


def test_local_time_without_zone_is_read_in_tz(tmp_path):
    events, _ = read_text(tmp_path, source_block(TICKETS, "NodeBB"), name="error.log", tz="Europe/London")
    assert events.row(0, named=True)["ts"] == datetime(2017, 2, 3, 16, 36, 10, tzinfo=UTC)
    events, _ = read_text(tmp_path, source_block(TICKETS, "sails"), name="error.log", tz="Europe/Berlin")
    assert events.row(0, named=True)["ts"] == datetime(2016, 1, 4, 19, 55, 15, tzinfo=UTC)
    assert events.row(0, named=True)["sid"] == "jvekCYDAcFfu0PLdAAL6"


def test_body_limit_keeps_the_size(tmp_path):
    events, _ = read_text(tmp_path, source_block(TICKETS, "sregistry"), name="error.log")
    assert events.row(0, named=True)["request_size"] == 2787366861
    assert events.row(0, named=True)["reason"] == "client_max_body_size"


def test_a_line_pasted_without_its_time_is_still_read(tmp_path):
    events, info = read_text(tmp_path, source_block(TICKETS, "pasted without the time"), name="error.log")
    assert info.format == "nginx-error" and info.unparsed_lines == 0
    row = events.row(0, named=True)
    assert row["ts"] is None and (row["kind"], row["status"]) == ("proxy_error", 502)
    assert row["upstream"] == "172.30.32.1:8123"
