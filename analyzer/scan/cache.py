"""The scan cache: each source file parsed once into Parquet parts, reused while the file is unchanged.

An entry is keyed by the file's *content identity* — size, modification time and a hash of its first
64 KiB — plus everything that changes how it is parsed (wsdiag's parsers, ``--tz``, ``--date``, a forced
format). The path is deliberately not part of the key: logrotate renames ``access.log.1`` to
``access.log.2.gz`` every night, and a renamed file keeps its bytes and its mtime, so it is not read again.
Events are stored with the path they were read under; readers substitute the current one.

The key is computed from the same open file the content is read from (:class:`analyzer.ingest.reader.
Identity`): a file that changed between the index and the parse is stored under the key of what was read,
and one that changed while it was read is used once and never cached — an entry's content always matches
its identity.

Layout: ``<root>/<key[:2]>/<key>/manifest.json`` plus ``part-NNNNN.parquet``. Small files parsed many at a
time share one part, a *pack* (``<root>/packs/<sha[:2]>/<sha256>.parquet``, named after its bytes' hash):
each member's manifest names the pack and the member's id in the pack's ``file`` column, so a folder of
thousands of small logs costs a few Parquet writes, not thousands. A pack lives while an entry lists it
(``<sha256>.members`` beside it names the entries written with it, for pruning). Entries are written in a
private staging folder (named after the writing process, so a killed scan's leftovers are recognised and
removed) and renamed into place, so concurrent workers (or two scans) never see half an entry. Manifests
carry their key and a checksum, parts their SHA-256 and size; a manifest is checked when it is loaded, a
part when it is read, and what does not match is dropped and rebuilt (:class:`CacheDamaged`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer import __version__
from analyzer.ingest import InputInfo

if TYPE_CHECKING:
    from collections.abc import Callable

    from analyzer.ingest import ReadOptions

#: Bump when the layout of entries changes.
CACHE_FORMAT = 3
MANIFEST = "manifest.json"
#: The folder of packs under the cache root, and the suffix of the list of entries written with a pack.
PACKS = "packs"
MEMBERS_SUFFIX = ".members"
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


class CacheDamaged(Exception):
    """A cached part or result does not match what was recorded when it was written (edited, swapped,
    truncated, or written by something else): the entry is dropped and rebuilt."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(key, reason)  # both in args: it crosses process boundaries pickled
        self.key = key
        self.reason = reason

    def __str__(self) -> str:
        return f"cache entry {self.key}: {self.reason}"


@dataclass(frozen=True)
class Part:
    """One Parquet file of an entry: its events sorted by time, and what its bytes must hash to."""

    name: str
    rows: int
    min_ts: datetime | None
    max_ts: datetime | None
    sha256: str = ""
    bytes: int = 0
    #: A file packed with others: the pack's path under the cache root and the member's id in the pack's
    #: ``file`` column (``name`` is then empty; ``sha256`` and ``bytes`` are the pack's).
    pack: str = ""
    member: str = ""


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
    #: The file changed while it was read: what was read is used once, never cached.
    changed: bool = False
    #: The key the index gave the file (``key`` is that of the content actually read).
    indexed_key: str = ""

    def to_json(self) -> dict[str, Any]:
        data = {
            "format": CACHE_FORMAT,
            # which wsdiag wrote it: entries of other versions are never hit again and may be pruned
            "version": __version__,
            "code": code_digest(),
            "key": self.key,
            "display": self.display,
            "size": self.size,
            "lines": self.lines,
            "undated": self.undated,
            "inputs": [_info_json(i) for i in self.inputs],
            "parts": [
                {
                    "name": p.name,
                    "rows": p.rows,
                    "min_ts": _iso(p.min_ts),
                    "max_ts": _iso(p.max_ts),
                    "sha256": p.sha256,
                    "bytes": p.bytes,
                    "pack": p.pack,
                    "member": p.member,
                }
                for p in self.parts
            ],
        }
        return {**data, "checksum": checksum(data)}

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
                Part(
                    p["name"],
                    p["rows"],
                    _parse_ts(p["min_ts"]),
                    _parse_ts(p["max_ts"]),
                    p["sha256"],
                    p["bytes"],
                    p.get("pack", ""),
                    p.get("member", ""),
                )
                for p in data["parts"]
            ],
        )


