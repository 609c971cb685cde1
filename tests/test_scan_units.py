"""Units of the scan: block-wise parsing, window planning and batching, merging windows into incidents."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import polars as pl
import pytest
from scan_archive import make_archive

from analyzer.findings import Finding
from analyzer.ingest import ReadOptions
from analyzer.ingest.discover import discover
from analyzer.ingest.reader import read_blocks, read_file
from analyzer.scan.cache import Cache
from analyzer.scan.incidents import merge_incidents
from analyzer.scan.index import index_archive
from analyzer.scan.pipeline import batches, parse_work
from analyzer.scan.plan import PlannedPart, plan_windows, window_index
from analyzer.scan.worker import (
    ParseBatch,
    ParseTask,
    PartRef,
    WindowFinding,
    WindowResult,
    WindowTask,
    parse_file,
    parse_files,
)

if TYPE_CHECKING:
    from pathlib import Path

T0 = datetime(2026, 10, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_archive(tmp_path_factory.mktemp("archive"), lines=6000)


def test_blocks_number_lines_as_the_whole_file_does(archive: Path) -> None:
    ref = discover([str(archive / "proxy-a" / "access.log.1.gz")]).files[0]
    whole = read_file(ref).lines
    notes: list[str] = []
    blocks = list(read_blocks(ref, notes, block_bytes=50_000))
    assert len(blocks) > 3
    assert pl.concat([b.lines for b in blocks]).equals(whole)
    assert notes == []


def test_truncated_gzip_in_blocks_keeps_what_came_before(tmp_path: Path) -> None:
    data = gzip.compress(b"".join(b"line %d\n" % i for i in range(20000)))
    path = tmp_path / "cut.log.gz"
    path.write_bytes(data[: len(data) // 2])
    notes: list[str] = []
    blocks = list(read_blocks(discover([str(path)]).files[0], notes, block_bytes=10_000))
    assert sum(b.lines.height for b in blocks) > 1000
    assert any("truncated" in n for n in notes)


def _events(cache: Path, manifest: object) -> pl.DataFrame:
    folder = Cache(cache).entry_dir(manifest.key)  # type: ignore[attr-defined]
    parts = [pl.read_parquet(folder / p.name) for p in manifest.parts]  # type: ignore[attr-defined]
    return pl.concat(parts).sort("line")


def test_file_parsed_in_small_blocks_gives_the_same_events(archive: Path, tmp_path: Path) -> None:
    index = index_archive(
        [str(archive / "proxy-b" / "access.log.1.gz")], ReadOptions(), Cache(tmp_path / "x")
    )
    (entry,) = index.files
    whole = parse_file(ParseTask(entry, ReadOptions(), str(tmp_path / "a")))
    small = parse_file(ParseTask(entry, ReadOptions(), str(tmp_path / "b"), block_bytes=40_000))
    assert len(small.parts) > 3 and len(whole.parts) == 1
    assert small.lines == whole.lines
    (a,), (b,) = whole.inputs, small.inputs
    assert (b.events, b.unparsed_lines, b.first_ts, b.last_ts, b.format) == (
        a.events, a.unparsed_lines, a.first_ts, a.last_ts, a.format,
    )  # fmt: skip
    assert _events(tmp_path / "b", small).equals(_events(tmp_path / "a", whole))


def test_small_files_parsed_in_a_batch_give_each_file_its_own_entry(tmp_path: Path) -> None:
    """Many small files are parsed together (one parser call per format), yet each gets the cache entry
    that parsing it alone writes: same key, inputs, parts and events — whatever its neighbours."""
    from pathlib import Path

    from tests.conftest import sample_pieces

    folder = tmp_path / "logs"
    folder.mkdir()
    sample_pieces(folder, proxies=3, backend_step=4, size=6, upto=24)
    (folder / "junk.log").write_bytes(b"nothing any parser reads\n")
    (folder / "empty.log").write_bytes(b"")
    (folder / "gone.log").write_text("x\n")
    index = index_archive([str(folder)], ReadOptions(), Cache(tmp_path / "x"))
    assert all(f.format is None for f in index.files)  # small files are not sniffed by the index
    (folder / "gone.log").unlink()  # vanishes between index and parse: an error entry, the rest goes on
    tasks = [ParseTask(f, ReadOptions(), str(tmp_path / "together")) for f in index.files]
    work = parse_work(tasks, workers=2)
    assert len(work) == 4 and all(isinstance(w, ParseBatch) for w in work)
    together = {m.indexed_key: m for w in work for m in parse_files(w)}
    for f in index.files:
        alone = parse_file(ParseTask(f, ReadOptions(), str(tmp_path / "alone")))
        batched = together[f.key]
        assert (batched.key, batched.lines, batched.undated) == (alone.key, alone.lines, alone.undated), (
            f.display
        )
        assert [
            (i.format, i.events, i.unparsed_lines, i.first_ts, i.error, i.notes) for i in batched.inputs
        ] == [(i.format, i.events, i.unparsed_lines, i.first_ts, i.error, i.notes) for i in alone.inputs], (
            f.display
        )
        assert [(p.rows, p.min_ts, p.max_ts) for p in batched.parts] == [
            (p.rows, p.min_ts, p.max_ts) for p in alone.parts
        ], f.display
        if alone.parts:
            assert _events(tmp_path / "together", batched).equals(_events(tmp_path / "alone", alone))
    formats = {i.format for m in together.values() for i in m.inputs}
    assert {"traefik-clf", "debug-module"} <= formats
    errors = {
        Path(m.display).name: m.inputs[0].error for m in together.values() if m.inputs and m.inputs[0].error
    }
    assert "gone.log" in errors and "junk.log" in errors


def test_windows_are_aligned_on_their_size() -> None:
    ts = datetime(2026, 10, 1, 10, 59, 59, tzinfo=UTC)
    assert window_index(ts, HOUR) + 1 == window_index(ts + timedelta(seconds=1), HOUR)
    part = PlannedPart(PartRef("p", "f", 0), T0 + timedelta(minutes=30), T0 + timedelta(hours=2, minutes=1))
    windows = plan_windows([part], HOUR)
    assert [w.start for w in windows] == [T0, T0 + HOUR, T0 + 2 * HOUR]
    assert plan_windows([part], HOUR, since=T0 + HOUR, until=T0 + HOUR) == windows[1:2]


def test_batches_hold_consecutive_windows_only() -> None:
    def task(i: int) -> WindowTask:
        return WindowTask(i, T0 + i * HOUR, T0 + (i + 1) * HOUR, timedelta(minutes=5), HOUR, (), None)  # type: ignore[arg-type]

    tasks = [task(i) for i in (0, 1, 2, 3, 10, 11)]
    runs = [[t.index for t in b.windows] for b in batches(tasks, HOUR, workers=1)]
    assert runs == [[0, 1, 2], [3], [10, 11]]
    assert sum(len(r) for r in runs) == len(tasks)
    busy = [[t.index for t in b.windows] for b in batches(tasks, HOUR, workers=1, rows_per_window=100_000)]
    assert busy == [[0, 1], [2, 3], [10, 11]]  # about 250,000 rows per batch


def _window(i: int, *findings: Finding) -> WindowResult:
    result = WindowResult(i, T0 + i * HOUR, T0 + (i + 1) * HOUR, events=10)
    result.findings = [WindowFinding(f, clients=[f"10.0.0.{i}"], sources=["a.log"]) for f in findings]
    return result


def _finding(rule: str, i: int, *, count: int = 3, explained_by: str | None = None, **keys: str) -> Finding:
    start = T0 + i * HOUR + timedelta(minutes=10)
    return Finding(
        rule, rule, "critical", count, "e", "r", start, start + timedelta(minutes=20), dict(keys),
        explained_by=explained_by,
    )  # fmt: skip


def test_consecutive_windows_merge_and_a_gap_splits() -> None:
    results = [
        _window(0, _finding("backend-unreachable", 0, router="a")),
        _window(
            1,
            _finding("backend-unreachable", 1, router="b"),
            _finding("reconnect-storm", 1, explained_by="x"),
        ),
        _window(3, _finding("backend-unreachable", 3, router="a")),
    ]
    first, second = merge_incidents(results)
    assert (first.windows, first.count, first.start, first.end) == (
        2, 6, T0 + timedelta(minutes=10), T0 + HOUR + timedelta(minutes=30),
    )  # fmt: skip
    assert first.keys == {"router": "a, b"}
    assert first.clients_total == 2
    assert (second.window_start, second.windows) == (T0 + 3 * HOUR, 1)


def test_two_findings_of_one_rule_in_one_window_are_one_incident() -> None:
    results = [
        _window(
            0, _finding("backend-unreachable", 0, router="a"), _finding("backend-unreachable", 0, count=5)
        )
    ]
    (incident,) = merge_incidents(results)
    assert (incident.windows, incident.count) == (1, 8)
    assert incident.finding is not None and incident.finding.count == 8


def test_an_effect_at_the_edge_of_its_cause_is_folded_into_it() -> None:
    """The tail of a misrouting spills past the hour: too few rows for its own rule, enough for an effect."""
    results = [
        _window(0, _finding("handshake-wrong-router", 0)),
        _window(1, _finding("router-priority-conflict", 1, count=1)),
        _window(5, _finding("router-priority-conflict", 5, count=1)),
    ]
    explains = {"handshake-wrong-router": ("router-priority-conflict",)}
    cause, far = merge_incidents(results, explains)
    assert (cause.rule, cause.explains) == ("handshake-wrong-router", ["router-priority-conflict"])
    assert far.rule == "router-priority-conflict"  # five windows away: its own incident
    assert len(merge_incidents(results)) == 3


def test_a_file_gone_between_index_and_parse_is_reported_not_fatal(tmp_path: Path) -> None:
    """logrotate may remove a file while the scan runs."""
    log = tmp_path / "access.log"
    log.write_text(
        '10.0.0.1 - - [01/Oct/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "UA" 1 "web@docker" "http://a" 1ms\n',
        encoding="utf-8",
    )
    (entry,) = index_archive([str(log)], ReadOptions(), Cache(tmp_path / "cache")).files
    log.unlink()
    manifest = parse_file(ParseTask(entry, ReadOptions(), str(tmp_path / "cache")))
    (info,) = manifest.inputs
    assert info.error is not None and "no such file" in info.error.lower()
    assert manifest.parts == []
