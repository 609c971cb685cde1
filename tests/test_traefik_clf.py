"""Traefik access log, common (CLF) format: real line shapes from Traefik's own tests and real reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import data_lines, read_text

WS_OK = (
    '203.0.113.7 - - [25/Nov/2026:10:00:00 +0000] "GET /socket.io/?EIO=4&transport=websocket&sid=lv_VI97HAXpY6yYWAAAC'
    ' HTTP/1.1" 0 0 "-" "-" 42 "chat-ws@docker" "http://172.18.0.3:3000" 38786ms'
)


def one(tmp_path, line: str, *, name: str = "input.log", **options):
    events, info = read_text(tmp_path, line + "\n", name=name, **options)
    assert info.format == "traefik-clf", info
    assert info.unparsed_lines == 0
    assert events.height == 1
    return events.row(0, named=True)


def test_websocket_success_is_status_zero_with_lifetime(tmp_path):
    row = one(tmp_path, WS_OK)
    assert row["kind"] == "ws_upgrade"
    assert row["status"] == 0
    assert row["duration_ms"] == 38786
    assert row["ts"] == datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
    # the line is written at close: the end of the connection is start + duration
    assert row["ts_end"] == datetime(2026, 11, 25, 10, 0, 38, 786000, tzinfo=UTC)
    assert (row["eio"], row["transport"], row["sid"]) == (4, "websocket", "lv_VI97HAXpY6yYWAAAC")
    assert row["router"] == "chat-ws@docker"
    assert row["upstream"] == "http://172.18.0.3:3000"
    assert row["path"] == "/socket.io/"
    assert row["source"] == "proxy"


def test_polling_handshake_fields(tmp_path):
    line = (
        '10.0.0.9 - - [25/Nov/2026:10:00:01 +0000] "GET /socket.io/?EIO=4&transport=polling&t=PXa1b2c HTTP/1.1"'
        ' 404 139 "-" "Mozilla/5.0 (X11; Linux x86_64)" 43 "api@docker" "http://172.18.0.4:8080" 3ms'
    )
    row = one(tmp_path, line)
    assert row["kind"] == "http_request"
    assert (row["method"], row["status"], row["size"]) == ("GET", 404, 139)
    assert (row["transport"], row["t"], row["sid"]) == ("polling", "PXa1b2c", None)
    assert row["router"] == "api@docker"
    assert row["user_agent"] == "Mozilla/5.0 (X11; Linux x86_64)"
    assert row["query"] == "EIO=4&transport=polling&t=PXa1b2c"


def test_no_router_matched_is_null_router(tmp_path):
    row = one(tmp_path, '::1 - - [15/Apr/2024:13:04:10 +0000] "GET / HTTP/1.1" 404 19 "-" "-" 27 "-" "-" 0ms')
    assert row["router"] is None and row["upstream"] is None
    assert row["status"] == 404


@pytest.mark.parametrize(
    ("line", "ua"),
    [
        # v3.6.18+ escapes quotes inside quoted fields
        ('10.0.0.1 - - [10/Nov/2009:23:00:00 +0000] "GET / HTTP/1.1" 200 0 "-" "foo \\" bar" 1 "test@file"'
         ' "http://127.0.0.1:8080" 1ms', 'foo " bar'),
        # older versions wrote them raw
        ('10.0.0.1 - - [10/Nov/2009:23:00:00 +0000] "GET / HTTP/1.1" 200 0 "-" "foo " bar" 1 "test@file"'
         ' "http://127.0.0.1:8080" 1ms', 'foo " bar'),
    ],
    ids=["escaped-quote-v3.6.18", "raw-quote-older"],
)  # fmt: skip
def test_quotes_inside_fields(tmp_path, line, ua):
    row = one(tmp_path, line)
    assert row["user_agent"] == ua
    assert row["router"] == "test@file"
    assert row["duration_ms"] == 1


def test_x_forwarded_for_list_in_client_field(tmp_path):
    line = (
        '203.0.113.5, 10.0.0.2, 10.0.0.3 - - [25/Nov/2026:10:00:00 +0000] "GET /api HTTP/1.1" 200 5 "-" "-"'
        ' 7 "api@docker" "http://10.0.0.4:80" 2ms'
    )
    assert one(tmp_path, line)["client"] == "203.0.113.5"


def test_start_local_offset_is_converted_to_utc(tmp_path):
    line = (
        'TestHost - TestUser [13/Apr/2016:07:14:19 -0700] "POST testpath HTTP/0.0" 123 12 "testReferer"'
        ' "testUserAgent" 1 "testRouter" "http://127.0.0.1/testService" 1ms'
    )
    assert one(tmp_path, line)["ts"] == datetime(2016, 4, 13, 14, 14, 19, tzinfo=UTC)


def test_bare_dash_router_and_service_before_v2_1_7(tmp_path):
    line = '127.0.0.1 - - [09/Mar/2018:10:51:32 +0000] "GET / HTTP/1.1" 401 17 "-" "Go-http-client/1.1" 1 - - 0ms'
    row = one(tmp_path, line)
    assert row["status"] == 401 and row["router"] is None and row["duration_ms"] == 0


def test_generic_clf_has_no_tail(tmp_path):
    """genericCLF is plain combined, which nginx writes too: a ``traefik`` name on the path decides."""
    row = one(
        tmp_path,
        '10.0.0.1 - Client [10/Nov/2009:14:00:00 -0900] "GET /foo http" 123 132 "referer" "agent"',
        name="traefik/access.log",
    )
    assert row["status"] == 123 and row["router"] is None and row["duration_ms"] is None
    assert row["ts"] == datetime(2009, 11, 10, 23, 0, tzinfo=UTC)


def test_dropped_time_and_request_fields(tmp_path):
    row = one(tmp_path, '- - TestUser [-] "- - -" - - "-" "-" - "-" "-" 0ms')
    assert row["ts"] is None and row["method"] is None and row["status"] is None


def test_traefik_unit_test_fixtures_parse(tmp_path):
    """Every line Traefik's own formatter tests expect parses (except those with a leading space)."""
    lines = [ln for ln in data_lines("traefik/traefik-unit-test-fixtures.clf.log") if not ln.startswith(" ")]
    events, info = read_text(tmp_path, "\n".join(lines) + "\n")
    assert info.format == "traefik-clf"
    assert info.unparsed_lines == 0
    assert events.height == len(lines)


