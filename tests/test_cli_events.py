"""``wsdiag events``: output formats, the per-file summary on stderr, exit codes, stdin."""

from __future__ import annotations

import gzip
import io
import json
import re
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from analyzer.cli import cli
from analyzer.ingest import load
from tests.conftest import run
from tests.test_ingest import clf_text


@pytest.fixture
def logs(tmp_path):
    """A folder mixing CLF, JSON, a gzipped rotation and a docker compose capture."""
    (tmp_path / "clf").mkdir()
    (tmp_path / "clf" / "access.log").write_text(clf_text(3, 4))
    (tmp_path / "clf" / "access.log.1.gz").write_bytes(gzip.compress(clf_text(1, 2).encode()))
    (tmp_path / "json.log").write_text(
        json.dumps({"RequestMethod": "GET", "RequestPath": "/socket.io/?EIO=4&transport=websocket&sid=abc",
                    "DownstreamStatus": 0, "Duration": 5_000_000_000, "StartUTC": "2026-11-25T10:00:00Z",
                    "RouterName": "ws@file", "ServiceURL": "http://127.0.0.1:3000"}) + "\n"
    )  # fmt: skip
    (tmp_path / "compose.log").write_text(
        "".join(f"traefik-1  | {line}\n" for line in clf_text(5).splitlines())
    )
    return tmp_path


def test_jsonl_has_the_contract_fields(logs):
    result = run("events", str(logs), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 6
    for row in rows:
        assert {"ts", "source", "kind", "file", "line", "raw"} <= row.keys()
        assert row["ts"].endswith("Z")
    ws = next(r for r in rows if r["format"] == "traefik-json")
    assert (ws["kind"], ws["status"], ws["sid"]) == ("ws_upgrade", 0, "abc")


def test_summary_on_stderr_names_format_and_unparsed(logs):
    (logs / "clf" / "access.log").write_text(clf_text(3) + "garbage line\n")
    result = run("events", str(logs), "--format", "jsonl")
    assert "access.log: traefik-clf (proxy), 1 events, 1 unparsed (line 2: 'garbage line')" in result.stderr
    assert "json.log: traefik-json (proxy), 1 events, 0 unparsed" in result.stderr
    assert (
        "compose.log[traefik-1]: traefik-clf (proxy), 1 events, 0 unparsed, unwrapped compose"
        in result.stderr
    )


def test_csv_and_parquet(logs, tmp_path):
    result = run("events", str(logs), "--format", "csv")
    frame = pl.read_csv(io.StringIO(result.stdout))
    assert frame.height == 6 and "sid" in frame.columns
    out = tmp_path / "events.parquet"
    assert run("events", str(logs), "--format", "parquet", "-o", str(out)).exit_code == 0
    table = pl.read_parquet(out)
    assert table.height == 6
    assert table.schema["ts"] == pl.Datetime("us", "UTC")


def test_table_format(logs):
    result = run("events", str(logs))
    assert result.exit_code == 0
    assert "ws_upgrade" in result.stdout


def test_stdin(tmp_path):
    result = run("events", "-", "--format", "jsonl", input=clf_text(1, 2))
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2
    assert "<stdin>: traefik-clf" in result.stderr


def test_nothing_readable_is_exit_2_with_the_reason(tmp_path):
    result = run("events", str(tmp_path / "missing.log"))
    assert result.exit_code == 2
    assert "missing.log: no such file or directory" in result.stderr
    assert "Traceback" not in result.output


def test_some_readable_is_exit_0(tmp_path):
    (tmp_path / "a.log").write_text(clf_text(1))
    result = run("events", str(tmp_path / "a.log"), str(tmp_path / "missing.log"), "--format", "jsonl")
    assert result.exit_code == 0
    assert "missing.log: skipped: no such file or directory" in result.stderr


def test_bad_options_are_usage_errors(tmp_path):
    (tmp_path / "a.log").write_text(clf_text(1))
    assert run("events", str(tmp_path), "--tz", "Mars/Olympus").exit_code == 2
    result = run("events", str(tmp_path), "--input", "nginx=foo")
    assert result.exit_code == 2 and "unknown kind 'nginx'" in result.stderr


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(command):
    assert cli.commands[command].help, f"{command} is missing its help"
    assert run(command, "--help").exit_code == 0


def test_module_entry_point():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "analyzer", "--version"], capture_output=True, text=True, check=True
    )
    assert "wsdiag" in out.stdout


