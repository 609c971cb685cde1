"""The scan cache: each source file parsed once into Parquet parts, reused while the file is unchanged.

An entry is keyed by the file's *content identity* — size, modification time and a hash of its first
64 KiB — plus everything that changes how it is parsed (wsdiag's parsers, ``--tz``, ``--date``, a forced
format). The path is deliberately not part of the key: logrotate renames ``access.log.1`` to
``access.log.2.gz`` every night, and a renamed file keeps its bytes and its mtime, so it is not read again.
Events are stored with the path they were read under; readers substitute the current one.

Layout: ``<root>/<key[:2]>/<key>/manifest.json`` plus ``part-NNNNN.parquet``. Entries are written in a
temporary folder and renamed into place, so concurrent workers (or two scans) never see half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer import __version__
from analyzer.ingest import InputInfo

if TYPE_CHECKING:
    from analyzer.ingest import ReadOptions

#: Bump when the layout of entries changes.
CACHE_FORMAT = 1
MANIFEST = "manifest.json"
#: Bytes of the start of a file hashed into its identity.
FINGERPRINT_BYTES = 64 * 1024


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/wsdiag/scan`` (``~/.cache/wsdiag/scan`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wsdiag" / "scan"


@cache
def code_digest(stage: str = "parse") -> str:
    """A hash of the code a cached result depends on: a parser (or rule engine) fix invalidates it.

    ``parse``: the code that turns a file into events; ``analyse``: that and the code that turns a
    window's events into findings.
    """
    folders = ["parsers", "ingest"]
    modules = ["model.py", "timeparse.py", "urls.py", "jsonutil.py"]
    if stage == "analyse":
        folders += ["correlate", "rules", "scan"]
        modules += ["analysis.py", "findings.py", "redact.py"]
    digest = hashlib.sha256(f"{__version__}/{CACHE_FORMAT}/{stage}".encode())
    root = Path(str(resources.files("analyzer")))
    for folder in folders:
        for path in sorted((root / folder).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    for name in modules:
        path = root / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(*, size: int, mtime_ns: int, fingerprint: str, forced: str | None, read: ReadOptions) -> str:
    """The key of one file's entry (see the module doc)."""
    parts = [
        code_digest(),
        str(size),
        str(mtime_ns),
        fingerprint,
        forced or "",
        read.tz,
        read.date.isoformat() if read.date else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Part:
    """One Parquet file of an entry: its events sorted by time."""

    name: str
    rows: int
    min_ts: datetime | None
    max_ts: datetime | None


@dataclass
class Manifest:
    """What parsing one file produced: its inputs (one per shipper stream), parts and counts."""

    key: str
    display: str
    size: int
    lines: int
    inputs: list[InputInfo]
    parts: list[Part] = field(default_factory=list)
    #: Events that carry no time: kept out of every window (counted so the report can say so).
    undated: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CACHE_FORMAT,
            "key": self.key,
            "display": self.display,
            "size": self.size,
            "lines": self.lines,
            "undated": self.undated,
            "inputs": [_info_json(i) for i in self.inputs],
            "parts": [
                {"name": p.name, "rows": p.rows, "min_ts": _iso(p.min_ts), "max_ts": _iso(p.max_ts)}
                for p in self.parts
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            key=data["key"],
            display=data["display"],
            size=data["size"],
            lines=data["lines"],
            undated=data.get("undated", 0),
            inputs=[_info_from_json(i) for i in data["inputs"]],
            parts=[
                Part(p["name"], p["rows"], _parse_ts(p["min_ts"]), _parse_ts(p["max_ts"]))
                for p in data["parts"]
            ],
        )


class Cache:
    """Entries under one folder (the user's ``--cache-dir``, or a temporary one for ``--no-cache``).

    Besides one entry per parsed file, it keeps each window's result under ``windows/`` (see
    :mod:`analyzer.scan.windows`), so re-scanning an archive only re-analyses the windows whose files changed.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def entry_dir(self, key: str) -> Path:
        return self.root / key[:2] / key

    def load(self, key: str) -> Manifest | None:
        """The entry's manifest, or None when there is none (or it cannot be read: then it is redone)."""
        try:
            data = json.loads((self.entry_dir(key) / MANIFEST).read_text(encoding="utf-8"))
            if data.get("format") != CACHE_FORMAT:
                return None
            manifest = Manifest.from_json(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not all((self.entry_dir(key) / p.name).is_file() for p in manifest.parts):
            return None
        return manifest

    def staging(self, key: str) -> Path:
        """A fresh folder to write an entry into before :meth:`commit`."""
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{key[:8]}-", dir=self.root))

    def commit(self, staging: Path, manifest: Manifest) -> None:
        """Write the manifest and move the entry into place (the first writer wins a race)."""
        (staging / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=1), encoding="utf-8")
        target = self.entry_dir(manifest.key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            staging.rename(target)
        except OSError:  # another worker committed the same entry in between: keep theirs
            shutil.rmtree(staging, ignore_errors=True)


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts is not None else None


def _parse_ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


_TS_FIELDS = ("first_ts", "last_ts")


def _info_json(info: InputInfo) -> dict[str, Any]:
    data = asdict(info)
    for name in _TS_FIELDS:
        data[name] = _iso(data[name])
    return data


def _info_from_json(data: dict[str, Any]) -> InputInfo:
    known = {f.name for f in fields(InputInfo)}
    values = {k: v for k, v in data.items() if k in known}
    for name in _TS_FIELDS:
        values[name] = _parse_ts(values.get(name))
    return InputInfo(**values)
