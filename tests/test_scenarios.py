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


def test_recorded_clock_skews_are_recovered():
    """healthy-deploy-noise was recorded with the console exports rendered 7 s behind the real clock (and
    the backend 2 s ahead): the offsets wsdiag reports undo them."""
    result = analyze([str(SAMPLES / "healthy-deploy-noise")])
    offsets = {i.path: i.clock_offset_ms for i in result.inputs if i.format == "chrome-console"}
    assert offsets and all(o == pytest.approx(7000, abs=150) for o in offsets.values()), offsets
    har = next(i for i in result.inputs if i.format == "har")
    assert har.clock_offset_ms == pytest.approx(0, abs=150)
    backend = [i for i in result.inputs if i.path.startswith("backend/chat") and i.format]
    for info in backend:
        assert info.clock_offset_ms == pytest.approx(-2000, abs=150), info
