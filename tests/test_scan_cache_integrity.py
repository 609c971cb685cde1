"""A cache that cannot lie: whatever happens to it between scans, a scan reports what a scan without a cache
reports, or stops with one clear line — never a different report with exit 0.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from scan_archive import make_archive

from analyzer.analysis import AnalyzeOptions
from analyzer.errors import WsdiagError
from analyzer.report.scan_report import build_scan_json
from analyzer.scan.cache import MANIFEST, Cache
from analyzer.scan.pipeline import ScanOptions, ScanResult, scan

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("archive") / "a", lines=6000)


@pytest.fixture(scope="module")
def clean(archive, tmp_path_factory) -> dict:
    """The report of a scan that uses no cache at all."""
    return build_scan_json(run(archive, tmp_path_factory.mktemp("nocache"), use_cache=False))


def run(archive: Path, cache: Path, *, use_cache: bool = True) -> ScanResult:
    options = ScanOptions(
        analyze=AnalyzeOptions(), window=timedelta(days=1), jobs=1, cache_dir=cache, use_cache=use_cache
    )
    return scan([str(archive)], options)


def _entries(cache: Path) -> list[Path]:
    return sorted(p.parent for p in cache.glob("*/*/" + MANIFEST))


def _largest_parts(cache: Path) -> list[Path]:
    return sorted(cache.glob("*/*/part-*.parquet"), key=lambda p: -p.stat().st_size)


def _swap(a: Path, b: Path) -> None:
    tmp = a.with_name("swap.tmp")
    a.rename(tmp)
    b.rename(a)
    tmp.rename(b)


def _damage_part_same_size(cache: Path) -> None:
    part = _largest_parts(cache)[0]
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF
    part.write_bytes(bytes(data))


def _truncate_part(cache: Path) -> None:
    part = _largest_parts(cache)[0]
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])


def _swap_parts_of_two_entries(cache: Path) -> None:
    first, second = _largest_parts(cache)[:2]
    _swap(first, second)


def _swap_manifests(cache: Path) -> None:
    a, b = _entries(cache)[:2]
    _swap(a / MANIFEST, b / MANIFEST)


def _edit_a_window_result(cache: Path) -> None:
    for path in sorted(cache.glob("windows/*/*.json")):
        data = json.loads(path.read_text())
        windows = data["result"]
        if windows["findings"]:
            windows["findings"][0]["finding"]["count"] += 1000
            path.write_text(json.dumps(data))
            return
    raise AssertionError("no window result with a finding to edit")


def _edit_a_window_result_and_its_checksum(cache: Path) -> None:
    from analyzer.scan.cache import checksum

    for path in sorted(cache.glob("windows/*/*.json")):
        data = json.loads(path.read_text())
        if data["result"]["findings"]:
            data["result"]["findings"][0]["finding"]["count"] += 1000
            data["checksum"] = checksum(data)
            path.write_text(json.dumps(data))
            return


def _swap_two_window_results(cache: Path) -> None:
    results = sorted(cache.glob("windows/*/*.json"))
    _swap(results[0], results[-1])


def _garbage_manifest(cache: Path) -> None:
    (_entries(cache)[0] / MANIFEST).write_text("{not json")


def _empty_window_result(cache: Path) -> None:
    sorted(cache.glob("windows/*/*.json"))[0].write_text("")


def _garbage_window_result(cache: Path) -> None:
    # bytes that are not UTF-8 (bench/fault_inject.py's "garbage" fault found this one)
    sorted(cache.glob("windows/*/*.json"))[0].write_bytes(b"\x93\xdf\x00garbage\xff")


# (damage, whether the cached window results are dropped too): a part is only read when a window is
# analysed again (the rules changed, or the window's result was dropped), and is checked then.
DAMAGE = {
    "a part's bytes flipped, same size": (_damage_part_same_size, True),
    "a part cut in half": (_truncate_part, True),
    "parts of two entries swapped": (_swap_parts_of_two_entries, True),
    "manifests of two entries swapped": (_swap_manifests, False),
    "a manifest that is not JSON": (_garbage_manifest, False),
    "a window result edited": (_edit_a_window_result, False),
    "two window results swapped": (_swap_two_window_results, False),
    "a window result emptied": (_empty_window_result, False),
    "a window result replaced by bytes that are not text": (_garbage_window_result, False),
}


@pytest.mark.parametrize(("damage", "reanalyse"), DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_cache_is_rebuilt_and_the_report_is_the_clean_one(
    archive, clean, tmp_path, damage, reanalyse
):
    cache = tmp_path / "cache"
    assert build_scan_json(run(archive, cache)) == clean
    damage(cache)
    if reanalyse:
        shutil.rmtree(cache / "windows")
    again = run(archive, cache)
    assert build_scan_json(again) == clean
    assert again.stats.cache_notes, "the rebuild is said"
    assert build_scan_json(run(archive, cache)) == clean
    assert not run(archive, cache).stats.cache_notes, "rebuilt for good"


def test_a_window_result_edited_with_a_matching_checksum_is_believed(archive, clean, tmp_path):
    # the checksum guards against accidents (a cut write, a swap, an edit by hand), not against someone
    # who can write the cache folder and recompute it: the folder is private to its user for that
    cache = tmp_path / "cache"
    run(archive, cache)
    _edit_a_window_result_and_its_checksum(cache)
    assert build_scan_json(run(archive, cache)) != clean
    assert (cache.stat().st_mode & 0o777) == 0o700


def test_a_file_copytruncated_between_index_and_parse_is_never_cached_under_its_old_identity(
    archive, tmp_path, monkeypatch
):
    work = tmp_path / "a"
    shutil.copytree(archive, work)
    live = work / "proxy-a" / "access.log"
    lines = live.read_text(encoding="utf-8").splitlines(keepends=True)
    import analyzer.scan.pipeline as pipeline

    real = pipeline.index_archive

    def index_then_rotate(*args, **kwargs):
        index = real(*args, **kwargs)
        # logrotate's copytruncate: copy keeping the mtime, truncate, and the proxy writes on
        shutil.copy2(live, live.with_name("access.log.1"))
        with live.open("r+", encoding="utf-8") as fh:
            fh.truncate(0)
            fh.writelines(lines[-3:])
        return index

    monkeypatch.setattr(pipeline, "index_archive", index_then_rotate)
    cache = tmp_path / "cache"
    run(work, cache)
    monkeypatch.setattr(pipeline, "index_archive", real)
    later = run(work, cache)
    events = {i["path"]: i["events"] for i in build_scan_json(later)["inputs"]}
    fresh = {i["path"]: i["events"] for i in build_scan_json(run(work, tmp_path / "fresh"))["inputs"]}
    assert events == fresh
    assert events["proxy-a/access.log.1"] > 1000 and events["proxy-a/access.log"] == 3


def test_staging_left_by_a_killed_scan_is_cleaned(archive, tmp_path):
    cache = tmp_path / "cache"
    run(archive, cache)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = cache / f".stage-{dead.stdout.strip()}-abcdef01-x1y2"
    stale.mkdir()
    (stale / "part-00000.parquet").write_bytes(b"half a part")
    mine = Cache(cache).staging("0123456789abcdef")
    run(archive, cache)
    assert not stale.exists()
    assert mine.exists(), "a live process's staging is left alone"


def test_workers_end_when_the_scan_is_killed(archive, tmp_path):
    scanner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analyzer",
            "scan",
            str(archive),
            "-j",
            "2",
            "-q",
            "--cache-dir",
            str(tmp_path / "c"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while not workers and time.monotonic() < deadline and scanner.poll() is None:
        time.sleep(0.2)
        workers = [int(p) for p in _children(scanner.pid)]
    if not workers:
        scanner.kill()
        pytest.skip("the scan ended before its workers could be seen")
    os.kill(scanner.pid, signal.SIGKILL)
    scanner.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)]


def _children(pid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return found.stdout.split()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
    return state not in ("Z", "X")


def test_a_full_cache_device_ends_the_scan_with_one_clear_line(archive, tmp_path):
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a small tmpfs")
    device = tmp_path / "full"
    device.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(device)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        with pytest.raises(WsdiagError, match=r"No space left on device|no space left"):
            run(archive, device / "cache")
        from click.testing import CliRunner

        from analyzer.cli import cli

        result = CliRunner().invoke(cli, ["scan", str(archive), "-j", "1", "--cache-dir", str(device / "c2")])
        assert result.exit_code == 2
        assert result.stderr.startswith("wsdiag: error: scan stopped:") and result.stderr.count("\n") == 1
    finally:
        subprocess.run(["umount", str(device)])
