"""Traefik access log, JSON format: v2 (ServiceURL object) and v3 (string), kept headers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from analyzer.jsonutil import _fast
from analyzer.parsers.traefik_json import _schema
from tests.conftest import data_lines, read_text

ROOT = Path(__file__).resolve().parents[1]

# The shape logrus' JSONFormatter writes for Traefik v3 (keys sorted, Duration in ns, ServiceURL a string)
V3_WS = {
    "ClientAddr": "203.0.113.7:52144",
    "ClientHost": "203.0.113.7",
    "ClientPort": "52144",
    "ClientUsername": "-",
    "DownstreamContentSize": 0,
    "DownstreamStatus": 0,
    "Duration": 38786475932,
    "OriginContentSize": 0,
    "OriginDuration": 38786404012,
    "OriginStatus": 0,
    "Overhead": 71920,
    "RequestAddr": "api.example.test",
    "RequestContentSize": 0,
    "RequestCount": 88,
    "RequestHost": "api.example.test",
    "RequestMethod": "GET",
    "RequestPath": "/socket.io/?EIO=4&transport=websocket&sid=lv_VI97HAXpY6yYWAAAC",
    "RequestPort": "-",
    "RequestProtocol": "HTTP/1.1",
    "RequestScheme": "http",
    "RetryAttempts": 0,
    "RouterName": "chat-ws@file",
    "ServiceAddr": "127.0.0.1:3000",
    "ServiceName": "chat-ws@file",
    "ServiceURL": "http://127.0.0.1:3000",
    "StartLocal": "2026-11-25T11:00:00.123456789+01:00",
    "StartUTC": "2026-11-25T10:00:00.123456789Z",
    "entryPointName": "web",
    "level": "info",
    "msg": "",
    "request_Connection": "Upgrade",
    "request_Upgrade": "websocket",
    "request_User-Agent": "Mozilla/5.0",
    "request_X-Request-Id": "req-7f3a",
    "time": "2026-11-25T10:00:38Z",
}


def test_v3_websocket_line(tmp_path):
    events, info = read_text(tmp_path, json.dumps(V3_WS) + "\n")
    assert (info.format, info.unparsed_lines) == ("traefik-json", 0)
    row = events.row(0, named=True)
    assert row["kind"] == "ws_upgrade" and row["status"] == 0
    assert row["ts"] == datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC)
    assert round(row["duration_ms"]) == 38786
    # microsecond precision: start .123456|789 truncated, plus 38786475|932 ns truncated
    assert row["ts_end"] == datetime(2026, 11, 25, 10, 0, 38, 909931, tzinfo=UTC)
    assert row["upstream"] == "http://127.0.0.1:3000"
    assert (row["host"], row["router"], row["service"]) == (
        "api.example.test",
        "chat-ws@file",
        "chat-ws@file",
    )
    assert (row["upgrade_header"], row["connection_header"], row["request_id"]) == (
        "websocket",
        "Upgrade",
        "req-7f3a",
    )
    assert row["sid"] == "lv_VI97HAXpY6yYWAAAC" and row["entrypoint"] == "web"
    assert json.loads(row["attrs"])["request_X-Request-Id"] == "req-7f3a"


def test_stripped_upgrade_header_still_a_websocket_attempt(tmp_path):
    """A headers middleware that deletes Upgrade also removes it from the access log: the URL decides."""
    line = {k: v for k, v in V3_WS.items() if k not in ("request_Upgrade", "request_Connection")}
    line |= {"DownstreamStatus": 400, "OriginStatus": 400, "Duration": 2_000_000}
    events, _ = read_text(tmp_path, json.dumps(line) + "\n")
    assert events.row(0, named=True)["kind"] == "ws_upgrade"
    assert events["status"].to_list() == [400]


def test_v2_service_url_object_and_elastic_samples(tmp_path):
    lines = data_lines("traefik/elastic-integrations_traefik_test-format-json.log")
    events, info = read_text(tmp_path, "\n".join(lines) + "\n")
    assert (info.format, info.unparsed_lines, events.height) == ("traefik-json", 0, 7)
    k8s = events.filter(events["router"].str.starts_with("app-unpad"))
    assert k8s["upstream"].to_list() == ["http://10.1.25.243:80"]
    assert k8s["client"].to_list() == ["175.16.199.10"]
    assert k8s["ts"].to_list() == [datetime(2024, 2, 9, 11, 53, 32, 609696, tzinfo=UTC)]
    # StartUTC dropped by configuration: StartLocal is used
    assert events.filter(events["line"] == 4)["ts"].to_list() == [
        datetime(2024, 2, 2, 17, 7, 8, 48870, tzinfo=UTC)
    ]


def test_bad_line_in_the_middle_is_counted_and_the_rest_read(tmp_path):
    text = json.dumps(V3_WS) + "\n{not json\n" + json.dumps(V3_WS | {"RequestCount": 89}) + "\n"
    events, info = read_text(tmp_path, text)
    assert events.height == 2
    assert (info.unparsed_lines, info.unparsed_examples) == (1, [2])


def test_wrong_types_in_fields_do_not_fail_the_file(tmp_path):
    odd = V3_WS | {"DownstreamStatus": "zero", "OriginStatus": [], "Duration": None, "RequestPath": 12}
    events, info = read_text(tmp_path, json.dumps(V3_WS) + "\n" + json.dumps(odd) + "\n")
    assert events.height == 2 and info.unparsed_lines == 0
    assert events["status"].to_list() == [0, None]


def test_traceparent_gives_the_trace_id(tmp_path):
    line = V3_WS | {"request_Traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    line.pop("request_X-Request-Id")
    events, _ = read_text(tmp_path, json.dumps(line) + "\n")
    assert events["request_id"].to_list() == ["4bf92f3577b34da6a3ce929d0e0e4736"]


def test_v1_frontend_name_and_url_fill_the_v2_router_service_and_upstream(tmp_path):
    # Elastic's test input, lines 1-2: Traefik v1 objects (FrontendName, BackendName, BackendURL as url.URL)
    lines = data_lines("traefik/elastic-integrations_traefik_test-format-json.log")[:2]
    events, info = read_text(tmp_path, "\n".join(lines) + "\n")
    assert (info.format, info.unparsed_lines) == ("traefik-json", 0)
    not_found, served = events.sort("line").iter_rows(named=True)
    assert (not_found["status"], not_found["router"], not_found["service"], not_found["upstream"]) == (
        404,
        None,
        None,
        None,
    )
    assert (served["router"], served["service"], served["upstream"], served["status"]) == (
        "Host-backend-docker-docker-localhost-2",
        "backend-backend-docker",
        "http://10.10.10.20:80",
        200,
    )
    assert served["ts"] == datetime(2021, 3, 16, 19, 8, 41, 39598, tzinfo=UTC)


def test_recorded_lines_decode_in_one_polars_pass():
    """The recorded access log decodes in polars' NDJSON reader, not line by line (the slow path is for
    blocks holding a line that is not JSON): the lines' bytes must reach the reader whole."""
    lines = (ROOT / "sample_logs/idle-timeout/traefik/access.log").read_text().splitlines()
    texts = pl.Series([line for line in lines if line.startswith("{")])
    decoded = _fast(texts, pl.Series([True] * texts.len()), _schema(texts))
    assert decoded is not None and decoded.height == texts.len()
    assert decoded["RequestPath"].null_count() == 0
