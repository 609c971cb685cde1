"""Thin tickets (tests/data/tickets/): the one or two lines a public thread quotes, copied verbatim.

Each file is analyzed alone, as a user would paste it: the cause the thread settled on must come first,
marked as thin evidence (at most medium), and no other rule may be confident (high or critical). A line
from a working setup stays below medium.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from analyzer.analysis import analyze
from analyzer.findings import SEVERITY_RANK
from tests.test_scenarios import empty_fields

TICKETS = Path(__file__).parent / "data" / "tickets"
MANIFEST = tomllib.loads((TICKETS / "tickets.toml").read_text(encoding="utf-8"))["ticket"]


def test_every_ticket_file_is_listed_with_its_source():
    listed = {t["file"] for t in MANIFEST}
    assert listed == {p.name for p in TICKETS.glob("*.log")}
    assert all(t["url"].startswith("https://") for t in MANIFEST)


def case(ticket: dict) -> object:
    """A ticket as a test case; one whose lines no parser reads yet is a strict xfail (it must fail)."""
    marks = [pytest.mark.xfail(reason=ticket["blocked"], strict=True)] if ticket.get("blocked") else []
    return pytest.param(ticket, id=ticket["file"].removesuffix(".log"), marks=marks)


@pytest.mark.parametrize("ticket", [case(t) for t in MANIFEST])
def test_thin_ticket_names_its_cause_and_nothing_confidently_wrong(ticket):
    result = analyze([str(TICKETS / ticket["file"])])
    found = [(f.rule, f.severity, f.explained_by) for f in result.findings]
    confident = [f for f in result.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK["high"]]
    if not ticket["expect"]:
        assert [f for f in result.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK["medium"]] == [], (
            found
        )
        return
    assert result.findings, f"nothing found; inputs: {[(i.format, i.events, i.error) for i in result.inputs]}"
    first = result.findings[0]
    assert first.rule == ticket["expect"], found
    assert first.severity == "medium" and first.support and first.support.startswith("seen "), found
    assert first.evidence, "the line is the evidence"
    for f in result.findings:
        own = f.explanation.split(" E.g. ")[0]
        assert empty_fields(own) == [] and empty_fields(f.remediation) == [], (f.rule, own, f.remediation)
    assert [f for f in confident if f.rule != ticket["expect"]] == [], found
