"""docs/events.md documents every column and kind of analyzer/model.py."""

from __future__ import annotations

from pathlib import Path

from analyzer.model import COLUMNS, KINDS

DOC = (Path(__file__).parents[1] / "docs" / "events.md").read_text(encoding="utf-8")


def test_every_column_is_documented() -> None:
    missing = [name for name in COLUMNS if f"| `{name}` |" not in DOC]
    assert missing == []


def test_every_kind_is_documented() -> None:
    missing = [name for name in KINDS if f"| `{name}` |" not in DOC]
    assert missing == []
