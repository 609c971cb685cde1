"""Keeping the scan cache small: what it holds (``wsdiag cache info``) and pruning it (``wsdiag cache prune``).

Two kinds of entries live under a cache folder (see :mod:`analyzer.scan.cache` and
:mod:`analyzer.scan.windows`): one folder per parsed file (``<xx>/<key>/manifest.json`` and its Parquet
parts) and one JSON file per analysed window (``windows/<xx>/<key>.json``). Each records the digest of the
code that wrote it; a scan hits only entries of the current code, so the others are dead weight and are
removed first. Then, while the folder is larger than the cap, the entries used longest ago go (a hit
touches an entry, so its modification time is its last use). Only what has this layout is ever removed:
a ``--cache-dir`` that also holds other files keeps them.

A scan prunes its cache when it ends, to ``WSDIAG_CACHE_MAX_BYTES`` (2 GiB by default), never removing
what it used itself.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from analyzer.scan.cache import (
    CACHE_FORMAT,
    MANIFEST,
    MEMBERS_SUFFIX,
    PACKS,
    STALE_SECONDS,
    Cache,
    code_digest,
)

#: The cache's size cap by default, in bytes (``WSDIAG_CACHE_MAX_BYTES`` overrides it).
DEFAULT_MAX_BYTES = 2 * 1024**3
_KEY = re.compile(r"[0-9a-f]{16,64}")
_PREFIX = re.compile(r"[0-9a-f]{2}")
_WINDOWS = "windows"


def max_bytes_setting() -> int:
    """The cap a scan prunes its cache to: ``WSDIAG_CACHE_MAX_BYTES`` or :data:`DEFAULT_MAX_BYTES`."""
    value = os.environ.get("WSDIAG_CACHE_MAX_BYTES", "")
    return int(value) if value.isdigit() else DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Entry:
    """One cache entry: a parsed file's folder or a window's result."""

    path: Path
    kind: Literal["file", "window", "pack"]
    bytes: int
    #: Last use (modification time: written, or touched by a hit), seconds since the epoch.
    used: float
    #: Written by the code running now (only such entries can be hit).
    current: bool


@dataclass
class Usage:
    """What a cache folder holds."""

    root: Path
    entries: list[Entry] = field(default_factory=list)

    def total(self, *, kind: str | None = None, current: bool | None = None) -> tuple[int, int]:
        """(entries, bytes) of the entries of this kind and currency (None: any)."""
        chosen = [
            e
            for e in self.entries
            if (kind is None or e.kind == kind) and (current is None or e.current == current)
        ]
        return len(chosen), sum(e.bytes for e in chosen)


@dataclass
class Pruned:
    """What :func:`prune` removed and what is left."""

    removed: int = 0
    freed: int = 0
    #: Entries removed because an older version of the code wrote them.
    outdated: int = 0
    left: int = 0
    left_bytes: int = 0


def usage(root: Path, *, used_since: float | None = None) -> Usage:
    """Every entry under ``root`` (an empty usage when the folder does not exist).

    ``used_since``: entries used at or after this time were hit by the current code (their keys hold its
    digest), so they are not opened to read which code wrote them: a warm re-scan stays cheap.
    """
    found = Usage(root)
    if not root.is_dir():
        return found
    shares, orphans = _packs(root)
    found.entries.extend(orphans)
    file_code, window_code = code_digest(), code_digest("analyse")
    for prefix in _children(root):
        if not _PREFIX.fullmatch(prefix.name):
            continue
        for folder in _children(prefix):
            manifest = folder / MANIFEST
            if not _KEY.fullmatch(folder.name) or not manifest.is_file():
                continue
            used = _mtime(manifest)
            current = (used_since is not None and used >= used_since) or _written_by(manifest, file_code)
            size = sum(_size(p) for p in _children(folder)) + shares.get(folder.name, 0)
            found.entries.append(Entry(folder, "file", size, used, current))
    for result in _keyed_files(root / _WINDOWS, ".json"):
        used = _mtime(result)
        current = (used_since is not None and used >= used_since) or _written_by(result, window_code)
        found.entries.append(Entry(result, "window", _size(result), used, current))
    return found


def prune(root: Path, *, max_bytes: int, keep_since: float | None = None) -> Pruned:
    """Remove entries of older code, then the least recently used ones until ``root`` fits ``max_bytes``.

    ``keep_since``: entries used at or after this time are kept whatever the size (a scan keeps what it
    has just used). Leftovers of killed scans are removed too.
    """
    cache = Cache(root)
    cache.clean_stale()
    found = usage(root, used_since=keep_since)
    done = Pruned()
    kept: list[Entry] = []
    for entry in found.entries:
        if entry.current:
            kept.append(entry)
        elif _remove(cache, entry):
            done.removed, done.freed, done.outdated = (
                done.removed + 1,
                done.freed + entry.bytes,
                done.outdated + 1,
            )
    total = sum(e.bytes for e in kept)
    left: list[Entry] = []
    for entry in sorted(kept, key=lambda e: e.used):
        protected = keep_since is not None and entry.used >= keep_since
        if total > max_bytes and not protected and _remove(cache, entry):
            total -= entry.bytes
            done.removed, done.freed = done.removed + 1, done.freed + entry.bytes
        else:
            left.append(entry)
    _, orphans = _packs(root)  # packs whose last entry went just now
    for entry in orphans:
        if _remove(cache, entry):
            done.freed += entry.bytes
    done.left, done.left_bytes = len(left), sum(e.bytes for e in left)
    return done


def _packs(root: Path) -> tuple[dict[str, int], list[Entry]]:
    """Each pack's bytes shared out among the entries still there that were written with it (entry key →
    bytes), and the packs no entry is left for (a pack without its list of entries is one only once it is
    older than a killed scan's leftovers)."""
    shares: dict[str, int] = {}
    orphans: list[Entry] = []
    for pack in _keyed_files(root / PACKS, ".parquet"):
        listed = _json_list(pack.with_suffix(MEMBERS_SUFFIX))
        alive = [k for k in listed or [] if _KEY.fullmatch(k) and (root / k[:2] / k / MANIFEST).is_file()]
        size = _size(pack) + _size(pack.with_suffix(MEMBERS_SUFFIX))
        if alive:
            for key in alive:
                shares[key] = shares.get(key, 0) + size // len(alive)
        elif listed is not None or _mtime(pack) < time.time() - STALE_SECONDS:
            orphans.append(Entry(pack, "pack", size, _mtime(pack), False))
    return shares, orphans


def _keyed_files(folder: Path, suffix: str) -> list[Path]:
    """The files ``<folder>/<xx>/<key><suffix>`` (what else is there is not the cache's)."""
    return [
        path
        for prefix in _children(folder)
        if _PREFIX.fullmatch(prefix.name)
        for path in _children(prefix)
        if path.suffix == suffix and _KEY.fullmatch(path.stem)
    ]


def _json_list(path: Path) -> list[str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return [str(k) for k in data] if isinstance(data, list) else None


def _remove(cache: Cache, entry: Entry) -> bool:
    try:
        if entry.kind == "file":
            cache.discard(entry.path.name)  # moved aside first: a running scan never reads half of it
        elif entry.kind == "pack":
            entry.path.with_suffix(MEMBERS_SUFFIX).unlink(missing_ok=True)
            entry.path.unlink(missing_ok=True)
        else:
            entry.path.unlink(missing_ok=True)
    except OSError:
        return False
    return not entry.path.exists()


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _written_by(path: Path, code: str) -> bool:
    """Whether an entry's JSON (manifest or window result) was written by this code and entry format."""
    data = _json(path)
    return data.get("code") == code and (path.name != MANIFEST or data.get("format") == CACHE_FORMAT)


def _json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


_UNITS = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4,
          "ki": 1024, "mi": 1024**2, "gi": 1024**3, "ti": 1024**4}  # fmt: skip
_SIZE = re.compile(r"(?i)\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]i?b?|b)?\s*")


def parse_size(text: str) -> int:
    """Bytes from ``500M``, ``2G``, ``1.5GiB``, ``750MB`` or a plain number; ValueError otherwise.

    >>> parse_size("1.5GiB"), parse_size("500M"), parse_size("4096")
    (1610612736, 500000000, 4096)
    """
    found = _SIZE.fullmatch(text)
    if not found:
        raise ValueError(f"not a size: {text!r} (examples: 500M, 2G, 1.5GiB)")
    unit = (found.group(2) or "").lower().removesuffix("b")
    return int(float(found.group(1)) * _UNITS[unit])
