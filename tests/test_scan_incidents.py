"""wsdiag scan finds the planted incidents, with the right cause, start and end, whatever the window size."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from scan_archive import PLANTED, make_archive

from analyzer.scan.pipeline import ScanOptions, ScanResult, scan

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_archive(tmp_path_factory.mktemp("archive"))


def run_scan(archive: Path, cache: Path, window: timedelta = timedelta(hours=1), **kw: object) -> ScanResult:
    return scan([str(archive)], ScanOptions(window=window, jobs=1, cache_dir=cache, **kw))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def hourly(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    return run_scan(archive, tmp_path_factory.mktemp("cache"))


def by_rule(result: ScanResult) -> dict[str, list]:
    out: dict[str, list] = {}
    for incident in result.incidents:
        out.setdefault(incident.rule, []).append(incident)
    return out


@pytest.mark.parametrize("planted", PLANTED, ids=[p.rule for p in PLANTED])
def test_planted_incident_is_found_with_its_cause_start_and_end(hourly: ScanResult, planted: object) -> None:
    incidents = by_rule(hourly).get(planted.rule)  # type: ignore[attr-defined]
    assert incidents, f"{planted.rule} not found: {[i.rule for i in hourly.incidents]}"  # type: ignore[attr-defined]
    assert len(incidents) == 1, incidents
    incident = incidents[0]
    # start and end are the first and last failing events: inside the planted stretch, near its edges
    assert planted.start <= incident.start < planted.start + timedelta(minutes=15)  # type: ignore[attr-defined]
    assert planted.end - timedelta(minutes=15) < incident.end <= planted.end + timedelta(seconds=30)  # type: ignore[attr-defined]
    assert incident.window_start <= incident.start and incident.end <= incident.window_end
    assert incident.severity in ("critical", "high")
    assert incident.count > 0 and incident.clients_total > 0
    assert "wsdiag analyze" in incident.command and "--since" in incident.command


def test_only_planted_causes_become_incidents(hourly: ScanResult) -> None:
    assert sorted(by_rule(hourly)) == sorted(p.rule for p in PLANTED)


def test_incident_across_a_window_boundary_spans_both_windows(hourly: ScanResult) -> None:
    (incident,) = by_rule(hourly)["backend-unreachable"]
    assert incident.windows == 2  # 09:40 → 10:20 crosses 10:00
    assert incident.window_end - incident.window_start == timedelta(hours=2)


@pytest.mark.parametrize("window", [timedelta(minutes=30), timedelta(days=1)], ids=["30m", "1d"])
def test_counts_do_not_depend_on_where_windows_cut(
    archive: Path, hourly: ScanResult, tmp_path: Path, window: timedelta
) -> None:
    """A connection's evidence is never split: every failing connection is counted once, by its start."""
    other = run_scan(archive, tmp_path, window=window)
    for rule in ("backend-unreachable", "upgrade-headers-stripped", "handshake-wrong-router"):
        mine = by_rule(hourly)[rule]
        theirs = by_rule(other)[rule]
        assert sum(i.count for i in theirs) == sum(i.count for i in mine), rule
        assert sum(i.connections for i in theirs) == sum(i.connections for i in mine), rule
        # clock offsets are estimated per window: a corrected backend time may move by a millisecond
        assert abs(min(i.start for i in theirs) - min(i.start for i in mine)) < timedelta(seconds=1)
        assert abs(max(i.end for i in theirs) - max(i.end for i in mine)) < timedelta(seconds=1)


def test_findings_are_one_per_incident_with_raw_evidence(hourly: ScanResult) -> None:
    assert len(hourly.findings) == len(hourly.incidents)
    root = hourly.findings[0]
    assert root.severity == "critical"
    assert root.evidence and all(ev.text for ev in root.evidence)
    # the evidence is the raw access line read back from the cache, not the parsed message
    assert any('"GET /socket.io/' in ev.text for f in hourly.findings for ev in f.evidence)


def test_since_until_restrict_the_scan(archive: Path, hourly: ScanResult, tmp_path: Path) -> None:
    planted = PLANTED[0]
    result = scan(
        [str(archive)],
        ScanOptions(
            window=timedelta(hours=1),
            jobs=1,
            cache_dir=tmp_path,
            analyze=replace_times(planted.start - timedelta(hours=1), planted.end + timedelta(hours=1)),
        ),
    )
    assert [i.rule for i in result.incidents] == [planted.rule]
    assert len(result.windows) == 6  # 09:00 … 14:00 (--until is inclusive, as for analyze)


def replace_times(since: object, until: object) -> object:
    from analyzer.analysis import AnalyzeOptions

    return AnalyzeOptions(since=since, until=until)  # type: ignore[arg-type]
