"""Every recorded scenario in sample_logs/: wsdiag names the root cause it was recorded to show, first;
healthy captures (with real-world noise) give nothing at medium or above."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.analysis import analyze

SAMPLES = Path(__file__).parents[1] / "sample_logs"
SCENARIOS = sorted(p for p in SAMPLES.iterdir() if (p / ".scenario.json").is_file())


def meta(folder: Path) -> dict:
    return json.loads((folder / ".scenario.json").read_text())


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_first_finding_is_the_recorded_root_cause(folder):
    expected = meta(folder)["first_rule"]
    result = analyze([str(folder)])
    serious = [f for f in result.findings if f.severity in ("critical", "high", "medium")]
    if expected is None:
        assert serious == [], [(f.rule, f.severity, f.explanation) for f in serious]
        return
    assert result.findings, "no finding at all"
    first = result.findings[0]
    assert first.rule == expected, [(f.rule, f.severity, f.explained_by) for f in result.findings]
    assert first.evidence, "the root cause comes with evidence"
    assert first.explained_by is None


def test_there_are_scenarios_for_most_rules_and_three_healthy_ones():
    firsts = [meta(p)["first_rule"] for p in SCENARIOS]
    assert firsts.count(None) >= 3
    assert len({f for f in firsts if f}) >= 11