def checksum(data: dict[str, Any]) -> str:
    """The hash of a JSON document's canonical form (a stored ``checksum`` key left out)."""
    body = {k: v for k, v in data.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verified_bytes(path: Path, part: Part | None = None, *, sha256: str = "", key: str = "") -> bytes:
    """A part's bytes, after checking them against what its manifest recorded; raises :class:`CacheDamaged`."""
    expected = part.sha256 if part is not None else sha256
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CacheDamaged(key, f"{path.name} is missing") from exc
    if not expected or hashlib.sha256(data).hexdigest() != expected:
        raise CacheDamaged(key, f"{path.name} does not match its recorded hash")
    return data


#: Staging folders older than this are left over from a killed scan, whoever wrote them.
STALE_SECONDS = 24 * 3600


class Cache:
    """Entries under one folder (the user's ``--cache-dir``, or a temporary one for ``--no-cache``).

    Besides one entry per parsed file, it keeps each window's result under ``windows/`` (see
    :mod:`analyzer.scan.windows`), so re-scanning an archive only re-analyses the windows whose files changed.
    Folders are created private to the user (0700) and files 0600: entries hold the logs' raw lines.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        #: Entries found damaged and dropped in this run (key → why), for the run's notes.
        self.damaged: dict[str, str] = {}

    def entry_dir(self, key: str) -> Path:
        return self.root / key[:2] / key

    def part_path(self, key: str, part: Part) -> Path:
        """Where a part of entry ``key`` is: in the entry's folder, or the pack it shares."""
        return self.root / part.pack if part.pack else self.entry_dir(key) / part.name

    def load(self, key: str) -> Manifest | None:
        """The entry's manifest, verified (format, key, checksum, each part present with its size).

        None when there is no entry; a damaged one is dropped, recorded in :attr:`damaged` and None: the
        file is parsed again. The parts' content is checked against their hashes when they are read.
        """
        folder = self.entry_dir(key)
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            self._drop(key, f"manifest unreadable ({exc.__class__.__name__})")
            return None
        try:
            if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
                self._drop(key, "written by another version of wsdiag")
                return None
            if data.get("key") != key or data.get("checksum") != checksum(data):
                self._drop(key, "manifest does not match its checksum or its key")
                return None
            manifest = Manifest.from_json(data)
        except (ValueError, KeyError, TypeError) as exc:
            self._drop(key, f"manifest malformed ({exc.__class__.__name__})")
            return None
        for part in manifest.parts:
            where = self.part_path(key, part)
            if not _inside(where, self.root):
                self._drop(key, "manifest names a part outside the cache")
                return None
            try:
                size = where.stat().st_size
            except OSError:
                self._drop(key, f"{where.name} is missing")
                return None
            if size != part.bytes:
                self._drop(key, f"{where.name} has {size} bytes, {part.bytes} were written")
                return None
        touch(path)
        return manifest

    def _drop(self, key: str, reason: str) -> None:
        self.damaged[key] = reason
        self.discard(key)

    def discard(self, key: str) -> None:
        """Remove an entry (moved aside first, so a reader never sees half of it)."""
        target = self.entry_dir(key)
        if not target.exists():
            return
        trash = target.with_name(f".trash-{os.getpid()}-{target.name}-{secrets.token_hex(4)}")
        try:
            target.rename(trash)
        except OSError:
            return
        shutil.rmtree(trash, ignore_errors=True)

    def staging(self, key: str) -> Path:
        """A fresh private folder to write an entry into before :meth:`commit` (named after this process)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".stage-{os.getpid()}-{key[:8]}-", dir=self.root))

    def commit(self, staging: Path, manifest: Manifest, *, sync: bool = True) -> None:
        """Write the manifest and move the entry into place atomically (an intact entry already there wins).

        ``sync``: flush it to disk first. A manifest cut short by a crash fails its checksum and is parsed
        again, so members of a pack (flushed itself) skip it: thousands of flushes cost seconds.
        """
        data = json.dumps(manifest.to_json(), indent=1)
        fd = os.open(staging / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        target = self.entry_dir(manifest.key)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if target.exists() and self.load(manifest.key) is not None:
            shutil.rmtree(staging, ignore_errors=True)  # another worker or scan committed it meanwhile
            return
        try:
            staging.rename(target)
        except OSError:  # committed by another process in between: keep theirs
            shutil.rmtree(staging, ignore_errors=True)

    def store_pack(self, write: Callable[[Path], None]) -> tuple[str, str, int]:
        """A pack written by ``write`` (to the path it is given), flushed and moved into place under its
        hash: (its path under the root, its SHA-256, its size)."""
        staging = self.staging("pack")
        try:
            path = staging / "pack.parquet"
            write(path)
            path.chmod(0o600)
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
            sha256 = file_sha256(path)
            size = path.stat().st_size
            name = f"{PACKS}/{sha256[:2]}/{sha256}.parquet"
            target = self.root / name
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                if target.stat().st_size == size:  # the same bytes are there already (a pack is its hash)
                    return name, sha256, size
            path.replace(target)
            return name, sha256, size
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def record_members(self, pack: str, keys: list[str]) -> None:
        """Note the entries written with a pack (pruning removes a pack once none of them is left)."""
        path = (self.root / pack).with_suffix(MEMBERS_SUFFIX)
        known: list[str] = []
        with contextlib.suppress(OSError, ValueError):
            known = list(json.loads(path.read_text(encoding="utf-8")))
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        tmp.write_text(json.dumps(sorted(set(known) | set(keys))), encoding="utf-8")
        tmp.replace(path)

    def clean_stale(self) -> list[str]:
        """Remove staging and trash folders left by scans that were killed; return their names."""
        removed: list[str] = []
        if not self.root.is_dir():
            return removed
        now = time.time()
        for path in self.root.iterdir():
            if not path.name.startswith((".stage-", ".trash-", ".")) or not path.is_dir():
                continue
            pid = _pid_of(path.name)
            try:
                old = now - path.stat().st_mtime > STALE_SECONDS
            except OSError:
                continue
            if old or (pid is not None and not _alive(pid)):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
        for trash in self.root.glob("*/.trash-*"):
            pid = _pid_of(trash.name)
            if pid is None or not _alive(pid):
                shutil.rmtree(trash, ignore_errors=True)
                removed.append(trash.name)
        return removed


def drop_pack(path: Path) -> None:
    """Remove a pack found damaged (``<root>/packs/<xx>/<sha>.parquet``, nothing else): the entries that
    list it are dropped when next loaded."""
    if path.parent.parent.name == PACKS and ".." not in path.parts:
        path.unlink(missing_ok=True)


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies under ``folder`` (a manifest cannot point a read elsewhere)."""
    return ".." not in path.parts and path.is_relative_to(folder)


def touch(path: Path) -> None:
    """Mark an entry used now: pruning removes the entries used longest ago first."""
    with contextlib.suppress(OSError):  # a read-only cache is still a cache
        os.utime(path)


def _pid_of(name: str) -> int | None:
    """The process id in a ``.stage-PID-…`` / ``.trash-PID-…`` name."""
    parts = name.split("-")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


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
