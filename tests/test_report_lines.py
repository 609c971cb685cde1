"""Events as a person reads them: fields by source, durations in words, secrets masked, where to look."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from analyzer.analysis import analyze
from analyzer.findings import Evidence
from analyzer.report.human import duration_expr, fmt_duration
from analyzer.report.lines import aligned_lines, evidence_events, readable, what_expr
from tests.conftest import read_text

ROOT = Path(__file__).parents[1]
# Traefik v3 CLF, the shape tests/data/traefik holds (request line, status, router, upstream, duration)
TOKEN = "s3cr3t-T0ken-value"
CLF = (
    '10.0.0.2 - - [25/Nov/2026:10:00:01 +0000] "GET /socket.io/?EIO=4&transport=polling&t=P1&token='
    + TOKEN
    + ' HTTP/1.1" 404 10 "-" "Mozilla/5.0" 7 "web@file" "http://127.0.0.1:3000" 3ms\n'
    '10.0.0.2 - - [25/Nov/2026:10:00:02 +0000] "GET /socket.io/?EIO=4&transport=websocket&sid=S1 HTTP/1.1"'
    ' 0 0 "-" "Mozilla/5.0" 8 "ws@file" "http://127.0.0.1:3001" 182000ms\n'
)


@pytest.mark.parametrize(
    "ms",
    [
        0.4,
        2,
        250,
        999.6,
        1000,
        1500,
        16_000,
        59_949,
        60_000,
        182_000,
        3_599_400,
        3_600_000,
        3_900_000,
        172_800_000,
    ],
)
def test_durations_in_columns_read_as_fmt_duration(ms):
    column = pl.DataFrame({"ms": [float(ms)]}).select(duration_expr(pl.col("ms")))
    assert column.item() == fmt_duration(ms)


def test_an_access_line_is_its_request_status_route_and_duration(tmp_path):
    events, _ = read_text(tmp_path, CLF, name="access.log")
    rows = readable(events).with_columns(what_expr().alias("what"))
    first, second = rows.rows(named=True)
    assert (first["method"], first["status"], first["router"], first["took"]) == (
        "GET",
        "404",
        "web@file",
        "3 ms",
    )
    assert first["target"] == "/socket.io/?EIO=4&transport=polling&t=P1&token=REDACTED"
    assert first["level"] is None and first["message"] is None
    assert first["where"].endswith("access.log:1")
    assert (second["status"], second["took"]) == ("0", "3 min 2 s")
    assert second["what"] == (
        "GET /socket.io/?EIO=4&transport=websocket&sid=S1 → 0, 3 min 2 s (ws@file → http://127.0.0.1:3001)"
    )
    assert TOKEN not in "".join(str(v) for v in rows.row(0))


def test_no_redact_keeps_the_query_as_logged(tmp_path):
    events, _ = read_text(tmp_path, CLF, name="access.log")
    assert TOKEN in readable(events, redact=False)["target"][0]


def test_har_entries_are_cited_by_their_index():
    """The recorded HAR of this scenario is one line: every entry is on line 1."""
    analysis = analyze([str(ROOT / "sample_logs/upgrade-headers-stripped")])
    har = analysis.events.filter(pl.col("format") == "har")
    assert har["line"].unique().to_list() == [1]
    wheres = readable(har)["where"]
    assert wheres.str.contains(r"^browser/session\.har entries\[\d+\]$").all()
    assert wheres.n_unique() > 10


def test_evidence_finds_its_event_by_file_line_and_time():
    """Two HAR events on the same line 1 are told apart by their time."""
    analysis = analyze([str(ROOT / "sample_logs/upgrade-headers-stripped")])
    har = analysis.events.filter(
        (pl.col("format") == "har") & (pl.col("kind") == "http_request") & pl.col("query").is_not_null()
    ).sort("ts")
    picked = [har.row(i, named=True) for i in (2, 5)]
    evidence = [Evidence("browser", r["file"], r["line"], r["ts"], r["raw"]) for r in picked]
    rows = readable(evidence_events(analysis.events, evidence))
    expected = [f"browser/session.har entries[{json.loads(r['attrs'])['entry']}]" for r in picked]
    assert rows["where"].to_list() == expected
    assert rows["target"].to_list() == [f"{r['path']}?{r['query']}" for r in picked]


def test_a_configuration_line_the_table_does_not_hold_keeps_its_text():
    analysis = analyze([str(ROOT / "sample_logs/upgrade-headers-stripped")])
    evidence = [Evidence("config", "config/other.yml", 12, None, "priority: 100")]
    row = readable(evidence_events(analysis.events, evidence)).row(0, named=True)
    assert (row["message"], row["where"], row["time"]) == ("priority: 100", "config/other.yml:12", "-")


def test_aligned_lines_pad_every_column_but_the_last():
    rows = pl.DataFrame({"a": ["1", "222"], "b": ["x", None], "c": ["end", "e"]})
    assert aligned_lines(rows, ("a", "b", "c")) == ["1    x  end", "222     e"]
