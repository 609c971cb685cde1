"""Backend logs as log shippers hand them over: docker logs -t, json-file, compose prefixes, kubectl."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import polars as pl
from backend_helpers import read_at, row, sample_text, utc

from analyzer.ingest import ReadOptions, load

if TYPE_CHECKING:
    from pathlib import Path

NEST = sample_text("nestjs-v8_en-US_gateway.log").splitlines()
UVICORN = sample_text("uvicorn_ws-403_behind-traefik.log").splitlines()


def test_docker_logs_timestamps_give_undated_lines_their_time(tmp_path: Path) -> None:
    text = "".join(f"2025-11-27T10:15:{i:02d}.{i:09d}Z {line}\n" for i, line in enumerate(UVICORN))
    events, info = read_at(tmp_path, text)
    assert (info.format, info.wrappers, info.unparsed_lines) == ("uvicorn", ["timestamps"], 0)
    assert not events["ts_estimated"].any()
    refused = row(events, 5)
    assert (refused["ts"], refused["kind"], refused["status"]) == (
        utc("2025-11-27T10:15:04.000000004"),
        "ws_upgrade",
        403,
    )


def test_docker_json_file_driver(tmp_path: Path) -> None:
    lines = [
        json.dumps({"log": line + "\n", "stream": "stderr", "time": f"2025-11-27T10:15:{i:02d}.5Z"})
        for i, line in enumerate(NEST)
    ]
    events, info = read_at(tmp_path, "\n".join(lines) + "\n")
    assert (info.format, info.wrappers, info.unparsed_lines) == ("nestjs-text", ["docker-json-file"], 0)
    # the line's own time wins over the shipper's
    assert row(events, 1)["ts"] == utc("2025-11-27T10:15:30")
    error = row(events, 14)
    assert (error["kind"], error["close_code"]) == ("ws_error", 1009)
    assert error["raw"].count("\n") == 3


def test_compose_prefix_splits_services(tmp_path: Path) -> None:
    text = "".join(f"api-1  | {line}\n" for line in NEST[:8]) + "".join(
        f"py-1   | {line}\n" for line in UVICORN
    )
    path = tmp_path / "compose.log"
    path.write_text(text, encoding="utf-8")
    result = load([str(path)], ReadOptions())
    formats = {info.stream: (info.format, info.unparsed_lines) for info in result.inputs}
    assert formats == {"api-1": ("nestjs-text", 0), "py-1": ("uvicorn", 0)}
    handshake = result.events.filter(pl.col("kind") == "handshake")
    assert handshake["stream"].to_list() == ["api-1"]


def test_kubectl_logs_timestamps(tmp_path: Path) -> None:
    engine = sample_text("python-engineio_issue29_werkzeug-400.log").splitlines()
    text = "".join(f"2024-05-01T08:00:0{i}.123456789+00:00 {line}\n" for i, line in enumerate(engine))
    events, info = read_at(tmp_path, text)
    assert (info.format, info.wrappers) == ("python-logging", ["timestamps"])
    invalid = row(events, 4)
    assert (invalid["ts"], invalid["ts_estimated"], invalid["error_name"]) == (
        utc("2024-05-01T08:00:03.123456"),
        False,
        "UNKNOWN_SID",
    )


def test_ansi_colours_of_a_tty_nest_log(tmp_path: Path) -> None:
    text = (
        "\x1b[32m[Nest] 4120  - \x1b[39m11/27/2025, 10:15:30 AM \x1b[32m    LOG\x1b[39m "
        "\x1b[33m[EventsGateway] \x1b[39m\x1b[32mClient disconnected: wZX3oN0bSVIhsaknAAAI\x1b[39m\x1b[33m +2ms\x1b[39m\n"
    )
    events, info = read_at(tmp_path, text)
    assert info.format == "nestjs-text"
    event = row(events, 1)
    assert (event["kind"], event["socket_id"], event["message"]) == (
        "disconnect",
        "wZX3oN0bSVIhsaknAAAI",
        "Client disconnected: wZX3oN0bSVIhsaknAAAI",
    )
