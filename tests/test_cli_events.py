"""``wsdiag events``: output formats, the per-file summary on stderr, exit codes, stdin."""

from __future__ import annotations

import gzip
import io
import json

import polars as pl
import pytest

from analyzer.cli import cli
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
