"""The generic fallback, and sniffers that stay out of each other's way."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from backend_helpers import read_at, row, utc
from conftest import DATA, data_lines

from analyzer.parsers import registry

if TYPE_CHECKING:
    from pathlib import Path

BACKEND = [p for p in registry().values() if p.source == "backend"]
UNKNOWN = (
    "2024-06-01 12:00:00.123 [worker-3] something happened\n"
    "2024-06-01 12:00:01.500 | error | ws closed with code 1006\n"
    "2024-06-01 12:00:02 WARN Session ID unknown for sid=Qm1x2Yz3AbCdEfGhAAAD\n"
    "garbage that is not a log line\n"
)


def test_unknown_timestamped_format_joins_the_timeline(tmp_path: Path) -> None:
    events, info = read_at(tmp_path, UNKNOWN)
    assert (info.format, info.source, info.unparsed_lines, info.unparsed_examples) == (
        "generic",
        "backend",
        1,
        [4],
    )
    assert row(events, 1)["ts"] == utc("2024-06-01T12:00:00.123")
    closed = row(events, 2)
    assert (closed["kind"], closed["close_code"]) == ("ws_close", 1006)
    unknown_sid = row(events, 3)
    assert (unknown_sid["level"], unknown_sid["kind"], unknown_sid["error_code"], unknown_sid["sid"]) == (
        "warn",
        "error",
        1,
        "Qm1x2Yz3AbCdEfGhAAAD",
    )


def test_generic_json_lines(tmp_path: Path) -> None:
    text = (
        '{"level":"error","ts":1709366472.123,"caller":"hub/client.go:58","msg":"read failed",'
        '"error":"websocket: close 1006 (abnormal closure): unexpected EOF"}\n'
    )
    events, info = read_at(tmp_path, text)
    assert info.format == "generic"
    event = row(events, 1)
    assert (event["ts"], event["kind"], event["close_code"], event["logger"]) == (
        utc("2024-03-02T08:01:12.123"),
        "ws_close",
        1006,
        "hub/client.go:58",
    )


def test_generic_scores_at_most_a_third() -> None:
    generic = [p for p in registry().values() if p.generic]
    assert [p.name for p in generic] == ["generic"]
    assert generic[0].sniff(UNKNOWN.splitlines()) <= 0.3


# Traefik's own log shares logrus' layout with Go programs; only its access logs are asserted here
@pytest.mark.parametrize(
    "name", sorted(p.name for p in DATA.joinpath("traefik").iterdir() if "traefik-app" not in p.name)
)
def test_traefik_access_logs_are_never_backend_logs(name: str) -> None:
    """No specific backend parser claims a Traefik file; the generic fallback stays at or under 0.3."""
    sample = [ln for ln in data_lines(f"traefik/{name}") if ln.strip()][:60]
    assert {p.name: p.sniff(sample) for p in BACKEND if not p.generic and p.sniff(sample) > 0} == {}
    assert all(p.sniff(sample) <= 0.3 for p in BACKEND)


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param(
            [
                "main.js:12 WebSocket connection to 'wss://api.example.test/socket.io/?EIO=4&transport=websocket' failed:",
                "polling.js:311 GET https://api.example.test/socket.io/?EIO=4&transport=polling&t=P1 400 (Bad Request)",
            ],
            id="chrome-console-export",
        ),
        pytest.param(
            [
                "10:15:32.101 main.js:12 WebSocket connection to 'wss://a.test/socket.io/' failed:",
                "10:15:33.200 Access to XMLHttpRequest at 'https://a.test/socket.io/' has been blocked by CORS policy",
            ],
            id="chrome-console-export-with-times",
        ),
        pytest.param(
            ["{", '  "log": {', '    "version": "1.2",', '    "creator": {"name": "WebInspector"}'], id="har"
        ),
        pytest.param(
            [
                '[1205/101532.101:INFO:CONSOLE:8] "connect_error xhr poll error", source: http://a.test/app.js (8)',
            ],
            id="chrome-debug-log",
        ),
    ],
)
def test_browser_exports_are_not_backend_logs(lines: list[str]) -> None:
    assert all(p.sniff(lines) < 0.2 for p in BACKEND if not p.generic)


def test_syslog_times_take_their_year_from_the_file(tmp_path: Path) -> None:
    text = (
        "2023-12-30 23:59:00 INFO app started\n"
        "Dec 31 10:15:32 host app[31]: websocket: close 1006 (abnormal closure): unexpected EOF\n"
    )
    events, info = read_at(tmp_path, text, mtime=utc("2025-06-01T00:00:00"))
    assert info.format == "generic"
    assert row(events, 2)["ts"] == utc("2023-12-31T10:15:32")
    assert any("lack a date or year" in note and "other lines" in note for note in info.notes)


def test_user_log_wording_does_not_invent_socket_ids(tmp_path: Path) -> None:
    text = (
        "2024-06-01 12:00:00 INFO Client connected to namespace /chat\n"
        "2024-06-01 12:00:01 INFO client disconnected id=wZX3oN0bSVIhsaknAAAI\n"
    )
    events, _ = read_at(tmp_path, text)
    assert (row(events, 1)["kind"], row(events, 1)["socket_id"]) == ("connect", None)
    assert row(events, 2)["socket_id"] == "wZX3oN0bSVIhsaknAAAI"


def test_traefik_application_log_is_left_to_its_own_parser() -> None:
    lines = [
        'time="2024-01-01T00:00:00Z" level=info msg="Configuration loaded from flags."',
        'time="2024-01-01T00:00:00Z" level=info msg="Traefik version 2.10.7 built on 2023-12-06T15:54:59Z"',
        'time="2024-01-01T00:00:05Z" level=debug msg="\'502 Bad Gateway\' caused by: dial tcp 172.18.0.5:3000: connect: connection refused"',
    ]
    assert all(p.sniff(lines) <= 0.3 for p in BACKEND)
