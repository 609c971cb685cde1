"""A log_format learned from nginx.conf among the inputs: positional fields read by name, not by shape.

Recorded with Debian's nginx (tests/data/nginx/log-format/): the format puts four timers after the user
agent, $upstream_connect_time first, so the values' shapes alone would take 0.000 for $request_time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.ingest import ReadOptions, load
from analyzer.parsers.nginx_access import compile_format

DATA = Path(__file__).parent / "data" / "nginx" / "log-format"


def websocket_row(paths: list[str]) -> dict:
    events = load(paths, ReadOptions()).events
    (row,) = events.filter(events["kind"] == "ws_upgrade").to_dicts()
    return row


def test_with_its_nginx_conf_the_lifetime_is_request_time(tmp_path):
    shutil.copytree(DATA, tmp_path / "capture")
    row = websocket_row([str(tmp_path / "capture")])
    assert row["format"] == "nginx-access" and row["status"] == 101
    assert row["duration_ms"] == pytest.approx(2899.0)


def test_without_it_the_first_timer_is_taken_by_its_shape(tmp_path):
    """What the configuration buys: alone, the log's first bare time is $upstream_connect_time."""
    (tmp_path / "nginx").mkdir()
    shutil.copy(DATA / "nginx" / "access.log", tmp_path / "nginx" / "access.log")
    assert websocket_row([str(tmp_path / "nginx")])["duration_ms"] == pytest.approx(0.0)


def test_json_formats_are_left_to_the_json_parser():
    assert compile_format('{"time":"$time_iso8601","request":"$request"}') is None