def test_malformed_line_is_counted_with_its_number(tmp_path):
    text = WS_OK + "\nthis is not an access log line\n" + WS_OK + "\n"
    events, info = read_text(tmp_path, text)
    assert events.height == 2
    assert info.unparsed_lines == 1 and info.unparsed_examples == [2]


def _recorded_clf_lines() -> list[str]:
    """Every access line of every Traefik version in the test data and the recorded scenarios.

    Traefik v1.4–v3.7 from its own formatter tests, public issue threads and Elastic's pipelines
    (tests/data), and Traefik v3 recorded by capture/ (sample_logs): the CLF ones and anything else, which
    both paths must reject alike.
    """
    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "tests" / "data" / "traefik").iterdir())
    files += sorted((root / "tests" / "data" / "corpus").glob("traefik-*"))
    files += sorted((root / "sample_logs").glob("*/traefik/access.log"))
    return [ln for f in files for ln in f.read_text(encoding="utf-8").splitlines() if not ln.startswith("# ")]


def test_fast_and_regex_paths_agree_on_every_recorded_line():
    """The split fast path and the regex path give the same row for every line shape of every version."""
    import polars as pl

    from analyzer.parsers.traefik_clf import _events, _fast_fields, _parse, _regex_fields

    lines = _recorded_clf_lines()
    frame = pl.LazyFrame(
        {"line": pl.int_range(1, len(lines) + 1, dtype=pl.UInt32, eager=True), "text": lines}
    )
    both = _parse(frame).collect().sort("line")
    regex_only = _events(_regex_fields(frame)).collect().sort("line")
    assert both.equals(regex_only)
    accepted = _fast_fields(frame).filter(pl.col("_ok")).collect()
    # the fast path carries the recorded Traefik v3 lines (the regexes only the odd ones)
    assert accepted.height > 1000 and both.filter(pl.col("_parsed")).height > accepted.height


# -- Traefik v1: frontends and backends in the same columns as v2's routers and services ------------------

V1_DATA = "traefik/github-issues_traefik-clf-v1.log"


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, {"ts": datetime(2018, 2, 19, 16, 30, 59, tzinfo=UTC), "status": 0, "router": "websocket",
             "upstream": "http://backend:8080", "service": None, "duration_ms": 3.0, "user_agent": "Go-http-client/1.1"}),
        (1, {"ts": datetime(2017, 9, 12, 15, 10, 41, tzinfo=UTC), "status": None, "size": None, "router": None,
             "upstream": None, "method": "GET", "path": "/prometheus/alerts"}),
        (2, {"status": None, "router": "Host-nginx1-test-tld-3", "upstream": None}),
        (3, {"status": 200, "size": 612, "router": "Host-nginx1-test-tld-3", "upstream": "http://172.17.0.3:80"}),
        (4, {"status": 404, "router": None, "upstream": None, "service": None}),
    ],
    ids=["v1.5-websocket-status-0", "v1.4-nil-status", "v1.5-redirect-dashes", "v1.5-frontend-and-upstream-url",
         "v1.7-no-frontend-matched"],
)  # fmt: skip
def test_v1_lines(tmp_path, index, expected):
    lines = data_lines(V1_DATA)
    events, info = read_text(tmp_path, "\n".join(lines) + "\n")
    assert (info.format, info.unparsed_lines, events.height) == ("traefik-clf", 0, len(lines))
    row = events.sort("line").row(index, named=True)
    for key, value in expected.items():
        assert row[key] == value, key
