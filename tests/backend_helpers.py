"""Helpers for the backend parser tests: read a sample or text through the whole ingest stage."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import polars as pl
from conftest import data_lines

from analyzer.ingest import InputInfo, ReadOptions, load

if TYPE_CHECKING:
    from pathlib import Path


def sample_text(name: str) -> str:
    """A backend sample from tests/data/backend without its ``# source:`` header."""
    return "\n".join(data_lines(f"backend/{name}")) + "\n"


def read_at(
    tmp_path: Path, text: str, *, mtime: datetime | None = None, name: str = "app.log", **options: object
) -> tuple[pl.DataFrame, InputInfo]:
    """Like ``conftest.read_text``, with the file's modification time set first (for undated lines)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        stamp = mtime.timestamp()
        os.utime(path, (stamp, stamp))
    result = load([str(path)], ReadOptions(**options))  # type: ignore[arg-type]
    (info,) = [i for i in result.inputs if i.path == str(path)]
    return result.events.sort("line"), info


def utc(text: str) -> datetime:
    """``2025-11-27T10:15:30.123`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def row(events: pl.DataFrame, line: int) -> dict[str, object]:
    """The event whose record starts at ``line``."""
    found = events.filter(pl.col("line") == line)
    assert found.height == 1, f"line {line}: {found.height} events"
    return found.row(0, named=True)
