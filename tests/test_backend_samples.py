"""Every backend sample file is detected as its format and read completely, with the columns rules need."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
import pytest
from backend_helpers import read_at, row, sample_text, utc

if TYPE_CHECKING:
    from pathlib import Path

# file, format, events, unparsed
CASES = [
    ("nestjs-v8_en-US_gateway.log", "nestjs-text", 18, 0),
    ("nestjs-v6_issue2619_exceptionfilter.log", "nestjs-text", 1, 0),
    ("nestjs_docs-cn_json-logger.log", "nestjs-json", 1, 0),
    ("engineio-debug_nontty_sticky.log", "debug-module", 9, 0),
    # the paste's "HTTP Response" label, a line without a time in a Node stream, is kept
    ("socketio_issue1503_socketio-debug-tty.log", "debug-module", 11, 0),
    ("socketio-client_issue1097_engineio-client-debug.log", "debug-module", 4, 0),
    ("pino_docs-api_json-lines.log", "pino", 3, 0),
    ("pino_socketio.log", "pino", 4, 0),
    ("winston_gists_json-lines.log", "winston", 4, 0),
    ("python-engineio_issue29_werkzeug-400.log", "python-logging", 6, 0),
    ("python-engineio_issue406_client-eio4.log", "python-logging", 5, 0),
    ("python-socketio_issue393_geventwebsocket.log", "python-logging", 7, 0),
    ("python-socketio_issue1434_uvicorn-engineio-eio4.log", "python-logging", 7, 0),
    ("flask-socketio_issue487_engineio-upgrade.log", "python-logging", 8, 0),
    ("flask-socketio_issue248_gunicorn-3-replicas.log", "gunicorn", 10, 0),
    ("uvicorn_pr881_trace-websocket.log", "uvicorn", 8, 0),
    ("uvicorn_ws-403_behind-traefik.log", "uvicorn", 9, 0),
    ("django-channels_issue612_runserver-ws.log", "channels", 6, 0),
    ("channels-example_issue25_daphne-handshaking.log", "channels", 4, 0),
    ("channels_reject.log", "channels", 4, 0),
    ("daphne_access-log.log", "channels", 6, 0),
    ("gorilla_next-terminal_upgrade-token.log", "go-log", 2, 0),
    ("gorilla_close-1006_std-log.log", "go-log", 6, 0),
    ("ws_issues_errors.log", "node-errors", 6, 0),
]


@pytest.mark.parametrize(("name", "fmt", "events", "unparsed"), CASES, ids=[c[0] for c in CASES])
def test_sample_is_detected_and_read_whole(
    tmp_path: Path, name: str, fmt: str, events: int, unparsed: int
) -> None:
    table, info = read_at(tmp_path, sample_text(name), name=name)
    assert (info.format, info.source, info.error) == (fmt, "backend", None)
    assert (info.events, info.unparsed_lines) == (events, unparsed)
    assert table["ts"].null_count() == 0
    assert set(table["source"]) == {"backend"}


@pytest.mark.parametrize(
    "name",
    [
        "nestjs_issue271_browser-ws-400.log",
        "flask-socketio_issue248_engineio-client-browser-debug.log",
        "pastebin_zQjBDwz1_socketio-client-debug-server-disconnect.log",
    ],
)
def test_browser_console_copies_are_not_taken_for_backend_logs(tmp_path: Path, name: str) -> None:
    _, info = read_at(tmp_path, sample_text(name), name=name)
    assert info.source != "backend"


def test_a_plain_access_log_is_a_proxy_log_not_a_backend_one(tmp_path: Path) -> None:
    _, info = read_at(tmp_path, sample_text("nginx_socketio-issue2333_access-400.log"))
    assert info.format == "nginx-access"


def test_engineio_sticky_failure_columns(tmp_path: Path) -> None:
    events, _ = read_at(tmp_path, sample_text("engineio-debug_nontty_sticky.log"))
    handshake = row(events, 3)
    assert (handshake["kind"], handshake["sid"], handshake["logger"], handshake["level"]) == (
        "handshake",
        "ssO5x8uTyLv3_0bsAAAB",
        "engine",
        "debug",
    )
    assert handshake["ts"] == utc("2021-05-15T15:17:22.688")
    opened = row(events, 4)
    assert (opened["kind"], opened["sid"]) == ("handshake", "ssO5x8uTyLv3_0bsAAAB")
    ack = row(events, 5)
    assert (ack["kind"], ack["socket_id"], ack["namespace"]) == ("connect", "wZX3oN0bSVIhsaknAAAI", "/")
    upgrade = row(events, 6)
    assert (
        upgrade["kind"],
        upgrade["method"],
        upgrade["path"],
        upgrade["transport"],
        upgrade["sid"],
        upgrade["eio"],
    ) == (
        "ws_upgrade",
        "GET",
        "/socket.io/",
        "websocket",
        "ssO5x8uTyLv3_0bsAAAB",
        4,
    )
    unknown = row(events, 7)
    assert (
        unknown["kind"],
        unknown["error_code"],
        unknown["error"],
        unknown["error_name"],
        unknown["sid"],
    ) == (
        "error",
        1,
        "Session ID unknown",
        "UNKNOWN_SID",
        "ssO5x8uTyLv3_0bsAAAB",
    )
    assert row(events, 8)["kind"] == "ping"
    closed = row(events, 9)
    assert (closed["kind"], closed["reason"]) == ("disconnect", "ping timeout")


def test_python_engineio_invalid_session_and_werkzeug_access(tmp_path: Path) -> None:
    events, info = read_at(tmp_path, sample_text("python-engineio_issue29_werkzeug-400.log"))
    invalid = row(events, 4)
    assert (
        invalid["kind"],
        invalid["level"],
        invalid["error_code"],
        invalid["error_name"],
        invalid["sid"],
    ) == (
        "error",
        "warn",
        1,
        "UNKNOWN_SID",
        "8fd756b7159c48fc9332d6058de773d2",
    )
    post = row(events, 6)
    assert (
        post["kind"],
        post["method"],
        post["status"],
        post["client"],
        post["transport"],
        post["sid"],
        post["t"],
    ) == (
        "http_request",
        "POST",
        400,
        "127.0.0.1",
        "polling",
        "8fd756b7159c48fc9332d6058de773d2",
        "LSzRpnf",
    )
    # no line carries a time: all estimated, and the report says so
    assert events["ts_estimated"].all()
    assert any("no time of their own" in note for note in info.notes)


def test_python_engineio_links_sid_and_socket_id(tmp_path: Path) -> None:
    text = (
        'INFO:engineio.server:4ylQur4l4-9vhKyqAAAk: Sending packet MESSAGE data 0{"sid":"wZX3oN0bSVIhsaknAAAI"}\n'
        'INFO:socketio.server:received event "chat" from wZX3oN0bSVIhsaknAAAI [/]\n'
        "INFO:engineio.server:4ylQur4l4-9vhKyqAAAk: Client is gone, closing socket\n"
    )
    events, info = read_at(tmp_path, text)
    assert info.format == "python-logging"
    ack = row(events, 1)
    assert (ack["kind"], ack["sid"], ack["socket_id"], ack["namespace"], ack["logger"]) == (
        "connect",
        "4ylQur4l4-9vhKyqAAAk",
        "wZX3oN0bSVIhsaknAAAI",
        "/",
        "engineio.server",
    )
    assert (row(events, 2)["socket_id"], row(events, 2)["namespace"]) == ("wZX3oN0bSVIhsaknAAAI", "/")
    gone = row(events, 3)
    assert (gone["kind"], gone["reason"], gone["sid"]) == (
        "disconnect",
        "ping timeout",
        "4ylQur4l4-9vhKyqAAAk",
    )


def test_python_engineio_upgrade_sequence_behind_compose(tmp_path: Path) -> None:
    """flask-socketio#487: a docker-compose prefix and a custom %(asctime)s layout."""
    events, info = read_at(tmp_path, sample_text("flask-socketio_issue487_engineio-upgrade.log"))
    assert info.wrappers == ["compose"] and info.stream == "website_1"
    assert row(events, 1)["kind"] == "handshake"
    assert row(events, 1)["ts"] == utc("2017-06-25T11:43:31.367")
    assert (row(events, 3)["kind"], row(events, 3)["namespace"]) == ("connect", "/notifs")
    assert row(events, 5)["kind"] == "upgrade"
    assert set(events["sid"].drop_nulls()) == {"07ef445f29e34b5bb94197b13f5adf55"}


