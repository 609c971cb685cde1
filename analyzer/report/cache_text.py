"""``wsdiag cache info`` and ``wsdiag cache prune``: what the scan cache holds, what pruning removed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from analyzer.scan.prune import Pruned, Usage


def human_size(n: float) -> str:
    """``1.4 GB``, ``310 MB``, ``12 KB``, ``512 B`` (powers of 1000, as ``du --si`` shows them)."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" or n >= 10 else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def write_usage(usage: Usage, *, cap: int, fmt: str = "text") -> None:
    """The cache folder, its entries by kind, what is outdated, the cap, the oldest and latest use."""
    files, file_bytes = usage.total(kind="file")
    windows, window_bytes = usage.total(kind="window")
    outdated, outdated_bytes = usage.total(current=False)
    used = [e.used for e in usage.entries]
    if fmt == "json":
        doc = {
            "cache_dir": str(usage.root),
            "exists": usage.root.is_dir(),
            "files": {"entries": files, "bytes": file_bytes},
            "windows": {"entries": windows, "bytes": window_bytes},
            "outdated": {"entries": outdated, "bytes": outdated_bytes},
            "bytes": file_bytes + window_bytes,
            "max_bytes": cap,
            "oldest_use": _iso(min(used)) if used else None,
            "latest_use": _iso(max(used)) if used else None,
        }
        click.echo(json.dumps(doc, indent=1))
        return
    click.echo(f"cache: {usage.root}" + ("" if usage.root.is_dir() else " (does not exist)"))
    click.echo(f"  parsed files:   {files:>7,} entries  {human_size(file_bytes):>9}")
    click.echo(f"  window results: {windows:>7,} entries  {human_size(window_bytes):>9}")
    click.echo(
        f"  total {human_size(file_bytes + window_bytes)} of a {human_size(cap)} cap"
        f" (WSDIAG_CACHE_MAX_BYTES); {outdated:,} entries ({human_size(outdated_bytes)}) written by"
        " another version of wsdiag's code, removed by `wsdiag cache prune`"
    )
    if used:
        click.echo(f"  used from {_iso(min(used))} to {_iso(max(used))}")


def write_pruned(pruned: Pruned, *, cap: int) -> None:
    """One line: what was removed, what is left."""
    click.echo(
        f"removed {pruned.removed:,} entries ({human_size(pruned.freed)}; {pruned.outdated:,} of them "
        f"outdated); {pruned.left:,} left ({human_size(pruned.left_bytes)} of a {human_size(cap)} cap)"
    )


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
