"""quickmatch answers exactly what ``re.search`` answers, for every pattern the sniffers and layers use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import analyzer.parsers.base as base
from analyzer.ingest.discover import FileRef
from analyzer.ingest.reader import read_file
from analyzer.ingest.shippers import unwrap
from analyzer.parsers import registry
from analyzer.parsers.quickmatch import _alternatives, _needed, matcher

ROOT = Path(__file__).resolve().parent.parent


def _real_lines(per_file: int = 25) -> list[str]:
    """The first lines of every recording in sample_logs/ and every public excerpt in tests/data/corpus/."""
    lines: list[str] = []
    files = sorted((ROOT / "sample_logs").rglob("*")) + sorted((ROOT / "tests/data/corpus").rglob("*.txt"))
    for path in files:
        if not path.is_file() or path.suffix in (".gz", ".har", ".toml", ".md"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        lines.extend(line[: base.SNIFF_CHARS] for line in text.splitlines()[:per_file] if line.strip())
    return lines


def _patterns_in_use(monkeypatch: pytest.MonkeyPatch, lines: list[str]) -> set[str]:
    """Every pattern the sniffers and the wrapper layers search with, on real samples."""
    seen: set[str] = set()

    def recording(quick_pattern: str) -> object:
        seen.add(quick_pattern)
        return matcher(quick_pattern)

    monkeypatch.setattr(base, "matcher", recording)
    sample_files = sorted((ROOT / "sample_logs").rglob("*.log"))[:40]
    for path in sample_files:
        for view in unwrap(read_file(FileRef(path.name, path, path.stem, (0, ""))).lines):
            base.share(view.lines["text"].head(60).to_list(), r"^$")
    for parser in registry().values():
        for start in range(0, len(lines), 60):
            parser.sniff(lines[start : start + 60])
    return {p for p in seen if "[[:" not in p}


def test_same_answer_as_re_search_on_real_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _real_lines()
    assert len(lines) > 2000
    patterns = _patterns_in_use(monkeypatch, lines)
    assert len(patterns) > 50
    compared = 0
    for pattern in sorted(patterns):
        quick = matcher(pattern)
        try:
            compiled = re.compile(pattern)
        except re.error:  # Rust-only syntax: searched by polars, as before
            assert quick is None, pattern
            continue
        assert quick is not None
        compared += 1
        expected = [compiled.search(line) is not None for line in lines]
        got = [quick.count([line]) == 1 for line in lines]
        assert got == expected, pattern
        assert quick.count(lines) == sum(expected), pattern
    assert compared > 50


@pytest.mark.parametrize(
    ("pattern", "line", "found"),
    [
        # a "|" inside a class, escaped, or inside a group is not an alternative
        (r"a[|]b|zz", "a|b", True),
        (r"a\|b|zz", "a|b", True),
        (r"a\|b|zz", "ab", False),
        (r"x(?:a|b)y|zz", "xby", True),
        (r"[]|]q|zz", "|q", True),
        (r"[^]|]q|zz", "|q", False),
        # anchored alternatives stay anchored, loose ones are searched anywhere
        (r"^abc|def", "xxabc", False),
        (r"^abc|def", "xxdef", True),
        # a needed string may come from a group; case-insensitive parts have none
        (r"\b(?:WARNING|CRITICAL)\b|packet \d", "a CRITICAL b", True),
        (r"\b(?:WARNING|CRITICAL)\b|packet \d", "a CRITICALx b", False),
        (r"(?i:warning) x|zz", "WARNING x", True),
        (r"(?i)warning", "WARNING", True),
        # back-references and conditionals keep the pattern whole
        (r"(a)\1|zz", "aa", True),
        (r"(?P<q>['\"]).*(?P=q)|zz", "'x'", True),
        # repeats with a minimum carry their literal; optional ones do not
        (r"(?:ab)+c|zz", "ababc", True),
        (r"(?:ab)?c|zz", "c", True),
    ],
)
def test_same_answer_on_tricky_shapes(pattern: str, line: str, found: bool) -> None:
    quick = matcher(pattern)
    assert quick is not None
    assert (re.search(pattern, line) is not None) is found
    assert (quick.count([line]) == 1) is found


def test_alternatives_and_needed_strings() -> None:
    assert _alternatives(r"^a(?:b|c)|[|]x|y\|z") == [r"^a(?:b|c)", r"[|]x", r"y\|z"]
    assert _needed(re.compile(r"[\w-]{16,}: (?:Sending|Received) packet [A-Z]+ data ")) == (" packet ",)
    assert set(_needed(re.compile(r"\b(?:WARNING|CRITICAL)\b"))) == {"WARNING", "CRITICAL"}
    assert _needed(re.compile(r"(?i:abc)")) == ()
    assert _needed(re.compile(r"x?")) == ()


def test_not_a_python_regex() -> None:
    assert matcher(r"a(?<=b") is None
