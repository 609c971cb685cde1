"""A short, fixed-seed run of the fuzz campaign (bench/fuzz.py runs the long one on demand)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))

import fuzz


def test_analyze_survives_hostile_and_broken_inputs(tmp_path):
    tried, crashes = fuzz.campaign(inputs=25, minutes=None, seed=20261125, crashes=tmp_path)
    assert tried == 25
    assert crashes == 0, sorted(p.name for p in tmp_path.iterdir())
