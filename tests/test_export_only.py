"""Columns only ``wsdiag events`` writes (``model.EXPORT_ONLY``): an analysis leaves them null, unless a
rule names them, and concludes the same."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from analyzer.analysis import (
    Analysis,
    AnalyzeOptions,
    analyze,
    analyze_ingested,
    select_rules,
    unread_columns,
)
from analyzer.cli import cli
from analyzer.ingest import load
from analyzer.model import EXPORT_ONLY
from analyzer.rules.schema import Match, Predicate

ROOT = Path(__file__).resolve().parents[1]
#: A recorded capture whose Traefik JSON access log keeps the request headers (the user agent among them).
CAPTURE = ROOT / "sample_logs" / "go-origin-rejected"


def _summary(analysis: Analysis) -> list[tuple[str, int, str, tuple[str, ...]]]:
    return [(f.rule, f.count, f.explanation, tuple(f.connections)) for f in analysis.findings]


def test_an_analysis_leaves_them_null_and_concludes_the_same() -> None:
    options = AnalyzeOptions()
    lean = analyze([str(CAPTURE)], options)
    assert lean.events["user_agent"].null_count() == lean.events.height
    full_read = load([str(CAPTURE)], options.read)
    assert full_read.events["user_agent"].drop_nulls().len() > 0  # the capture has user agents to drop
    full = analyze_ingested(full_read, select_rules(options), options)
    assert _summary(lean) == _summary(full) and lean.findings
    kept = [c for c in lean.events.columns if c not in EXPORT_ONLY]
    assert lean.events.select(kept).equals(full.events.select(kept))
    assert lean.connections.equals(full.connections)


def test_a_rule_naming_one_keeps_it() -> None:
    shipped = select_rules(AnalyzeOptions())
    assert unread_columns(shipped) == EXPORT_ONLY
    mine = replace(
        shipped[0],
        id="old-safari",
        match=Match(kind="single", where=(Predicate(field="user_agent", op="contains", value="Version/12"),)),
    )
    assert "user_agent" not in unread_columns([*shipped, mine])


def test_no_shipped_rule_or_analysis_code_reads_them() -> None:
    """What keeps the list honest: a rule, a correlation step or a report that starts reading one of these
    columns must take it off the list (parsers write them; masking and ``events`` handle every column)."""
    readers = [
        *(ROOT / "patterns").glob("*.toml"),
        *(p for part in ("correlate", "rules", "report", "scan") for p in (ROOT / "analyzer" / part).rglob("*.py")),
        ROOT / "analyzer" / "analysis.py",
    ]  # fmt: skip
    for path in readers:
        text = path.read_text(encoding="utf-8")
        for name in EXPORT_ONLY:
            assert not re.search(rf"\b{name}\b", text), f"{path.relative_to(ROOT)} reads {name}"


def test_events_still_writes_them(tmp_path: Path) -> None:
    out = tmp_path / "events.parquet"
    result = CliRunner().invoke(cli, ["events", "-q", str(CAPTURE), "--format", "parquet", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(out)["user_agent"].drop_nulls().len() > 0
