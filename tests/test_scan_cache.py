"""The scan cache: a second scan reads only what is new or changed; renamed (rotated) files are not re-read."""

from __future__ import annotations

import gzip
import os
import shutil
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from scan_archive import make_archive

from analyzer.analysis import AnalyzeOptions
from analyzer.report.scan_report import build_scan_json
from analyzer.scan.pipeline import ScanOptions, ScanResult, scan

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return make_archive(tmp_path / "archive", lines=6000)


def run(
    archive: Path, cache: Path, *, use_cache: bool = True, window: timedelta = timedelta(days=1), **kw: object
) -> ScanResult:
    analyze = AnalyzeOptions(**kw)  # type: ignore[arg-type]
    options = ScanOptions(analyze=analyze, window=window, jobs=1, cache_dir=cache, use_cache=use_cache)
    return scan([str(archive)], options)


def test_second_scan_reads_nothing_and_reports_the_same(archive: Path, tmp_path: Path) -> None:
    first = run(archive, tmp_path / "cache")
    second = run(archive, tmp_path / "cache")
    # both proxies' traefik.log.1.gz hold the same start-up line: twins are parsed once
    assert (first.stats.cached, first.stats.parsed) == (0, first.stats.files - 1)
    assert (second.stats.parsed, second.stats.cached) == (0, first.stats.files)
    assert build_scan_json(second) == build_scan_json(first)


def test_touched_file_is_read_again(archive: Path, tmp_path: Path) -> None:
    run(archive, tmp_path / "cache")
    live = archive / "proxy-a" / "access.log"
    st = live.stat()
    os.utime(live, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    again = run(archive, tmp_path / "cache")
    assert again.stats.parsed == 1


def test_grown_live_file_is_read_again_and_its_new_lines_counted(archive: Path, tmp_path: Path) -> None:
    before = run(archive, tmp_path / "cache")
    live = archive / "proxy-a" / "access.log"
    last = live.read_text(encoding="utf-8").splitlines()[-1]
    with live.open("a", encoding="utf-8") as fh:
        fh.write(last + "\n")
    after = run(archive, tmp_path / "cache")
    assert after.stats.parsed == 1
    assert after.stats.lines == before.stats.lines + 1
    assert after.events == before.events + 1


def test_rotation_renames_are_cache_hits(archive: Path, tmp_path: Path) -> None:
    """logrotate renames access.log.1.gz to access.log.2.gz: same bytes, same mtime, not read again."""
    run(archive, tmp_path / "cache")
    folder = archive / "proxy-a"
    (folder / "access.log.1.gz").rename(folder / "access.log.2.gz")
    again = run(archive, tmp_path / "cache")
    assert again.stats.parsed == 0
    assert any(i.path.endswith("proxy-a/access.log.2.gz") for i in again.inputs)
    evidence_paths = {ev.path for f in again.findings for ev in f.evidence}
    assert not any(p.endswith("access.log.1.gz") for p in evidence_paths)


def test_new_rotated_file_is_the_only_one_read(archive: Path, tmp_path: Path) -> None:
    run(archive, tmp_path / "cache")
    extra = archive / "proxy-b" / "access.log.7.gz"
    lines = gzip.decompress((archive / "proxy-b" / "access.log.1.gz").read_bytes()).splitlines()[:50]
    extra.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    again = run(archive, tmp_path / "cache")
    assert again.stats.parsed == 1


def test_no_cache_reads_everything_and_keeps_nothing(archive: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(archive, cache)
    entries = sorted(p for p in cache.rglob("*") if p.is_file())
    result = run(archive, cache, use_cache=False)
    assert (result.stats.cached, result.stats.parsed) == (0, result.stats.files - 1)  # one twin
    assert sorted(p for p in cache.rglob("*") if p.is_file()) == entries


def test_a_damaged_cache_entry_is_rebuilt(archive: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = run(archive, cache)
    victim = next(cache.rglob("part-*.parquet"))
    shutil.rmtree(victim.parent)
    again = run(archive, cache)
    assert again.stats.parsed == 1
    assert build_scan_json(again) == build_scan_json(first)


def test_windows_whose_files_did_not_change_are_not_analysed_again(archive: Path, tmp_path: Path) -> None:
    six_hours = timedelta(hours=6)
    first = run(archive, tmp_path / "cache", window=six_hours)
    again = run(archive, tmp_path / "cache", window=six_hours)
    assert first.stats.windows_cached == 0
    assert again.stats.windows_cached == again.stats.windows == first.stats.windows
    assert build_scan_json(again) == build_scan_json(first)
    live = archive / "proxy-a" / "access.log"  # the last day: only the windows that read it are redone
    st = live.stat()
    os.utime(live, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    touched = run(archive, tmp_path / "cache", window=six_hours)
    assert 0 < touched.stats.windows_cached < touched.stats.windows
    assert build_scan_json(touched) == build_scan_json(run(archive, tmp_path / "fresh", window=six_hours))


def test_cached_windows_name_files_as_they_are_called_now(archive: Path, tmp_path: Path) -> None:
    run(archive, tmp_path / "cache")
    folder = archive / "proxy-a"
    (folder / "access.log.1.gz").rename(folder / "access.log.2.gz")
    again = run(archive, tmp_path / "cache")
    assert again.stats.windows_cached == again.stats.windows
    report = build_scan_json(again)
    assert "proxy-a/access.log.1.gz" not in str(report["incidents"]) + str(report["findings"])
    assert build_scan_json(run(archive, tmp_path / "fresh")) == report


def test_other_rules_mean_other_window_results(archive: Path, tmp_path: Path) -> None:
    run(archive, tmp_path / "cache")
    fewer = run(archive, tmp_path / "cache", disable=("backend-unreachable",))
    assert fewer.stats.windows_cached == 0
    assert "backend-unreachable" not in {i.rule for i in fewer.incidents}
