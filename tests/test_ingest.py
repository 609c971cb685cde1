"""Reading inputs: folders, rotation, compression, shipper prefixes, and bad input that must not stop a run."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
from pathlib import Path

import polars as pl
import pytest
import zstandard

from analyzer.ingest import ReadOptions, load
from analyzer.ingest.discover import rotation_key
from analyzer.ingest.reader import split_lines
from tests.conftest import read_text

CLF = (
    '10.0.0.{n} - - [25/Nov/2026:10:00:{s:02d} +0000] "GET /socket.io/?EIO=4&transport=polling&t=P{n} HTTP/1.1"'
    ' 200 118 "-" "-" {n} "chat-ws@docker" "http://172.18.0.3:3000" 2ms'
)


def clf(n: int, s: int = 0) -> str:
    return CLF.format(n=n, s=s)


def clf_text(*numbers: int) -> str:
    return "".join(clf(n, n % 60) + "\n" for n in numbers)


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [
        (".gz", gzip.compress),
        (".bz2", bz2.compress),
        (".xz", lzma.compress),
        (".zst", lambda b: zstandard.ZstdCompressor().compress(b)),
    ],
    ids=["gzip", "bzip2", "xz", "zstd"],
)
def test_compressed_files_are_read_transparently(tmp_path, suffix, compress):
    events, info = read_text(tmp_path, compress(clf_text(1, 2, 3).encode()), name="access.log.2" + suffix)
    assert (info.format, events.height, info.unparsed_lines) == ("traefik-clf", 3, 0)
    assert info.compression is not None


def test_compression_is_detected_by_content_not_name(tmp_path):
    events, info = read_text(tmp_path, gzip.compress(clf_text(1).encode()), name="access.log")
    assert events.height == 1 and info.compression == "gzip"


def test_concatenated_gzip_members(tmp_path):
    data = gzip.compress(clf_text(1, 2).encode()) + gzip.compress(clf_text(3).encode())
    events, _ = read_text(tmp_path, data, name="a.log.gz")
    assert events.height == 3


def test_truncated_gzip_keeps_what_came_before_and_says_so(tmp_path):
    body = clf_text(*range(1, 2001)).encode()
    data = gzip.compress(body)
    events, info = read_text(tmp_path, data[: len(data) // 2], name="a.log.gz")
    assert 0 < events.height < 2000
    assert any("truncated" in n for n in info.notes)


def test_decompression_bomb_is_capped(tmp_path, monkeypatch):
    from analyzer.ingest import reader

    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 100_000)
    data = gzip.compress(clf_text(*range(1, 5000)).encode())
    events, info = read_text(tmp_path, data, name="bomb.log.gz")
    assert events.height < 5000
    assert any("more than 100000 bytes" in n for n in info.notes)


def test_rotated_siblings_are_read_oldest_first(tmp_path):
    (tmp_path / "access.log").write_text(clf_text(3))
    (tmp_path / "access.log.1").write_text(clf_text(2))
    (tmp_path / "access.log.2.gz").write_bytes(gzip.compress(clf_text(1).encode()))
    result = load([str(tmp_path)])
    assert [Path(i.path).name for i in result.inputs] == ["access.log.2.gz", "access.log.1", "access.log"]


@pytest.mark.parametrize(
    ("name", "group", "older_than_live"),
    [
        ("access.log.1", "access.log", True),
        ("access.log.12.gz", "access.log", True),
        ("access.log-20240101.gz", "access.log", True),
        ("access.log", "access.log", False),
    ],
)
def test_rotation_key(name, group, older_than_live):
    got_group, order = rotation_key(name)
    assert got_group == group
    assert (order < rotation_key("access.log")[1]) is older_than_live


def test_hidden_files_and_editor_backups_are_skipped_in_folders(tmp_path):
    (tmp_path / "access.log").write_text(clf_text(1))
    (tmp_path / ".access.log.swp").write_text("junk")
    (tmp_path / "access.log~").write_text("junk")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.log").write_text("junk")
    (tmp_path / "README.md").write_text("# notes")
    result = load([str(tmp_path)])
    assert [Path(i.path).name for i in result.inputs] == ["access.log"]


def test_symlink_loop_in_folder_terminates(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "access.log").write_text(clf_text(1))
    (tmp_path / "logs" / "loop").symlink_to(tmp_path / "logs")
    result = load([str(tmp_path / "logs")])
    assert result.events.height == 1


def test_docker_compose_prefix_with_several_services_is_split(tmp_path):
    text = (
        "Attaching to traefik-1, web-1\n"
        + "".join(f"traefik-1  | {clf(n)}\n" for n in (1, 2))
        + "web-1      | GET / 200\n"
        + f"traefik-1  | \x1b[36m{clf(3)}\x1b[0m\n"
    )
    path = tmp_path / "compose.log"
    path.write_text(text)
    result = load([str(path)])
    traefik = next(i for i in result.inputs if i.stream == "traefik-1")
    assert (traefik.format, traefik.events) == ("traefik-clf", 3)
    assert "compose" in traefik.wrappers
    assert result.events.filter(result.events["format"] == "traefik-clf")["line"].to_list() == [2, 3, 5]


def test_docker_logs_timestamps_are_unwrapped(tmp_path):
    text = "".join(f"2026-11-25T10:00:0{n}.123456789Z {clf(n)}\n" for n in (1, 2))
    events, info = read_text(tmp_path, text)
    assert (info.format, events.height, info.unparsed_lines) == ("traefik-clf", 2, 0)
    assert info.wrappers == ["timestamps"]


def test_docker_json_file_driver(tmp_path):
    rows = [{"log": clf(n) + "\n", "stream": "stdout", "time": f"2026-11-25T10:00:0{n}.5Z"} for n in (1, 2)]
    # a long line split by the driver into partial records joins back into one
    half = len(clf(3)) // 2
    rows += [
        {"log": clf(3)[:half], "stream": "stdout", "time": "2026-11-25T10:00:03Z"},
        {"log": clf(3)[half:] + "\n", "stream": "stdout", "time": "2026-11-25T10:00:03Z"},
    ]
    events, info = read_text(tmp_path, "".join(json.dumps(r) + "\n" for r in rows))
    assert (info.format, events.height, info.unparsed_lines) == ("traefik-clf", 3, 0)
    assert "docker-json-file" in info.wrappers


def test_kubectl_prefix_and_timestamps(tmp_path):
    text = "".join(f"[pod/traefik-7d9f/traefik] 2026-11-25T10:00:0{n}.123Z {clf(n)}\n" for n in (1, 2))
    events, info = read_text(tmp_path, text)
    assert (info.format, events.height) == ("traefik-clf", 2)
    assert info.wrappers == ["kubectl-prefix", "timestamps"]


def test_swarm_service_prefix(tmp_path):
    text = "".join(f"proxy_traefik.1.k3x9q2m1z0@node-1    | {clf(n)}\n" for n in (1, 2))
    events, info = read_text(tmp_path, text)
    assert (info.format, events.height) == ("traefik-clf", 2)


def test_crlf_bom_and_ansi_are_stripped(tmp_path):
    text = "\ufeff" + clf(1) + "\r\n\x1b[32m" + clf(2) + "\x1b[0m\r\n"
    events, info = read_text(tmp_path, text)
    assert (events.height, info.unparsed_lines) == (2, 0)
    assert not events["raw"].str.contains("\r", literal=True).any()


def test_latin1_lines_are_decoded_and_noted(tmp_path):
    data = clf_text(1).encode() + clf(2).replace("GET /socket.io/", "GET /caf\xe9/").encode("latin-1") + b"\n"
    events, info = read_text(tmp_path, data)
    assert events.height == 2
    assert "/café/" in events["path"].to_list()
    assert any("not UTF-8" in n for n in info.notes)


def test_huge_line_is_cut_and_reported(tmp_path, monkeypatch):
    from analyzer.ingest import reader

    monkeypatch.setattr(reader, "MAX_LINE_CHARS", 1000)
    events, info = read_text(tmp_path, clf_text(1) + "x" * 5000 + "\n" + clf_text(2))
    assert events.height == 2
    assert info.unparsed_examples == [2]
    assert any("longer than 1000" in n for n in info.notes)


def test_binary_file_is_skipped_with_reason(tmp_path):
    (tmp_path / "image.bin").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "access.log").write_text(clf_text(1))
    result = load([str(tmp_path)])
    errors = {Path(i.path).name: i.error for i in result.inputs}
    assert errors == {"access.log": None, "image.bin": "binary data, not a text log"}
    assert result.events.height == 1


def test_unknown_format_is_reported_not_guessed(tmp_path):
    (tmp_path / "notes.txt").write_text("shopping list\nmilk\neggs\n")
    result = load([str(tmp_path / "notes.txt")])
    assert result.inputs[0].error == "unknown format"
    assert result.inputs[0].first_line == "shopping list"
    assert not result.anything_read


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without permission")
def test_unreadable_file(tmp_path):
    path = tmp_path / "access.log"
    path.write_text(clf_text(1))
    path.chmod(0)
    result = load([str(path)])
    assert result.inputs[0].error == "permission denied"


def test_missing_path_and_empty_file(tmp_path):
    (tmp_path / "empty.log").write_text("")
    result = load([str(tmp_path / "nope.log"), str(tmp_path / "empty.log")])
    assert [i.error for i in result.inputs] == ["no such file or directory", "empty file"]


def test_forced_format_overrides_sniffing(tmp_path):
    path = tmp_path / "odd.log"
    path.write_text(clf_text(1) + "garbage\n" * 10)
    forced = load([str(path)], ReadOptions(forced=(("traefik-clf", str(path)),)))
    assert forced.inputs[0].format == "traefik-clf"
    assert forced.inputs[0].unparsed_lines == 10


def test_split_lines_numbers_blank_lines():
    notes: list[str] = []
    frame = split_lines(b"a\n\nb\r\n", notes)
    assert frame.rows() == [(1, "a"), (2, ""), (3, "b")]


def test_decompression_bomb_ratio_stops_early(tmp_path, monkeypatch):
    from analyzer.ingest import reader

    monkeypatch.setattr(reader, "BOMB_MIN_BYTES", 1024 * 1024)
    monkeypatch.setattr(reader, "_INFLATE_STEP", 256 * 1024)
    data = gzip.compress(b"x" * (40 * 1024 * 1024))  # 40 MiB of one byte: ~1000:1
    _, info = read_text(tmp_path, data, name="bomb.log.gz")
    assert any("decompression bomb" in n for n in info.notes)


def test_file_vanishing_between_discovery_and_read(tmp_path, monkeypatch):
    import analyzer.ingest as ingest_module

    (tmp_path / "a.log").write_text(clf_text(1))
    (tmp_path / "b.log").write_text(clf_text(2))
    real = ingest_module.discover

    def discover_then_delete(paths, **options):
        found = real(paths, **options)
        (tmp_path / "b.log").unlink()
        return found

    monkeypatch.setattr("analyzer.ingest.discover", discover_then_delete)
    result = load([str(tmp_path)])
    errors = {Path(i.path).name: i.error for i in result.inputs}
    assert errors == {"a.log": None, "b.log": "no such file or directory (it vanished after it was listed)"}
    assert [i.unread for i in result.inputs] == [False, True]


def test_many_small_files_read_together_give_what_each_gives_alone(tmp_path):
    """Small access logs wait and are parsed in one pass (polars' fixed cost per call dominates on small
    files); the events, their files and line numbers, and the inputs are those of reading each alone."""
    import shutil

    sources = [Path("sample_logs/traefik-priority-conflict/traefik/access.log")]
    sources += sorted(Path("sample_logs").glob("*/traefik/access.log"))[:6]
    # backend logs of every runtime, cut anywhere: pieces that start inside a stack trace, lines without
    # a time of their own (read alone again), learned Python layouts
    sources += sorted(Path("sample_logs").glob("*/backend/*.log"))[::3]
    for n, source in enumerate(sources):
        lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
        for i in range(0, min(len(lines), 40), 4):
            (tmp_path / f"s{n}-{i}.log").write_text("".join(lines[i : i + 4]) + "junk that no parser reads\n")
    shutil.copy(sources[0], tmp_path / "whole.log")  # a file too large to wait is read as usual
    together = load([str(tmp_path)])
    alone = [load([str(p)]) for p in sorted(tmp_path.iterdir())]
    name = pl.col("file").str.split("/").list.last()  # shown relative to the folder, or as given
    key = ["file", "line"]
    expected = pl.concat([a.events for a in alone]).with_columns(name).sort(key)
    assert together.events.with_columns(name).sort(key).equals(expected)

    def described(inputs):
        return {
            (Path(i.path).name, i.format, i.events, i.unparsed_lines, tuple(i.unparsed_examples))
            for i in inputs
        }

    assert described(together.inputs) == described(i for a in alone for i in a.inputs)
    assert {"traefik-clf", "traefik-json", "debug-module", "python-logging"} <= {
        i.format for i in together.inputs
    }


def test_many_small_files_read_by_several_processes_give_what_one_reads(tmp_path, monkeypatch):
    """Thousands of small files are read by one process per core, in runs of files that keep rotation
    groups whole: events, their order, and the inputs (with their notes) are those of one process."""
    import analyzer.ingest as ingest_module
    from tests.conftest import sample_pieces

    sample_pieces(tmp_path, proxies=4, backend_step=5, size=5, upto=30)
    first = sorted(Path("sample_logs").glob("*/traefik/access.log"))[0]
    rotated = first.read_text(encoding="utf-8").splitlines(keepends=True)
    for i in range(3):  # a rotation group: read by one process, the rotated files with their sibling's format
        (tmp_path / ("zz.log" + (f".{i}" if i else ""))).write_text("".join(rotated[i * 3 : i * 3 + 3]))
    (tmp_path / "junk.log").write_text("nothing a parser reads\n")
    monkeypatch.setattr(ingest_module, "PARALLEL_FILES", 10**9)
    one = load([str(tmp_path)])
    monkeypatch.setattr(ingest_module, "PARALLEL_FILES", 10)
    monkeypatch.setattr(ingest_module.os, "cpu_count", lambda: 2)
    several = load([str(tmp_path)])
    assert len(list(tmp_path.iterdir())) > 40
    assert several.events.equals(one.events)

    def described(inputs):
        return [
            (i.path, i.format, i.events, i.unparsed_lines, i.first_ts, i.last_ts, i.notes) for i in inputs
        ]

    assert described(several.inputs) == described(one.inputs)
    assert {"traefik-clf", "traefik-json"} <= {i.format for i in several.inputs}


def test_the_event_table_is_cut_alike_in_every_column():
    """polars copies a frame whose columns are cut into pieces of different lengths before every query on
    it; a folder of several formats (columns all null in some files) and a large file split by the CSV
    reader must come out with every column cut alike."""
    scenario = Path(__file__).parent.parent / "sample_logs" / "traefik-priority-conflict"
    assert is_aligned(load([str(scenario)], ReadOptions()).events)
    lines = split_lines(
        b"".join(b'10.0.0.%d - - [x] "GET / HTTP/1.1" 200 1\n' % (i % 250) for i in range(300_000)), []
    )
    assert is_aligned(lines)


def is_aligned(frame: pl.DataFrame) -> bool:
    """Whether every column of ``frame`` is cut into pieces of the same lengths."""
    return len({tuple(len(piece) for piece in column.get_chunks()) for column in frame.get_columns()}) <= 1
