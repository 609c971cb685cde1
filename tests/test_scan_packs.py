"""Packs: many small files share one Parquet part in the scan cache, and nothing else changes.

The files are cut from the recorded sample logs. Scans run in this process (``jobs=1``) so that the
threshold can be moved to compare a packed cache with one of a part per file.
"""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

import analyzer.scan.worker as worker
from analyzer.analysis import AnalyzeOptions
from analyzer.report.scan_report import build_scan_json
from analyzer.scan.cache import MANIFEST, MEMBERS_SUFFIX, STALE_SECONDS, Cache, checksum
from analyzer.scan.pipeline import ScanOptions, ScanResult, scan
from analyzer.scan.prune import prune, usage
from tests.conftest import sample_pieces


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pieces") / "logs"
    folder.mkdir()
    sample_pieces(folder, proxies=4, backend_step=3, size=5, upto=25)
    assert len(list(folder.iterdir())) >= 2 * worker.PACK_MIN_FILES
    return folder


def run(logs: Path, cache: Path) -> ScanResult:
    options = ScanOptions(analyze=AnalyzeOptions(), window=timedelta(hours=1), jobs=1, cache_dir=cache)
    return scan([str(logs)], options)


@pytest.fixture(scope="module")
def unpacked(logs: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The report of a scan whose cache holds one part per file (no packs)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(worker, "PACK_MIN_FILES", 10**9)
    try:
        cache = tmp_path_factory.mktemp("unpacked")
        report = build_scan_json(run(logs, cache))
        assert not list(cache.glob("packs/*/*.parquet")) and list(cache.glob("*/*/part-*.parquet"))
        return report
    finally:
        mp.undo()


def _packs(cache: Path) -> list[Path]:
    return sorted(cache.glob("packs/*/*.parquet"))


def test_packed_cache_gives_the_report_of_one_part_per_file(
    logs: Path, unpacked: dict, tmp_path: Path
) -> None:
    cold = build_scan_json(run(logs, tmp_path))
    assert cold == unpacked
    packs = _packs(tmp_path)
    assert len(packs) == 2  # one per batch (two batches for one worker)
    assert not list(tmp_path.glob("*/*/part-*.parquet"))
    manifests = [json.loads(p.read_text()) for p in tmp_path.glob("*/*/" + MANIFEST)]
    packed = [m for m in manifests if m["parts"]]
    assert packed and all(part["pack"] and part["member"] for m in packed for part in m["parts"])
    listed = {k for p in packs for k in json.loads(p.with_suffix(MEMBERS_SUFFIX).read_text())}
    assert {m["key"] for m in packed} <= listed
    warm = run(logs, tmp_path)
    assert warm.stats.parsed == 0 and build_scan_json(warm) == unpacked


@pytest.mark.parametrize("fault", ["flip", "swap", "delete"])
def test_a_damaged_pack_is_rebuilt_and_the_report_holds(
    logs: Path, unpacked: dict, tmp_path: Path, fault: str
) -> None:
    run(logs, tmp_path)
    first, second = _packs(tmp_path)
    if fault == "flip":
        data = bytearray(first.read_bytes())
        data[len(data) // 2] ^= 0x10
        first.write_bytes(bytes(data))
    elif fault == "swap":
        tmp = first.with_name("swap.tmp")
        first.rename(tmp)
        second.rename(first)
        tmp.rename(second)
    else:
        first.unlink()
    for window in tmp_path.glob("windows/*/*.json"):  # make the scan read the parts again
        window.unlink()
    again = run(logs, tmp_path)
    assert build_scan_json(again) == unpacked
    assert again.stats.parsed > 0  # the members of the damaged pack were parsed again
    assert any("damaged" in note or "missing" in note for note in again.stats.cache_notes), (
        again.stats.cache_notes
    )
    assert build_scan_json(run(logs, tmp_path)) == unpacked


def test_a_manifest_cannot_point_a_read_outside_the_cache(logs: Path, unpacked: dict, tmp_path: Path) -> None:
    run(logs, tmp_path)
    secret = tmp_path.parent / "outside.parquet"
    secret.write_bytes(_packs(tmp_path)[0].read_bytes())
    manifest = next(p for p in tmp_path.glob("*/*/" + MANIFEST) if json.loads(p.read_text())["parts"])
    data = json.loads(manifest.read_text())
    data["parts"][0]["pack"] = "../outside.parquet"
    data.pop("checksum")
    manifest.write_text(json.dumps({**data, "checksum": checksum(data)}))
    key = data["key"]
    assert Cache(tmp_path).load(key) is None  # dropped as damaged, parsed again by the next scan
    for window in tmp_path.glob("windows/*/*.json"):
        window.unlink()
    assert build_scan_json(run(logs, tmp_path)) == unpacked


def test_a_pack_goes_with_its_last_entry(logs: Path, tmp_path: Path) -> None:
    run(logs, tmp_path)
    packs = _packs(tmp_path)
    found = usage(tmp_path)
    pack_bytes = sum(p.stat().st_size + p.with_suffix(MEMBERS_SUFFIX).stat().st_size for p in packs)
    file_bytes = sum(e.bytes for e in found.entries if e.kind == "file")
    assert file_bytes >= pack_bytes  # the packs' bytes are counted with their entries
    # a pack no scan ever listed (its scan killed before it could) goes once it is old, not while fresh
    stray = tmp_path / "packs" / "ab" / ("ab" + "0" * 62 + ".parquet")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(packs[0].read_bytes())
    prune(tmp_path, max_bytes=10**12)
    assert stray.exists()
    old = time.time() - STALE_SECONDS - 60
    os.utime(stray, (old, old))
    prune(tmp_path, max_bytes=10**12)
    assert not stray.exists() and all(p.exists() for p in packs)
    prune(tmp_path, max_bytes=0)
    assert not _packs(tmp_path) and not list(tmp_path.glob("packs/*/*" + MEMBERS_SUFFIX))
