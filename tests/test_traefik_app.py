"""Traefik's own log: v2 logrus (text, TTY, JSON) and v3 zerolog (console, JSON)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import read_text

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
