"""The Markdown report: verdict and fix on top, a findings table, the rest folded, within 8 KB, and
rendered by a CommonMark + GFM-tables renderer (markdown-it-py, installed with rich) without a broken
table or fence."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from analyzer.analysis import Analysis, analyze
from analyzer.report.markdown import MAX_BYTES, render_markdown
from analyzer.report.safe import md_inline, md_prose

ROOT = Path(__file__).parents[1]
SCENARIOS = sorted(p.name for p in (ROOT / "sample_logs").iterdir() if p.is_dir())


@cache
def analysis_of(scenario: str) -> Analysis:
    return analyze([str(ROOT / "sample_logs" / scenario)])


def cells(line: str) -> list[str]:
    """The cells of a table row as GFM splits them: on every pipe not escaped with a backslash."""
    return re.split(r"(?<!\\)\|", line.strip().strip("|"))


def check_renders(text: str) -> None:
    """Every table renders as a table of consistent rows; every fence closes where it should."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    tokens = md.parse(text)
    lines = text.splitlines()
    separators = [i for i, line in enumerate(lines) if re.fullmatch(r"\|(?:-+\|)+", line)]
    tables = [t for t in tokens if t.type == "table_open"]
    assert len(tables) == len(separators), "a table did not render as one"
    for table in tables:
        start, end = table.map
        width = len(cells(lines[start]))
        for line in lines[start:end]:
            assert len(cells(line)) == width, f"row with {len(cells(line))} cells, header {width}: {line}"
    fences = [t for t in tokens if t.type == "fence"]
    opened = [line for line in lines if re.fullmatch(r"`{3,}(text)?", line)]
    assert len(opened) == 2 * len(fences), "a fence swallowed another"
    # each folded block opens and closes as HTML, outside any fence (log text inside a fence stays text)
    ours = len(re.findall(r"^<details><summary>", text, re.M))
    html = [t.content.strip() for t in tokens if t.type == "html_block"]
    assert sum(h.startswith("<details><summary>") for h in html) == ours
    assert sum(h == "</details>" for h in html) == ours


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_fits_a_ticket_and_renders(scenario):
    text = render_markdown(analysis_of(scenario))
    assert len(text.encode("utf-8")) <= MAX_BYTES, f"{scenario}: {len(text.encode())} bytes"
    check_renders(text)


@pytest.mark.parametrize("scenario", ["traefik-priority-conflict", "sticky-session-missing"])
def test_verdict_and_fix_come_first_then_the_table_then_folded_proof(scenario):
    analysis = analysis_of(scenario)
    text = render_markdown(analysis)
    root = analysis.findings[0]
    assert text.startswith(f"# wsdiag: {root.title}") or text.startswith("# wsdiag: ")
    assert text.index("**Fix:**") < text.index("## Findings") < text.index("<details><summary>Evidence of")
    table = text.split("## Findings")[1].split("\n\n")[1]
    assert table.count("\n") == len(analysis.findings) + 1
    assert "**root cause**" in table
    assert "Evidence of " + root.rule in text
    assert "Story of connection" in text and "Inputs (" in text


def test_a_healthy_capture_is_a_short_note():
    text = render_markdown(analysis_of("healthy-websocket"))
    assert text.startswith("# wsdiag: no failure signature found\n\nChecked ")
    check_renders(text)
    assert len(text.encode()) < 2048


def test_a_capture_with_many_findings_still_fits_and_says_what_it_left_out():
    analysis = analysis_of("traefik-priority-conflict")
    many = [
        replace(f, rule=f"{f.rule}-{n}", explained_by=None, evidence=f.evidence * 20)
        for n in range(12)
        for f in analysis.findings
    ]
    text = render_markdown(Analysis(**{**analysis.__dict__, "findings": many}))
    assert len(text.encode("utf-8")) <= MAX_BYTES
    assert "_Left out to stay within 8 KB: " in text
    assert "… and 33 more findings" in text
    check_renders(text)


def test_log_text_cannot_break_a_table_or_a_fence():
    analysis = analysis_of("traefik-priority-conflict")
    root = analysis.findings[0]
    config_lines = [
        replace(e, text="```\n</details>\n| x | y |") for e in root.evidence if e.source == "config"
    ]
    hostile = replace(root, title="a | b ``` c </details> # d", evidence=config_lines)
    text = render_markdown(Analysis(**{**analysis.__dict__, "findings": [hostile]}))
    check_renders(text)
    assert "a \\| b" in text


@pytest.mark.parametrize("scenario", ["traefik-priority-conflict", "upgrade-headers-stripped"])
def test_nothing_is_written_twice(scenario):
    analysis = analysis_of(scenario)
    text = render_markdown(analysis)
    for f in analysis.findings:
        assert text.count(md_inline(f.title)) == 1, f.rule
    root = analysis.findings[0]
    assert text.count("**Fix:**") == 1 and text.count(md_prose(root.remediation)) == 1
