"""Keeping the scan cache small: outdated entries go first, then the least recently used, never foreign files;
a scan prunes to its cap without removing what it used; ``wsdiag cache info`` / ``prune`` say what is there."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from scan_archive import make_archive

from analyzer.analysis import AnalyzeOptions
from analyzer.cli import cli
from analyzer.report.scan_report import build_scan_json
from analyzer.scan.cache import MANIFEST, checksum
from analyzer.scan.pipeline import ScanOptions, ScanResult, scan
from analyzer.scan.prune import parse_size, prune, usage

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_archive(tmp_path_factory.mktemp("prune") / "archive", lines=4000)


def run(archive: Path, cache: Path) -> ScanResult:
    options = ScanOptions(analyze=AnalyzeOptions(), window=timedelta(hours=6), jobs=1, cache_dir=cache)
    return scan([str(archive)], options)


def _age_everything(cache: Path, seconds: float) -> None:
    """Make every entry look used ``seconds`` ago."""
    then = time.time() - seconds
    for path in cache.rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


def _outdate(manifest: Path) -> None:
    """Rewrite an entry's manifest as an older version of the parsing code would have (a valid checksum)."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["code"] = "0" * 16
    data["checksum"] = checksum(data)
    manifest.write_text(json.dumps(data), encoding="utf-8")


def test_outdated_entries_go_first_and_foreign_files_stay(archive: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(archive, cache)
    before = usage(cache)
    files = [e for e in before.entries if e.kind == "file"]
    assert files and all(e.current for e in before.entries)
    _outdate(files[0].path / MANIFEST)
    (cache / "notes.txt").write_text("mine", encoding="utf-8")
    (cache / "ab").mkdir(exist_ok=True)
    (cache / "ab" / "not-an-entry").write_text("mine too", encoding="utf-8")
    done = prune(cache, max_bytes=10**12)
    assert (done.removed, done.outdated) == (1, 1)
    assert not files[0].path.exists() and all(e.path.exists() for e in files[1:])
    assert (cache / "notes.txt").exists() and (cache / "ab" / "not-an-entry").exists()


def test_the_cap_removes_the_least_recently_used_entries(archive: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(archive, cache)
    _age_everything(cache, 3600)
    entries = sorted((e for e in usage(cache).entries if e.kind == "file"), key=lambda e: e.bytes)
    recent = entries[-1]
    os.utime(recent.path / MANIFEST)  # used a moment ago
    total = usage(cache).total()[1]
    done = prune(cache, max_bytes=total - 1)
    assert done.removed >= 1 and done.left_bytes <= total - 1
    assert recent.path.exists()
    assert prune(cache, max_bytes=0).left == 0 and usage(cache).entries == []


def test_a_scan_prunes_to_its_cap_but_keeps_what_it_used(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    other = tmp_path / "other"
    other.mkdir()
    live = (archive / "proxy-a" / "access.log").read_text(encoding="utf-8")
    (other / "access.log").write_text(live + live.splitlines()[-1] + "\n", encoding="utf-8")
    run(other, cache)  # an entry the next scan does not use
    unused = {e.path for e in usage(cache).entries}
    first = run(archive, cache)
    _age_everything(cache, 3600)
    monkeypatch.setenv("WSDIAG_CACHE_MAX_BYTES", "1")
    again = run(archive, cache)  # every entry of the archive is hit (touched), so none of them is removed
    assert again.stats.parsed == 0
    assert build_scan_json(again) == build_scan_json(first)
    left = usage(cache).entries
    assert left and not unused & {e.path for e in left}
    assert all(e.used > time.time() - 600 for e in left)


def test_a_hit_marks_the_entry_used(archive: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(archive, cache)
    _age_everything(cache, 3600)
    run(archive, cache)
    assert all(e.used > time.time() - 600 for e in usage(cache).entries)


def test_cache_info_and_prune_commands(archive: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(archive, cache)
    runner = CliRunner()
    info = runner.invoke(cli, ["cache", "info", "--cache-dir", str(cache), "--format", "json"])
    assert info.exit_code == 0, info.output
    doc = json.loads(info.output)
    assert doc["files"]["entries"] > 0 and doc["windows"]["entries"] > 0
    assert doc["bytes"] == doc["files"]["bytes"] + doc["windows"]["bytes"] > 0
    assert doc["outdated"]["entries"] == 0 and doc["max_bytes"] == 2 * 1024**3
    text = runner.invoke(cli, ["cache", "info", "--cache-dir", str(cache)])
    assert text.exit_code == 0 and f"cache: {cache}" in text.output
    emptied = runner.invoke(cli, ["cache", "prune", "--cache-dir", str(cache), "--max-size", "0"])
    assert emptied.exit_code == 0 and " 0 left (0 B" in emptied.output
    wrong = runner.invoke(cli, ["cache", "prune", "--cache-dir", str(cache), "--max-size", "lots"])
    assert wrong.exit_code == 2 and "not a size" in wrong.output


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("4096", 4096),
        ("500M", 500_000_000),
        ("2G", 2_000_000_000),
        ("1.5GiB", 1_610_612_736),
        ("750 MB", 750_000_000),
    ],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size