# -- events for queries: correlated, filtered --------------------------------------------------------

SCENARIO = str(Path(__file__).parents[1] / "sample_logs/upgrade-headers-stripped")
SID = "zP-hAJoiXjNP5JmXAAAA"


def _jsonl(*args: str) -> list[dict]:
    result = run("events", SCENARIO, "--format", "jsonl", "-q", *args)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_events_carry_their_connection_and_the_corrected_time():
    rows = [r for r in _jsonl() if r["format"] != "har"]  # a one-line HAR has every event on line 1
    logged = load([SCENARIO]).events
    as_logged = {
        (r["file"], r["line"], r["kind"]): r["ts"]
        for r in logged.select("file", "line", "kind", "ts").to_dicts()
    }
    shifted = [r for r in rows if r["clock_offset_ms"] and r["ts"]]
    assert shifted, "this recording has clocks to correct"
    for row in shifted[:50]:
        before = as_logged[(row["file"], row["line"], row["kind"])]
        corrected = datetime.fromisoformat(row["ts"])
        assert abs((corrected - before).total_seconds() * 1000 - row["clock_offset_ms"]) < 1, row
    assert {r["conn_id"] for r in rows if r["sid"] == SID} == {SID}


def test_source_and_kind_filters():
    rows = _jsonl("--source", "proxy", "--kind", "ws_upgrade")
    assert rows and {(r["source"], r["kind"]) for r in rows} == {("proxy", "ws_upgrade")}
    both = _jsonl("--source", "proxy", "--source", "backend", "--kind", "handshake")
    assert {r["source"] for r in both} == {"backend"} and {r["kind"] for r in both} == {"handshake"}


def test_key_keeps_every_event_of_the_connection_that_carries_it():
    rows = _jsonl("--key", SID)
    assert {r["conn_id"] for r in rows} == {SID}
    assert {r["source"] for r in rows} == {"proxy", "backend", "browser"}
    # a polling request's t= names the same connection
    t = next(r["t"] for r in rows if r["t"])
    assert {r["conn_id"] for r in _jsonl("--key", t)} == {SID}


def test_unknown_kind_is_a_usage_error():
    result = run("events", SCENARIO, "--kind", "nonsense")
    assert result.exit_code == 2 and "'nonsense' is not one of" in result.stderr


# -- timeline: one line per event ---------------------------------------------------------------------


def test_a_story_is_one_line_per_event_with_har_entries_by_index():
    result = run("timeline", SCENARIO, "--key", SID, "-q")
    assert result.exit_code == 0, result.stderr
    head, *lines = result.stdout.strip().splitlines()
    events = int(re.search(r"\((\d+) events", head)[1])
    assert len(lines) == events
    assert all(re.match(r"  \d\d:\d\d:\d\d\.\d{3}  (proxy|backend|browser) ", line) for line in lines)
    har = [line for line in lines if "session.har" in line]
    assert har and all(re.search(r"browser/session\.har entries\[\d+\]$", line) for line in har)
    assert any("→ 400" in line and "transport=websocket" in line for line in lines)


def test_the_connection_list_keeps_each_connection_on_one_line():
    result = run("timeline", SCENARIO, "-q")
    title, _header, *lines = result.stdout.strip().splitlines()
    assert title == "3 connections, times UTC on 2026-11-25"
    assert [line.split()[:4] for line in lines] == [
        ["zP-hAJoiXjNP5JmXAAAA", "21:33:27.768", "failed", "upgrade"],
        ["NZcVApxk6OylIDqvAAAB", "21:33:28.462", "failed", "upgrade"],
        ["O2tf2weBvMpElii0AAAC", "21:33:29.250", "failed", "upgrade"],
    ]
    assert all(line.endswith("127.0.0.1") for line in lines)
