"""Small generated archives for the scan tests (the benchmark's generator, at a few thousand lines)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from gen_archive import Planted, generate

DAY0 = datetime(2026, 10, 1, tzinfo=UTC)


def at(hours: float, day: int = 0) -> datetime:
    return DAY0 + timedelta(days=day, hours=hours)


#: Incidents of the standard test archive: one per cause, two of them across an hour boundary.
PLANTED = [
    Planted("handshake-wrong-router", "proxy-a", at(10), at(13)),
    Planted("backend-unreachable", "proxy-a", at(9 + 40 / 60, day=1), at(10 + 20 / 60, day=1)),
    Planted("upgrade-headers-stripped", "proxy-b", at(13 + 50 / 60, day=1), at(14 + 10 / 60, day=1)),
]


def make_archive(root: Path, *, lines: int = 16_000, days: int = 2, proxy_format: str = "mixed") -> Path:
    """Write the standard test archive under ``root``; return it."""
    # 4/7 of the lines Socket.IO: the share these tests were written against
    generate(root, lines=lines, days=days, start=DAY0, seed=11, proxy_format=proxy_format, incidents=PLANTED,
             socketio_share=4 / 7)  # fmt: skip
    return root
