"""Golden reports of two recorded scenarios (regenerate: WSDIAG_UPDATE_GOLDEN=1).

The verdict at 80 columns (what a new user sees first), the evidence view (-v) at 120 columns, and the
Markdown a ticket gets. A change to any of them shows up here as a diff to review.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.analysis import analyze
from analyzer.report.markdown import render_markdown
from analyzer.report.output import plain_text
from analyzer.report.text import render_text

ROOT = Path(__file__).parents[1]
GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = ["traefik-priority-conflict", "upgrade-headers-stripped"]


def rendered(scenario: str) -> dict[str, str]:
    analysis = analyze([str(ROOT / "sample_logs" / scenario)])
    return {
        "txt": plain_text(lambda console: render_text(analysis, console), 80),
        "v.txt": plain_text(lambda console: render_text(analysis, console, verbosity=1), 120),
        "md": render_markdown(analysis),
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_reports_match_golden_files(scenario):
    for suffix, text in rendered(scenario).items():
        golden = GOLDEN / f"{scenario}.{suffix}"
        if os.environ.get("WSDIAG_UPDATE_GOLDEN"):
            golden.write_text(text, encoding="utf-8")
        assert golden.is_file(), f"missing {golden}: run with WSDIAG_UPDATE_GOLDEN=1"
        assert text == golden.read_text(encoding="utf-8"), (
            f"{golden.name} differs (WSDIAG_UPDATE_GOLDEN=1 to accept)"
        )