def test_gunicorn_offsets_pids_and_replica_failure(tmp_path: Path) -> None:
    events, _ = read_at(tmp_path, sample_text("flask-socketio_issue248_gunicorn-3-replicas.log"))
    booting = row(events, 4)
    assert booting["ts"] == utc("2019-04-12T09:36:51")  # +0800 in the line
    assert booting["attrs"] == '{"pid":10}'
    invalid = events.filter(pl.col("error_name") == "UNKNOWN_SID")
    assert invalid["sid"].to_list() == [
        "d7019385790b45c4bfad502ca50bc4b3",
        "b49107f992ec425bbf16c4a13d761bfe",
    ]
    # the engineio lines between gunicorn's carry no time: placed after the last timestamped line
    assert invalid["ts_estimated"].all() and invalid["ts"].to_list() == [utc("2019-04-12T09:36:51")] * 2


def test_uvicorn_websocket_refused_behind_traefik(tmp_path: Path) -> None:
    events, _ = read_at(tmp_path, sample_text("uvicorn_ws-403_behind-traefik.log"))
    poll = row(events, 3)
    assert (poll["kind"], poll["method"], poll["status"], poll["client"], poll["transport"]) == (
        "http_request",
        "GET",
        200,
        "127.0.0.1:0",
        "polling",
    )
    origin = row(events, 4)
    assert (origin["kind"], origin["error_name"]) == ("error", "FORBIDDEN")
    refused = row(events, 5)
    assert (
        refused["kind"],
        refused["status"],
        refused["error_name"],
        refused["sid"],
        refused["transport"],
    ) == (
        "ws_upgrade",
        403,
        "FORBIDDEN",
        "4ylQur4l4-9vhKyqAAAk",
        "websocket",
    )
    assert (row(events, 6)["kind"], row(events, 6)["status"]) == ("ws_error", 403)
    assert row(events, 7)["kind"] == "ws_close"
    accepted = row(events, 8)
    assert (accepted["kind"], accepted["status"], accepted["client"]) == (
        "ws_upgrade",
        101,
        "127.0.0.1:56032",
    )
    assert row(events, 9)["kind"] == "ws_open"
    assert events["ts_estimated"].all()


