"""Python and Go producers read from their own output: recordings made here (sample_logs/, capture/),
lines copied from public threads (tests/data/backend/, URL in each file), and Python's own ``logging``
module writing the formats applications configure — including layouts no parser lists."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from backend_helpers import read_at, row, sample_text, utc

from analyzer.ingest import ReadOptions, load

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"


def read_sample(rel: str):
    result = load([str(SAMPLES / rel)], ReadOptions())
    (info,) = result.inputs
    return result.events.sort("line"), info


# -- every recorded backend file is read whole, as its producer -----------------------------------------

RECORDED = [
    ("healthy-flask-socketio/backend/chat-flask.log", "werkzeug"),
    ("flask-wrong-router/backend/chat-flask.log", "python-logging"),
    ("healthy-django-daphne/backend/chat-django.log", "channels"),
    ("django-origin-rejected/backend/chat-django.log", "channels"),
    ("django-wsgi-runserver/backend/chat-django.log", "django-runserver"),
    ("healthy-go-gin/backend/chat-go.log", "gin"),
    ("go-upgrade-headers-stripped/backend/chat-go.log", "go-log"),
]


@pytest.mark.parametrize(("rel", "fmt"), RECORDED, ids=[r.split("/")[0] for r, _ in RECORDED])
def test_recorded_backend_log_is_read_whole(rel: str, fmt: str) -> None:
    events, info = read_sample(rel)
    assert (info.format, info.source, info.unparsed_lines) == (fmt, "backend", 0), info.unparsed_examples
    assert events.height > 0


def test_werkzeug_request_lines_recorded_behind_traefik() -> None:
    events, _ = read_sample("healthy-flask-socketio/backend/chat-flask.log")
    # 127.0.0.1 - - [02/Dec/2026 18:16:22] "GET /socket.io/?EIO=4&transport=polling&t=g63j2gye HTTP/1.1" 200 -
    handshake = row(events, 9)
    assert (handshake["kind"], handshake["method"], handshake["path"], handshake["status"]) == (
        "http_request",
        "GET",
        "/socket.io/",
        200,
    )
    assert (handshake["transport"], handshake["t"], handshake["client"]) == (
        "polling",
        "g63j2gye",
        "127.0.0.1",
    )
    assert (handshake["ts"], handshake["ts_estimated"]) == (utc("2026-12-02T18:16:22"), False)
    # " * Running on http://127.0.0.1:59725": the banner is read, placed by its neighbours
    banner = row(events, 6)
    assert (banner["level"], banner["ts_estimated"]) == ("info", True)
    assert banner["message"].startswith(" * Running on http://")
    # python-engineio's bare line keeps its meaning
    assert row(events, 17)["status"] == 101  # "<sid>: Upgrade to websocket successful"


def test_flask_docs_logging_format_learned_per_file() -> None:
    """``[%(asctime)s] %(levelname)s in %(module)s: %(message)s`` (Flask's logging docs)."""
    events, _ = read_sample("flask-wrong-router/backend/chat-flask.log")
    # [2026-12-02 18:17:04,591] WARNING in _internal: Werkzeug appears to be used in a production deployment…
    warning = row(events, 3)
    assert (warning["level"], warning["logger"], warning["ts"]) == (
        "warn",
        "_internal",
        utc("2026-12-02T18:17:04.591"),
    )
    assert warning["message"].startswith("Werkzeug appears")
    # [2026-12-02 18:17:09,135] INFO in _internal: 127.0.0.1 - - [02/Dec/2026 18:17:09] "GET /socket.io/?EIO=4…" 200 -
    access = row(events, 11)
    assert (access["logger"], access["method"], access["status"], access["transport"]) == (
        "_internal",
        "GET",
        200,
        "polling",
    )
    assert access["ts"] == utc("2026-12-02T18:17:09.135")


def test_daphne_access_log_and_django_verbose_in_one_stream() -> None:
    events, info = read_sample("healthy-django-daphne/backend/chat-django.log")
    assert "timestamps carry no time zone: read as UTC (change with --tz)" in info.notes
    started = row(events, 1)  # daphne's own "%(asctime)-15s %(levelname)-8s %(message)s"
    assert (started["ts"], started["level"], started["message"]) == (
        utc("2026-12-02T18:17:50.594"),
        "info",
        "Starting server at tcp:port=39941:interface=127.0.0.1",
    )
    # 127.0.0.1:47776 - - [02/Dec/2026:18:17:53] "WSCONNECTING /ws/chat/" - -   then   "WSCONNECT /ws/chat/"
    assert row(events, 5)["kind"] == "log"
    accepted = row(events, 6)
    assert (accepted["kind"], accepted["status"], accepted["path"], accepted["client"]) == (
        "ws_upgrade",
        101,
        "/ws/chat/",
        "127.0.0.1:47776",
    )
    # INFO 2026-12-02 18:17:53,962 consumers 25876 140272652508032 client ['127.0.0.1', 47776] joined lobby
    app = row(events, 7)
    assert (app["ts"], app["level"], app["logger"], app["message"]) == (
        utc("2026-12-02T18:17:53.962"),
        "info",
        "consumers",
        "client ['127.0.0.1', 47776] joined lobby",
    )
    assert app["attrs"] == '{"pid":25876}'
    rooms = row(events, 14)  # 127.0.0.1:35664 - - [02/Dec/2026:18:18:03] "GET /rooms/" 200 59
    assert (rooms["kind"], rooms["method"], rooms["path"], rooms["status"], rooms["size"]) == (
        "http_request",
        "GET",
        "/rooms/",
        200,
        59,
    )
    assert row(events, 18)["kind"] == "ws_close"  # "WSDISCONNECT /ws/chat/"


def test_channels_runserver_reject_recorded() -> None:
    events, _ = read_sample("django-origin-rejected/backend/chat-django.log")
    reject = events.filter(events["message"].str.starts_with("WebSocket REJECT")).row(0, named=True)
    assert (reject["kind"], reject["status"], reject["error_name"], reject["path"]) == (
        "ws_upgrade",
        403,
        "FORBIDDEN",
        "/ws/chat/",
    )
    http = events.filter(events["message"].str.starts_with("HTTP GET")).row(0, named=True)
    assert (http["method"], http["path"], http["status"], http["duration_ms"]) == (
        "GET",
        "/rooms/",
        200,
        10.0,
    )
    # no line of daphne's runserver carries a time except its start stamp "December 02, 2026 - 18:21:13"
    assert row(events, 4)["ts"] == utc("2026-12-02T18:21:13")


def test_django_wsgi_runserver_404_for_the_websocket_path() -> None:
    events, _ = read_sample("django-wsgi-runserver/backend/chat-django.log")
    # Not Found: /ws/chat/   then   [02/Dec/2026 18:22:05] "GET /ws/chat/ HTTP/1.1" 404 2205
    assert row(events, 11)["kind"] == "log"
    answer = row(events, 12)
    assert (answer["ts"], answer["method"], answer["path"], answer["status"], answer["size"]) == (
        utc("2026-12-02T18:22:05"),
        "GET",
        "/ws/chat/",
        404,
        2205,
    )


def test_gin_logger_and_debug_lines_recorded() -> None:
    events, _ = read_sample("healthy-go-gin/backend/chat-go.log")
    route = row(events, 7)  # [GIN-debug] GET    /ws   --> main.main.func3 (3 handlers)
    assert (route["level"], route["ts_estimated"]) == ("debug", True)
    # [GIN] 2026/12/02 - 18:15:53 | 200 | 18.184699405s |       127.0.0.1 | GET      "/ws"
    ws = row(events, 22)
    assert (ws["ts"], ws["method"], ws["path"], ws["status"], ws["client"]) == (
        utc("2026-12-02T18:15:53"),
        "GET",
        "/ws",
        200,
        "127.0.0.1",
    )
    assert ws["duration_ms"] == pytest.approx(18184.699405)
    # 2026/12/02 18:15:53 client disconnected remote 127.0.0.1:41400 reason websocket: close 1001 (going away) …
    closed = row(events, 21)
    assert (closed["kind"], closed["close_code"]) == ("ws_close", 1001)


def test_slog_text_recorded() -> None:
    events, _ = read_sample("go-upgrade-headers-stripped/backend/chat-go.log")
    # time=2026-12-02T18:19:17.628Z level=ERROR msg="upgrade failed" remote=… err="websocket: … 'Connection' header"
    refused = row(events, 2)
    assert (refused["ts"], refused["level"], refused["kind"], refused["status"], refused["error_name"]) == (
        utc("2026-12-02T18:19:17.628"),
        "error",
        "ws_error",
        400,
        "TRANSPORT_HANDSHAKE_ERROR",
    )


def test_slog_json_recorded() -> None:
    events, info = read_sample("go-origin-rejected/backend/chat-go.log")
    assert info.unparsed_lines == 0
    refused = row(events, 2)
    assert (refused["ts"], refused["level"], refused["status"], refused["error_name"]) == (
        utc("2026-12-02T18:20:01.465224"),
        "error",
        403,
        "FORBIDDEN",
    )
    assert refused["message"].startswith("upgrade failed")


# -- public threads -----------------------------------------------------------------------------------


def test_werkzeug_flask_run_404s(tmp_path: Path) -> None:
    """pallets/flask#5372: ``flask run`` answering a Socket.IO client 404 (no Socket.IO server at all)."""
    events, info = read_at(tmp_path, sample_text("flask_issue5372_werkzeug-404.log"), tz="Europe/Berlin")
    assert (info.format, info.unparsed_lines) == ("werkzeug", 0)
    first = row(events, 5)
    assert (first["status"], first["path"], first["eio"], first["transport"], first["t"]) == (
        404,
        "/socket.io/",
        3,
        "polling",
        "OozzqO3",
    )
    assert first["ts"] == utc("2023-12-30T18:42:28")  # 19:42:28 in Berlin


def test_channels_reject_without_reason(tmp_path: Path) -> None:
    """django/channels#2062: AllowedHostsOriginValidator's refusal is one REJECT line and no reason."""
    events, info = read_at(tmp_path, sample_text("channels_issue2062_origin-reject.log"))
    assert (info.format, info.unparsed_lines) == ("channels", 0)
    assert events["kind"].to_list() == ["log", "ws_upgrade", "ws_close"]
    assert (row(events, 2)["status"], row(events, 2)["client"]) == (403, "172.20.0.1:51624")


def test_old_gin_line_with_its_error(tmp_path: Path) -> None:
    """gotify/server#139: Gin 1.3 (unquoted path) and the handler's ``Error #01:`` line under it."""
    events, info = read_at(tmp_path, sample_text("gin_gotify-pr139_upgrade-token.log"))
    assert (info.format, info.unparsed_lines, events.height) == ("gin", 0, 1)
    line = row(events, 1)
    assert (line["ts"], line["status"], line["path"], line["client"]) == (
        utc("2019-03-06T20:28:19"),
        400,
        "/stream",
        "172.18.0.1",
    )
    assert "'upgrade' token not found" in line["message"]


# -- any Python logging format: written by the logging module itself -----------------------------------

#: Messages recorded from python-engineio and werkzeug (sample_logs/healthy-flask-socketio), by logger.
MESSAGES = [
    ("engineio.server", logging.INFO, "Server initialized for threading."),
    (
        "engineio.server",
        logging.INFO,
        "aVHiEK4ERVpx4iZjAAAA: Sending packet OPEN data {'sid': 'aVHiEK4ERVpx4iZjAAAA', 'upgrades': "
        "['websocket'], 'pingTimeout': 20000, 'pingInterval': 25000, 'maxPayload': 1000000}",
    ),
    (
        "werkzeug",
        logging.INFO,
        '127.0.0.1 - - [02/Dec/2026 18:16:22] "GET /socket.io/?EIO=4&transport=polling&t=g63j2gye HTTP/1.1" 200 -',
    ),
    ("engineio.server", logging.WARNING, "Invalid session aVHiEK4ERVpx4iZjAAAA"),
    ("socketio.server", logging.INFO, 'emitting event "chat" to lobby [/]'),
    ("engineio.server", logging.ERROR, "http://chat.localhost:58897 is not an accepted origin."),
]
FORMATS = {
    "issue-14-colons": "%(asctime)s:%(levelname)s:%(name)s:%(message)s",
    "flask-docs": "[%(asctime)s] %(levelname)s in %(module)s: %(message)s",
    "django-verbose": "%(levelname)s %(asctime)s %(module)s %(process)d %(thread)d %(message)s",
    "pipes-nobody-listed": "%(asctime)s | %(levelname)-8s | %(process)d | %(name)s | %(message)s",
    "name-first-nobody-listed": "%(name)s %(asctime)s %(levelname)s %(message)s",
    "brackets-nobody-listed": "%(asctime)s [%(levelname)s] [%(threadName)s] %(name)s: %(message)s",
}
#: 2026-12-02 18:16:22.250 UTC, then one record a second.
T0 = 1796235382.25


def write_with_logging(path: Path, fmt: str) -> None:
    """Write :data:`MESSAGES` through a real ``logging`` handler with ``fmt`` (times in UTC)."""
    formatter = logging.Formatter(fmt)
    formatter.converter = time.gmtime
    with path.open("w") as fh:
        for i, (name, level, msg) in enumerate(MESSAGES):
            record = logging.LogRecord(name, level, "server.py", 1, msg, None, None)
            record.created = T0 + i
            record.msecs = 250.0
            fh.write(formatter.format(record) + "\n")


@pytest.mark.parametrize("fmt", list(FORMATS.values()), ids=list(FORMATS))
def test_any_python_logging_format(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "server.log"
    write_with_logging(path, fmt)
    result = load([str(path)], ReadOptions())
    (info,) = result.inputs
    events = result.events.sort("line")
    assert info.source == "backend" and info.unparsed_lines == 0, (info.format, info.unparsed_examples)
    assert events["ts"].to_list() == [utc(f"2026-12-02T18:16:{22 + i}.250") for i in range(len(MESSAGES))]
    assert events["level"].to_list() == ["info", "info", "info", "warn", "info", "error"]
    assert [m.split(" ")[0] for m in events["message"]] == [m.split(" ")[0] for _, _, m in MESSAGES]
    access = row(events, 3)
    assert (access["method"], access["path"], access["status"], access["transport"]) == (
        "GET",
        "/socket.io/",
        200,
        "polling",
    )
    assert row(events, 4)["error_name"] == "UNKNOWN_SID"
    if "%(name)s" in fmt:
        assert events["logger"].to_list() == [name for name, _, _ in MESSAGES]
