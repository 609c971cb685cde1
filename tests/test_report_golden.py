"""Golden text and Markdown reports of two recorded scenarios (regenerate: WSDIAG_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rich.console import Console

from analyzer.analysis import analyze
from analyzer.report.markdown import render_markdown
from analyzer.report.text import render_text

ROOT = Path(__file__).parents[1]
GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = ["traefik-priority-conflict", "upgrade-headers-stripped"]


def rendered(scenario: str) -> dict[str, str]:
    analysis = analyze([str(ROOT / "sample_logs" / scenario)])
    console = Console(record=True, width=110, color_system=None, file=open(os.devnull, "w"))  # noqa: SIM115
    render_text(analysis, console)
    return {"txt": console.export_text(), "md": render_markdown(analysis)}


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