def test_channels_lifecycle(tmp_path: Path) -> None:
    events, _ = read_at(tmp_path, sample_text("channels_reject.log"))
    # the outcome line is the attempt (like uvicorn's one line); HANDSHAKING is only its start
    assert events["kind"].to_list() == ["http_request", "log", "ws_upgrade", "ws_close"]
    http = row(events, 1)
    assert (http["method"], http["path"], http["status"], http["duration_ms"], http["client"]) == (
        "GET",
        "/chat/",
        200,
        10.0,
        "10.0.0.7:50110",
    )
    reject = row(events, 3)
    assert (reject["status"], reject["error_name"], reject["path"], reject["client"]) == (
        403,
        "FORBIDDEN",
        "/ws/chat/lobby/",
        "10.0.0.7:50112",
    )
    assert reject["ts"] == utc("2024-02-01T09:00:00.262")


def test_channels_1x_bracketed_time(tmp_path: Path) -> None:
    events, _ = read_at(tmp_path, sample_text("channels-example_issue25_daphne-handshaking.log"))
    handshaking = row(events, 4)
    assert (handshaking["kind"], handshaking["ts"], handshaking["path"]) == (
        "log",
        utc("2017-04-11T10:15:14"),
        "/chat/leeyi/",
    )
    assert (row(events, 1)["logger"], row(events, 1)["level"]) == ("server", "info")


def test_gorilla_both_wordings_and_close_codes(tmp_path: Path) -> None:
    events, _ = read_at(tmp_path, sample_text("gorilla_close-1006_std-log.log"))
    assert row(events, 1)["logger"] == "main.go:31"
    stripped = row(events, 2)
    assert (stripped["kind"], stripped["error_name"], stripped["status"]) == (
        "ws_error",
        "TRANSPORT_HANDSHAKE_ERROR",
        400,
    )
    assert stripped["ts"] == utc("2024-03-02T08:00:05")
    assert (row(events, 3)["error_name"], row(events, 3)["status"]) == ("FORBIDDEN", 403)
    assert row(events, 4)["error_name"] == "TRANSPORT_HANDSHAKE_ERROR"  # old wording: upgrade != websocket
    abnormal = row(events, 5)
    assert (abnormal["kind"], abnormal["close_code"], abnormal["reason"]) == (
        "ws_close",
        1006,
        "abnormal closure",
    )
    logrus = row(events, 6)
    assert (logrus["kind"], logrus["level"], logrus["close_code"], logrus["reason"]) == (
        "ws_close",
        "error",
        1001,
        "going away",
    )


def test_ws_errors_fold_their_stack(tmp_path: Path) -> None:
    events, _ = read_at(tmp_path, sample_text("ws_issues_errors.log"))
    frame_error = row(events, 2)
    assert frame_error["raw"].count("\n") == 1 and "receiver.js" in frame_error["raw"]
    assert (frame_error["kind"], frame_error["close_code"], frame_error["error_name"]) == (
        "ws_error",
        1002,
        "WS_ERR_INVALID_CLOSE_CODE",
    )
    assert (row(events, 4)["status"], row(events, 6)["status"]) == (404, 200)


def test_daphne_access_log(tmp_path: Path) -> None:
    events, info = read_at(tmp_path, sample_text("daphne_access-log.log"), tz="Europe/Paris")
    assert (info.format, info.unparsed_lines, info.tz) == ("channels", 0, "Europe/Paris")
    assert events["kind"].to_list() == [
        "http_request",
        "log",  # WSCONNECTING: the handshake started; its outcome line is the attempt
        "ws_upgrade",  # WSREJECT: 403
        "log",
        "ws_upgrade",  # WSCONNECT: 101
        "ws_close",
    ]
    http = row(events, 1)
    assert (http["method"], http["path"], http["status"], http["size"], http["client"]) == (
        "GET",
        "/chat/",
        200,
        1532,
        "10.0.0.7:50110",
    )
    assert http["ts"] == utc("2024-02-01T08:00:00")  # 09:00 in Paris
    reject = row(events, 3)
    assert (reject["status"], reject["error_name"], reject["path"], reject["client"]) == (
        403,
        "FORBIDDEN",
        "/ws/chat/lobby/",
        "10.0.0.7:50112",
    )
