"""Run a rule's embedded test cases: the same path as a real analysis (correlate, then the rule)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from analyzer.correlate import correlate
from analyzer.ingest import InputInfo
from analyzer.model import SCHEMA, conform
from analyzer.rules.engine import run_rules
from analyzer.timeparse import iso_to_utc

if TYPE_CHECKING:
    from analyzer.rules.schema import Rule, RuleTest


@dataclass
class TestOutcome:
    """The result of one embedded test case."""

    rule: str
    name: str
    expect: str
    passed: bool
    message: str

    @property
    def todo(self) -> bool:
        return self.expect.startswith("todo_")


def events_frame(rows: tuple[dict[str, Any], ...]) -> pl.DataFrame:
    """Build an event table from test rows: times as ISO strings, defaults for file, line and raw."""
    filled = []
    for i, row in enumerate(rows, start=1):
        item = {"file": f"test/{row.get('source', 'proxy')}.log", "line": i, **row}
        item.setdefault("raw", json.dumps(row, sort_keys=True))
        filled.append(item)
    string_schema = dict.fromkeys({k for r in filled for k in r}, pl.String)
    frame = pl.DataFrame(filled, schema=string_schema, strict=False)
    casts = []
    for name in frame.columns:
        dtype = SCHEMA[name]
        if isinstance(dtype, pl.Datetime):
            casts.append(iso_to_utc(pl.col(name)).alias(name))
        elif dtype == pl.Boolean:
            casts.append((pl.col(name).str.to_lowercase() == "true").alias(name))
        else:
            casts.append(pl.col(name).cast(dtype, strict=False))
    return conform(frame.with_columns(casts))


def run_test(rule: Rule, test: RuleTest) -> TestOutcome:
    """Run ``rule`` alone on the test's events and compare with what the test expects."""
    events = events_frame(test.events)
    inputs = [
        InputInfo(str(path), source=str(source), format="test", events=group.height)
        for (path, source), group in events.group_by(["file", "source"], maintain_order=True)
    ]
    correlated = correlate(events, inputs)
    findings = run_rules([rule], correlated.events, correlated.connections).findings
    mine = [f for f in findings if f.rule == rule.id]
    matched = bool(mine)
    want = test.expect.removeprefix("todo_") == "match"
    passed = matched == want
    message = "ok"
    if passed and want and test.keys:
        if not any(all(f.keys.get(k) == v for k, v in test.keys.items()) for f in mine):
            passed = False
            message = f"fired, but no finding has keys {test.keys}: {[f.keys for f in mine]}"
    elif not passed:
        message = (
            f"expected a finding, got none (connections: {correlated.connections.select('conn_id', 'outcome').rows()})"
            if want
            else f"expected no finding, got: {mine[0].explanation}"
        )
    return TestOutcome(rule.id, test.name, test.expect, passed, message)


def run_all(rules: list[Rule]) -> list[TestOutcome]:
    """Every embedded test of every rule."""
    return [run_test(rule, test) for rule in rules for test in rule.tests]
