"""The terminal report: a verdict within 40 lines at 80 columns, evidence a person reads, nothing twice."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from analyzer.analysis import Analysis, analyze
from analyzer.report.output import plain_text
from analyzer.report.text import render_text

ROOT = Path(__file__).parents[1]
SCENARIOS = sorted(p.name for p in (ROOT / "sample_logs").iterdir() if p.is_dir())
#: The verdict must fit a terminal: a person reads it without scrolling.
LINE_BUDGET = 40


@cache
def analysis_of(scenario: str) -> Analysis:
    return analyze([str(ROOT / "sample_logs" / scenario)])


def text(scenario: str, *, width: int = 80, verbosity: int = 0, tz: str = "UTC") -> str:
    analysis = analysis_of(scenario)
    return plain_text(lambda console: render_text(analysis, console, verbosity=verbosity, tz=tz), width)


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_verdict_fits_the_line_budget(scenario, width):
    out = text(scenario, width=width)
    lines = out.splitlines()
    assert len(lines) <= LINE_BUDGET, f"{scenario}: {len(lines)} lines at {width} columns\n{out}"
    assert max(len(line) for line in lines) <= width


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_verdict_leads_with_the_root_cause_and_its_fix(scenario):
    analysis = analysis_of(scenario)
    out = text(scenario, width=200)
    if not any(f.severity in ("critical", "high", "medium") for f in analysis.findings):
        assert out.startswith("No failure signature found in these logs.")
        return
    root = analysis.findings[0]
    head = out.splitlines()
    assert root.title in head[0] and root.severity.upper() in head[0]
    assert root.rule in head[1]
    assert "Fix: " in out and out.index("Fix: ") < out.index("Read ")
    # every other finding is one line, with its rule id and title
    for f in analysis.findings[1:]:
        assert len([line for line in head if f" {f.rule} " in line]) == 1, f.rule


@pytest.mark.parametrize("verbosity", [0, 1, 2])
@pytest.mark.parametrize("scenario", ["traefik-priority-conflict", "upgrade-headers-stripped"])
def test_nothing_is_printed_twice(scenario, verbosity):
    analysis = analysis_of(scenario)
    out = text(scenario, width=200, verbosity=verbosity)
    for f in analysis.findings:
        assert out.count(f.title) == 1, (f.rule, verbosity)
    root = analysis.findings[0]
    assert out.count(root.remediation.split("`")[0]) == 1


def test_evidence_lines_show_the_fields_that_matter_not_whole_records():
    """upgrade-headers-stripped is a Traefik JSON access log: the raw records are whole JSON objects."""
    out = text("upgrade-headers-stripped", width=120, verbosity=1)
    assert "DownstreamContentSize" not in out  # no JSON record, whole or cut
    assert "Mozilla/5.0" not in out  # no User-Agent
    row = re.search(
        r"21:33:27\.829  GET  400  19 ms  /socket\.io/\?EIO=4&transport=websocket&sid=zP-hAJoiXjNP5JmXAAAA",
        out,
    )
    assert row, out
    assert "socketio@file → http://127.0.0.1:33671  ·  traefik/access.log:8" in out
    assert "bad request: unexpected transport without upgrade" in out
    assert "backend/chat.log:34" in out


def test_everything_shows_the_raw_records_whole():
    out = text("upgrade-headers-stripped", width=400, verbosity=2)
    raw = (ROOT / "sample_logs/upgrade-headers-stripped/traefik/access.log").read_text().splitlines()[7]
    assert raw.startswith("{") and raw in out  # line 8: the JSON record in one piece
    assert "Inputs" in out and "traefik-json" in out


def test_durations_are_written_for_people():
    """A WebSocket Traefik logged with ``35756ms`` (its whole lifetime) reads ``35.8 s``."""
    out = text("traefik-priority-conflict", width=160, verbosity=1)
    assert re.search(r"21:31:34\.000  GET   0    35\.8 s  /socket\.io/\?EIO=4&transport=websocket", out), out
    assert not re.search(r"\b\d{4,} ?ms\b", out.split("Evidence")[1])


def test_times_follow_the_display_zone():
    utc = text("upgrade-headers-stripped", width=160, verbosity=1)
    paris = text("upgrade-headers-stripped", width=160, verbosity=1, tz="Europe/Paris")
    assert "21:33:27.829  GET" in utc and "2026-11-25 21:33:27 → 21:33:29 UTC" in utc
    assert "22:33:27.829  GET" in paris and "2026-11-25 22:33:27 → 22:33:29 CET" in paris


def test_a_healthy_capture_says_so_and_what_was_checked():
    out = text("healthy-websocket")
    assert out.startswith("No failure signature found in these logs.\nChecked ")
    assert "connections: " in out and " ok" in out


def test_warnings_name_inputs_not_read_and_lines_not_parsed(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    sample = ROOT / "sample_logs/upgrade-headers-stripped/traefik/access.log"
    (folder / "access.log").write_text(sample.read_text() + "this is not an access line\n")
    (folder / "notes.bin").write_bytes(b"\x00\x01\x02 binary")
    analysis = analyze([str(folder)])
    out = plain_text(lambda console: render_text(analysis, console), 200)
    assert re.search(r"^! 1 line not parsed: .*access\.log$", out, re.M), out
    assert re.search(r"^! 1 input not read: .*notes\.bin \(", out, re.M), out
