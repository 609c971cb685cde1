"""Index an archive cheaply: every file's identity, and the time range of those a time range may skip.

For each discovered file: ``stat`` and a hash of its first 64 KiB (its cache identity). A file the cache
has is described by its manifest. Otherwise the parse will read it whole and tell its format and time
range, so the index reads nothing more, unless ``--since`` / ``--until`` may spare that parse: then the
first 64 KiB are inflated and read through the normal ingest path (unwrap, sniff, parse) for the format
and the first timestamp, and for an uncompressed file the last 64 KiB give the last timestamp (a compressed
file's end is only known once it is parsed: gzip cannot be read backwards). An uncompressed file no larger
than those 64 KiB is never sniffed: parsing it costs the same.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from analyzer.errors import InputError, Location, UnreadableError
from analyzer.ingest import InputInfo, ReadOptions, forced_kind, parse_text
from analyzer.ingest.discover import FileRef, discover
from analyzer.ingest.reader import RawText, compression_of, open_regular, read_head, split_lines
from analyzer.scan.cache import FINGERPRINT_BYTES, cache_key

if TYPE_CHECKING:
    from collections.abc import Iterable

    from analyzer.scan.cache import Cache, Manifest

_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileEntry:
    """One file of the archive as the scan plans it."""

    #: Position in discovery order (rotation groups in the user's order, oldest file first in a group).
    order: int
    display: str
    path: str
    group: str
    size: int
    mtime_ns: int
    key: str
    compression: str | None = None
    source: str | None = None
    format: str | None = None
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    #: The path as discovered from what the user gave (``display`` may be relative to a folder given).
    given: str = ""

    def ref(self) -> FileRef:
        return FileRef(self.display, Path(self.path), self.group, (self.order, ""))


@dataclass
class ArchiveIndex:
    """The files to scan (cached or not) and the inputs that cannot be read at all."""

    files: list[FileEntry] = field(default_factory=list)
    #: Manifests of files already in the cache, by key.
    cached: dict[str, Manifest] = field(default_factory=dict)
    problems: list[InputInfo] = field(default_factory=list)


def index_archive(
    paths: list[str], read: ReadOptions, cache: Cache, *, use_cache: bool = True, ranges: bool = False
) -> ArchiveIndex:
    """Discover the files under ``paths`` and index each one (see the module doc). ``ranges``: read the
    time range of files the cache lacks (a time range was given, which may spare parsing some)."""
    found = discover(paths, follow_symlinks=read.follow_symlinks)
    index = ArchiveIndex(
        problems=[InputInfo(path, error=reason, unread=True) for path, reason in found.problems]
    )
    for order, ref in enumerate(found.files):
        if ref.path is None:
            index.problems.append(InputInfo(ref.display, error="scan reads files, not standard input"))
            continue
        try:
            entry, manifest = _index_file(order, ref, read, cache, use_cache=use_cache, ranges=ranges)
        except InputError as exc:
            unread = isinstance(exc, UnreadableError)
            index.problems.append(InputInfo(ref.display, error=str(exc.args[0]), unread=unread))
            continue
        if isinstance(entry, InputInfo):
            index.problems.append(entry)
            continue
        index.files.append(entry)
        if manifest is not None:
            index.cached[entry.key] = manifest
    return index


def _index_file(
    order: int, ref: FileRef, read: ReadOptions, cache: Cache, *, use_cache: bool, ranges: bool
) -> tuple[FileEntry | InputInfo, Manifest | None]:
    assert ref.path is not None
    path = ref.path
    where = Location(ref.display)
    try:
        with open_regular(path, where) as fh:
            st = os.fstat(fh.fileno())
            head = fh.read(FINGERPRINT_BYTES)
    except OSError as exc:
        raise UnreadableError((exc.strerror or str(exc)).lower(), location=where) from exc
    if not head:
        return InputInfo(ref.display, error="empty file"), None
    forced = forced_kind(ref, read)
    key = cache_key(
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        fingerprint=hashlib.sha1(head, usedforsecurity=False).hexdigest(),
        forced=forced,
        read=read,
    )
    base = {
        "order": order,
        "display": ref.display,
        "path": str(path.resolve()),
        "group": ref.group,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "key": key,
        "given": str(path),
    }
    manifest = cache.load(key) if use_cache else None
    if manifest is not None:
        infos = [i for i in manifest.inputs if i.error is None]
        if not infos:
            return manifest.inputs[0] if manifest.inputs else InputInfo(ref.display, error="no events"), None
        first = infos[0]
        return FileEntry(
            **base,  # type: ignore[arg-type]
            compression=first.compression,
            source=first.source,
            format=first.format,
            first_ts=_min(i.first_ts for i in infos),
            last_ts=_max(i.last_ts for i in infos),
        ), manifest
    if not ranges or (st.st_size <= len(head) and compression_of(head) is None):
        # its format and time range come from the parse: no range to prune by, or the whole file is in
        # hand and parsing it costs what sniffing it would (many small files: one batched parse)
        return FileEntry(**base), None  # type: ignore[arg-type]
    data, compression = read_head(path)
    head_info, first_ts = _sniff(ref, data, read)
    if head_info.error is not None:
        head_info.path = ref.display
        return head_info, None
    last_ts = _last_ts(ref, read) if compression is None and st.st_size > len(data) else None
    return FileEntry(
        **base,  # type: ignore[arg-type]
        compression=compression,
        source=head_info.source,
        format=head_info.format,
        first_ts=first_ts,
        last_ts=last_ts,
    ), None


def _sniff(ref: FileRef, data: bytes, read: ReadOptions) -> tuple[InputInfo, datetime | None]:
    """Read the head through the ingest stage: the input description and its first timestamp."""
    inputs: list[InputInfo] = []
    frames = parse_text(ref, RawText(ref.display, split_lines(data, []), None, None), read, inputs)
    readable = [i for i in inputs if i.error is None]
    if not readable:
        return (inputs[0] if inputs else InputInfo(ref.display, error="empty file")), None
    first_ts = _min(f["ts"].min() for f in frames if f.height)  # type: ignore[misc]
    return readable[0], first_ts


def _last_ts(ref: FileRef, read: ReadOptions) -> datetime | None:
    assert ref.path is not None
    where = Location(ref.display)
    try:
        with open_regular(ref.path, where) as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - _TAIL_BYTES))
            data = fh.read(_TAIL_BYTES)
    except OSError as exc:
        raise UnreadableError((exc.strerror or str(exc)).lower(), location=where) from exc
    data = data[data.find(b"\n") + 1 :]
    if not data:
        return None
    frames = parse_text(ref, RawText(ref.display, split_lines(data, []), None, None), read, [])
    frames = [f for f in frames if f.height]
    if not frames:
        return None
    return pl.concat([f.select(pl.max_horizontal("ts", "ts_end").alias("t")) for f in frames])["t"].max()  # type: ignore[return-value]


def _min(values: Iterable[datetime | None]) -> datetime | None:
    return min((v for v in values if v is not None), default=None)


def _max(values: Iterable[datetime | None]) -> datetime | None:
    return max((v for v in values if v is not None), default=None)
