"""Hostile shapes cost what ordinary ones cost: wide JSON, deep JSON, huge integers, gzip bombs in many
members, and more input than one analysis holds.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import polars as pl

from analyzer.ingest import load
from analyzer.ingest.discover import FileRef
from analyzer.ingest.reader import ReadBudget, read_file
from analyzer.jsonutil import OK, loads, read_json_objects

DATA = Path(__file__).parent / "data"


def _pino(n: int, extra: dict[str, object]) -> str:
    # pino's own shape (level, time, pid, hostname, msg: https://getpino.io/#/docs/api?id=logger)
    return json.dumps(
        {
            "level": 30,
            "time": 1795644005000 + n,
            "pid": 7,
            "hostname": "api-1",
            "msg": "request completed",
            **extra,
        }
    )


def test_fifty_lines_of_ten_thousand_distinct_keys_are_read_like_ordinary_lines(tmp_path):
    lines = [_pino(n, {f"k{n}_{j}": j for j in range(10_000)}) for n in range(50)]
    (tmp_path / "wide.log").write_text("\n".join(lines), encoding="utf-8")
    start = time.perf_counter()
    result = load([str(tmp_path)])
    assert time.perf_counter() - start < 20  # 41 s and 5.5 GB when every key became a column
    assert [(i.format, i.events) for i in result.inputs] == [("pino", 50)]


def test_only_the_keys_asked_for_are_decoded_in_both_paths():
    texts = pl.Series([_pino(0, {"a": 1, "b": {"c": 2}}), '{"msg": "x", "b": 5}', "not json"])
    frame = read_json_objects(texts, schema={"msg": pl.String, "b": pl.String})
    assert frame.columns == ["msg", "b", OK]
    assert frame["b"].to_list()[1] == "5" and frame[OK].to_list() == [True, True, False]
    # the same lines decoded one by one (a block polars refuses goes that way) give the same columns
    broken = pl.Series([*texts.to_list(), '{"msg": "y", "b": ' + "9" * 5000 + "}"])
    slow = read_json_objects(broken, schema={"msg": pl.String, "b": pl.String})
    assert slow.columns == ["msg", "b", OK] and slow[OK].to_list() == [True, True, False, True]


def test_a_huge_integer_keeps_its_pino_line_and_deep_nesting_costs_only_its_own(tmp_path):
    lines = [
        _pino(0, {"n": 0}).replace('"n": 0', '"n": ' + "9" * 5000),
        _pino(1, {"deep": "x"}).replace('"x"', "[" * 3000 + "]" * 3000),
    ]
    (tmp_path / "app.log").write_text("\n".join(lines), encoding="utf-8")
    result = load([str(tmp_path)])
    # nested past what Python's decoder reads, a line is no pino record: it is kept as a plain line of the
    # Node stream, or reported unparsed; the other line and the file are read as usual
    (info,) = result.inputs
    assert info.format == "pino" and info.events + info.unparsed_lines == 2
    first = result.events.filter(pl.col("line") == 1)
    assert first["message"].to_list() == ["request completed"]


def test_loads_survives_what_the_standard_library_refuses():
    assert loads("[" + "9" * 5000 + "]")[0] == float("inf")
    try:
        loads("[" * 100_000 + "]" * 100_000)
    except ValueError as exc:
        assert "nests too deeply" in str(exc)


def _har_with(tmp_path: Path, change) -> tuple[int, int]:
    """Events of the Chrome DevTools HAR as recorded, and after ``change`` (its entries, as parsed JSON)."""
    source = DATA / "browser" / "chrome-devtools.har"
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "s.har").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    clean = load([str(tmp_path / "clean")]).inputs[0].events
    doc = json.loads(source.read_text(encoding="utf-8"))
    text = change(doc)
    (tmp_path / "changed").mkdir()
    (tmp_path / "changed" / "s.har").write_text(text, encoding="utf-8")
    info = load([str(tmp_path / "changed")]).inputs[0]
    assert info.error is None, info.error
    return clean, info.events


def test_a_deeply_nested_frame_costs_its_frame_not_the_har(tmp_path):
    def nest(doc):
        socket = next(e for e in doc["log"]["entries"] if e.get("_webSocketMessages"))
        socket["_webSocketMessages"].append(
            {
                "type": "receive",
                "time": socket["_webSocketMessages"][-1]["time"],
                "opcode": 1,
                "data": "42" + "[" * 5000 + "]" * 5000,
            }
        )
        return json.dumps(doc, indent=2)

    clean, changed = _har_with(tmp_path, nest)
    assert changed >= clean


def test_a_four_thousand_three_hundred_digit_integer_does_not_drop_the_har(tmp_path):
    def huge(doc):
        doc["log"]["entries"][0]["_huge"] = 0
        return json.dumps(doc, indent=2).replace('"_huge": 0', '"_huge": ' + "9" * 4300, 1)

    clean, changed = _har_with(tmp_path, huge)
    assert changed == clean


def test_an_entry_nested_too_deeply_for_python_costs_that_entry(tmp_path):
    def deep(doc):
        doc["log"]["entries"][0]["_deep"] = 0
        return json.dumps(doc, indent=2).replace('"_deep": 0', '"_deep": ' + "[" * 3000 + "]" * 3000, 1)

    clean, changed = _har_with(tmp_path, deep)
    assert 0 < changed <= clean


def test_the_decompression_limits_count_every_gzip_member(tmp_path):
    member = gzip.compress(b"GET / 200\n" * 100_000)  # 1 MB of text in about 2 KB
    path = tmp_path / "many.log.gz"
    path.write_bytes(member * 80)
    ref = FileRef("many.log.gz", path, "many", (0, ""))
    capped = read_file(ref, max_bytes=10 * 1024**2)
    assert capped.lines.height == 10 * 1024**2 // 10
    assert capped.notes == [
        f"decompresses to more than {10 * 1024**2} bytes: only the first {10 * 1024**2} were read"
    ]
    line = gzip.compress(b"x" * (1024**2 - 1) + b"\n")  # 1 MiB in about 1 KB: a bomb, not a log
    path.write_bytes(line * 100)
    bomb = read_file(ref)
    assert any("decompression bomb" in n for n in bomb.notes)
    assert bomb.lines.height < 100


def test_one_analysis_holds_at_most_its_budget_and_says_what_it_left_out(tmp_path):
    for name in ("a.log", "b.log", "c.log"):
        (tmp_path / name).write_text("x\n" * 1000, encoding="utf-8")
    budget = ReadBudget(left=3000, total=3000)
    first = read_file(FileRef("a.log", tmp_path / "a.log", "a", (0, "")), budget=budget)
    second = read_file(FileRef("b.log", tmp_path / "b.log", "b", (0, "")), budget=budget)
    assert first.lines.height == 1000 and second.lines.height == 500
    assert second.notes and "one analysis holds" in second.notes[0]
    try:
        read_file(FileRef("c.log", tmp_path / "c.log", "c", (0, "")), budget=budget)
    except Exception as exc:
        from analyzer.errors import UnreadableError

        assert isinstance(exc, UnreadableError) and "WSDIAG_MAX_TOTAL_BYTES" in str(exc)
    else:
        raise AssertionError("a file past the budget was read")
