"""Traefik's own log: v2 logrus (text, TTY, JSON) and v3 zerolog (console, JSON)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import DATA, read_text, source_block

CASES = [
    (
        "v3-console",
        '2025-08-14T03:55:08Z DBG github.com/traefik/traefik/v3/pkg/proxy/httputil/proxy.go:121 > 502 Bad Gateway'
        ' error="dial tcp 10.76.0.36:8080: connect: connection refused"',
        {"kind": "proxy_error", "status": 502, "level": "debug", "upstream": "10.76.0.36:8080",
         "ts": datetime(2025, 8, 14, 3, 55, 8, tzinfo=UTC)},
    ),
    (
        "v2-text",
        "time=\"2020-04-05T00:29:20+02:00\" level=debug msg=\"'502 Bad Gateway' caused by: dial tcp 172.18.0.5:3000:"
        ' connect: connection refused"',
        {"kind": "proxy_error", "status": 502, "upstream": "172.18.0.5:3000",
         "ts": datetime(2020, 4, 4, 22, 29, 20, tzinfo=UTC)},
    ),
    (
        "v2-text-context",
        'time="2020-04-05T00:29:20+02:00" level=debug msg="Creating middleware" serviceName=swagger'
        " routerName=swagger@docker",
        {"kind": "log", "router": "swagger@docker", "service": "swagger", "message": "Creating middleware"},
    ),
    (
        "v2-tty",
        "ERRO[2020-04-05T00:29:20+02:00] Error while Peeking first byte: read tcp: i/o timeout entryPointName=web",
        {"kind": "error", "level": "error", "entrypoint": "web"},
    ),
    (
        "v2-json",
        '{"level":"debug","msg":"Configuration received","providerName":"file","time":"2023-07-25T09:07:43+02:00"}',
        {"kind": "config_reload", "ts": datetime(2023, 7, 25, 7, 7, 43, tzinfo=UTC)},
    ),
    (
        "v3-json",
        '{"level":"debug","error":"dial tcp 127.0.0.1:3001: connect: connection refused","time":"2026-11-25T10:00:00Z",'
        '"caller":"github.com/traefik/traefik/v3/pkg/proxy/httputil/proxy.go:199","message":"502 Bad Gateway"}',
        {"kind": "proxy_error", "status": 502, "upstream": "127.0.0.1:3001"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("line", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_app_log_lines(tmp_path, line, expected):
    events, info = read_text(tmp_path, line + "\n")
    assert (info.format, info.unparsed_lines) == ("traefik-app", 0)
    row = events.row(0, named=True)
    for key, value in expected.items():
        assert row[key] == value, key


def test_continuation_lines_fold_into_their_record(tmp_path):
    text = (
        "2025-08-14T03:55:08Z ERR github.com/traefik/traefik/v3/cmd/traefik/traefik.go:1 > panic recovered\n"
        "goroutine 1 [running]:\n"
        "main.main()\n"
        "2025-08-14T03:55:09Z INF github.com/traefik/traefik/v3/cmd/traefik/traefik.go:2 > Traefik started\n"
    )
    events, info = read_text(tmp_path, text)
    assert events.height == 2 and info.unparsed_lines == 0
    assert events["raw"][0].count("\n") == 2


# -- real lines of every version, from public tickets (tests/data/traefik/github-issues_traefik-app-v1-v3.txt) --

APP_DATA = DATA / "traefik" / "github-issues_traefik-app-v1-v3.txt"


def _block(source: str) -> str:
    return source_block(APP_DATA, source)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


VERSION_CASES = [
    (
        "v3-info-without-caller",
        "issues/10577",
        [
            {"ts": _utc("2024-04-09T06:49:32Z"), "level": "info", "kind": "log", "logger": None,
             "message": "Traefik version 3.0.0-rc3 built on 2024-03-13T15:49:38Z"},
            {"message": "Starting provider aggregator aggregator.ProviderAggregator"},
            {"message": 'ingress label selector is: ""'},
        ],
    ),
    (
        "v3-err-with-caller-and-no-message",
        "issues/11997",
        [
            {"ts": _utc("2025-08-26T06:54:24Z"), "level": "error", "kind": "error", "entrypoint": "metrics",
             "error": "accept tcp [::]:8082: use of closed network connection",
             "logger": "github.com/traefik/traefik/v3/pkg/server/server_entrypoint_tcp.go:240"},
            {"level": "debug", "kind": "log", "message": "Entrypoint closed", "entrypoint": "metrics"},
        ],
    ),
    (
        "v3-proxy-error-500",
        "issues/11580",
        [
            {"ts": _utc("2025-02-28T14:19:02Z"), "kind": "proxy_error", "status": 500, "level": "debug",
             "error": "tls: failed to verify certificate: x509: certificate signed by unknown authority"},
        ],
    ),
    (
        "v3-err-without-caller-or-message",
        "id 14831900457",
        [
            {"ts": _utc("2025-05-05T12:16:59Z"), "level": "error", "kind": "error", "entrypoint": "https",
             "logger": None, "error": "accept tcp [::]:443: use of closed network connection"},
            {"message": "Error while starting server", "entrypoint": "https"},
            {"ts": _utc("2025-05-05T12:17:00Z"), "level": "info", "kind": "log", "message": "Server stopped"},
        ],
    ),
    (
        "v1-text-frontend-and-its-service",
        "issues/4526",
        [
            {"ts": _utc("2019-02-26T10:23:13Z"), "level": "debug", "router": "frontend-Host-bazarr-xxx-ch-7"},
            {"service": "backend-bazarr", "router": None},
        ],
    ),
    (
        "v1-tty-padded",
        "issues/955",
        [
            {"ts": _utc("2016-12-09T13:14:34Z"), "level": "debug", "message": "Creating frontend frontend-consul",
             "router": "frontend-consul"},
            {"message": "Wiring frontend frontend-consul to entryPoint http", "router": "frontend-consul"},
        ],
    ),
    (
        "v1-json-reload-with-offset",
        "issues/3975",
        [{"ts": _utc("2018-10-04T15:03:08Z"), "kind": "config_reload", "level": "info"}],
    ),
    (
        "v1-oxy-websocket-dial-error-unescaped",
        "issues/2891",
        [
            {"ts": _utc("2018-02-19T16:30:59Z"), "level": "error", "kind": "error",
             "message": 'vulcand/oxy/forward/websocket: Error dialing "dev.cloud": websocket: bad handshake'
             " with resp: 200 200 OK"},
        ],
    ),
    (
        "v1-offset",
        "issues/452 ",
        [{"ts": _utc("2016-06-11T14:37:28Z"), "level": "info",
          "message": "Traefik version v1.0.0-rc2 built on 2016-06-08_12:40:47PM"}],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "expected"), [c[1:] for c in VERSION_CASES], ids=[c[0] for c in VERSION_CASES]
)
def test_real_lines_of_every_version(tmp_path, source, expected):
    events, info = read_text(tmp_path, _block(source))
    assert (info.format, info.source, info.unparsed_lines) == ("traefik-app", "proxy", 0)
    assert events.height == len(expected)
    for row, want in zip(events.iter_rows(named=True), expected, strict=True):
        for key, value in want.items():
            assert row[key] == value, (key, row["raw"])


def test_colour_codes_that_lost_their_escape_byte_are_dropped(tmp_path):
    # zerolog colours Traefik's console output; a paste that dropped the ESC byte keeps the rest of each code
    line = '[90m2025-05-05T12:16:59Z[0m [31mERR[0m [1mError while starting server[0m [36merror=[0m[31m"accept tcp [::]:443: use of closed network connection"[0m [36mentryPointName=[0mhttps'
    events, info = read_text(tmp_path, line + "\n")
    assert info.format == "traefik-app"
    row = events.row(0, named=True)
    assert (row["ts"], row["level"], row["message"], row["entrypoint"]) == (
        _utc("2025-05-05T12:16:59Z"),
        "error",
        "Error while starting server",
        "https",
    )


def test_a_local_offset_is_read_as_written_not_in_tz(tmp_path):
    # ConsoleWriter prints the process's zone: a container with TZ set writes -07:00; --tz must not move it
    line = '2025-05-05T05:16:59-07:00 ERR Error while starting server error="accept tcp [::]:443: use of closed network connection" entryPointName=https'
    events, info = read_text(tmp_path, line + "\n", tz="Europe/Paris")
    assert info.format == "traefik-app"
    assert events["ts"][0] == _utc("2025-05-05T12:16:59Z")
