"""The two units of work of a scan, run in a ``spawn`` process pool or on Dask workers.

- :func:`parse_file`: one source file → its events as Parquet parts in the cache (one per block of text,
  sorted by time), and a manifest. Memory is bounded by a block, whatever the file's size.
- :func:`analyze_windows`: a run of consecutive windows → their findings. It reads only the rows of
  those windows (plus margins) from the Parquet parts and stacks each window's rows, tagged with the
  window (the partition column, :data:`~analyzer.model.PARTITION`); correlation, facts and rules then
  analyse every window of the run in one pass of each query, each window as if alone (as
  ``wsdiag analyze`` would analyse its rows: ``tests/test_scan_partitions.py``). Memory is bounded by
  the run (at most ``pipeline.BATCH_SPAN``), whatever the archive's size.

Window edges. A window *owns* ``[start, end)``; it reads ``[start - margin, end + margin)`` so that rules
looking before or after an event (sequences, absences, one-minute storms) see their context, plus, up to
``lookahead`` after its end, the later events of the Socket.IO sessions it saw start. Rows count towards a
window's findings only when the window owns them, and a row belongs to the window in which its
*connection started* (rows without a connection: their own time). So a connection's evidence is never
split between two windows, and a burst across a boundary is counted once, by its first window.

Both functions take and return plain picklable values, so the same code runs locally and on a cluster.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import shutil
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from analyzer.analysis import AnalyzeOptions, select_rules, unread_columns
from analyzer.correlate import correlate
from analyzer.errors import InputError
from analyzer.ingest import InputInfo, ReadOptions, parse_text, parse_texts
from analyzer.ingest.discover import FileRef
from analyzer.ingest.reader import Identity, RawText, read_blocks
from analyzer.model import PARTITION, SCHEMA, concat_events, without
from analyzer.rules.engine import run_rules_partitions
from analyzer.rules.schema import Predicate
from analyzer.scan.cache import (
    FINGERPRINT_BYTES,
    Cache,
    CacheDamaged,
    Manifest,
    Part,
    cache_key,
    drop_pack,
    file_sha256,
    verified_bytes,
)
from analyzer.scan.prefilter import RuleScreen

if TYPE_CHECKING:
    from analyzer.findings import Finding
    from analyzer.rules import Rule
    from analyzer.scan.index import FileEntry

#: Rows per Parquet row group: small enough that a window read skips most of a file by its statistics.
ROW_GROUP_ROWS = 64 * 1024
#: Column that marks the rows (and connections) a window owns.
OWNED = "_owned"
#: Connection outcomes counted as failures in the overview.
FAILED_OUTCOMES = ("failed_handshake", "failed_upgrade", "dropped")
_TOP = 20


# -- parsing one file ---------------------------------------------------------------------------------


#: Text parsed at once from one file: bounds a worker's memory (a few times this) whatever the file size.
BLOCK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ParseTask:
    """Parse one file into the cache folder ``cache_root``."""

    entry: FileEntry
    read: ReadOptions
    cache_root: str
    block_bytes: int = BLOCK_BYTES
    #: The forced format of the file (``--input KIND=PATH``), part of its cache key.
    forced: str | None = None


def parse_file(task: ParseTask) -> Manifest:
    """Read, parse and store one file, block by block; the manifest says what came out (errors included).

    Memory is bounded by a block (``task.block_bytes`` of text), not by the file: each block is parsed and
    written as its own Parquet part. The first block's format is kept for the rest of the file.
    """
    job = _FileJob(task)
    try:
        try:
            for raw in read_blocks(
                job.ref, job.stream_notes, block_bytes=task.block_bytes, identity=job.identity
            ):
                job.manifest.lines += raw.lines.height
                inputs: list[InputInfo] = []
                frames = parse_text(job.ref, raw, task.read, inputs, job.group_format)
                del raw
                job.store(inputs, frames)
        except InputError as exc:
            job.failed(exc)
        return job.commit()
    except BaseException:
        job.abandon()
        raise


@dataclass(frozen=True)
class ParseBatch:
    """Parse several small files in one call (each still gets its own cache entry, as :func:`parse_file`
    would write it): small streams of one format are parsed together, so a folder of thousands of small
    files costs a few parser calls, not thousands."""

    tasks: tuple[ParseTask, ...]


def parse_files(work: ParseTask | ParseBatch) -> list[Manifest]:
    """:func:`parse_file` of one task, or of every file of a batch with their parsing shared."""
    if isinstance(work, ParseTask):
        return [parse_file(work)]
    jobs: list[_FileJob] = []
    read: list[_FileJob] = []
    texts: list[tuple[FileRef, RawText]] = []
    alone: list[ParseTask] = []
    out: list[Manifest] = []
    try:
        for task in work.tasks:
            job = _FileJob(task)
            try:
                blocks = read_blocks(
                    job.ref, job.stream_notes, block_bytes=task.block_bytes, identity=job.identity
                )
                raw = next(blocks, None)
                if raw is not None and next(blocks, None) is not None:  # not small after all
                    job.abandon()
                    alone.append(task)
                    continue
            except InputError as exc:
                job.failed(exc)
                out.append(job.commit())
                continue
            jobs.append(job)
            if raw is not None:
                job.manifest.lines = raw.lines.height
                read.append(job)
                texts.append((job.ref, raw))
        packed = len(read) >= PACK_MIN_FILES
        for job, (inputs, frames) in zip(read, parse_texts(texts, work.tasks[0].read), strict=True):
            job.store(inputs, frames, keep=packed)
        if packed:
            _write_pack(read)
        out.extend(job.commit(sync=not packed) for job in jobs)
        if packed:
            _record_members(read[0].cache, out)
    except BaseException:
        for job in jobs:
            job.abandon()
        raise
    return out + [parse_file(task) for task in alone]


class _FileJob:
    """One file being parsed into its cache entry: its blocks' results, then the manifest committed."""

    def __init__(self, task: ParseTask) -> None:
        entry = task.entry
        self.task = task
        self.ref = entry.ref()
        self.cache = Cache(Path(task.cache_root))
        self.stream_notes: list[str] = []
        self.merged: dict[str | None, InputInfo] = {}
        self.group_format: dict[str, str] = {}
        self.manifest = Manifest(entry.key, entry.display, entry.size, 0, [], indexed_key=entry.key)
        self.identity = Identity(head_bytes=FINGERPRINT_BYTES)
        self.staging = self.cache.staging(entry.key)
        self.error: str | None = None
        #: Timed events waiting for the pack (see :func:`_write_pack`).
        self.events: pl.DataFrame | None = None

    def store(self, inputs: list[InputInfo], frames: list[pl.DataFrame], *, keep: bool = False) -> None:
        """Keep one block's results: its inputs folded into the file's, its timed events as a part (or,
        with ``keep``, in :attr:`events` until they are written into a pack with other files')."""
        for info in inputs:
            _merge_input(self.merged, info)
        events = concat_events(frames)
        self.manifest.undated += events["ts"].null_count()
        events = events.filter(pl.col("ts").is_not_null()).sort("ts", maintain_order=True)
        if keep:
            self.events = events
        elif events.height:
            name = f"part-{len(self.manifest.parts):05d}.parquet"
            self.manifest.parts.append(_write_part(events, self.staging / name))

    def failed(self, exc: InputError) -> None:
        """Reading stopped: the file is unreadable when nothing came before, else what came is kept."""
        if self.merged:
            self.stream_notes.append(f"reading stopped: {exc.args[0]}")
        else:
            self.error = str(exc.args[0])

    def abandon(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def commit(self, *, sync: bool = True) -> Manifest:
        """The manifest of what was read, committed to the cache when something readable came out."""
        manifest, identity, task = self.manifest, self.identity, self.task
        if self.error is not None:
            self.abandon()
            manifest.inputs = [InputInfo(task.entry.display, error=self.error)]
            return manifest
        manifest.inputs = list(self.merged.values())
        # the key of what was read, from the same open file: if the file changed since it was indexed,
        # this is the entry of its content now; if it changed while it was read, it matches no identity
        fingerprint = hashlib.sha1(identity.head, usedforsecurity=False).hexdigest()
        manifest.key = cache_key(
            size=identity.size,
            mtime_ns=identity.mtime_ns,
            fingerprint=fingerprint,
            forced=task.forced,
            read=task.read,
        )
        manifest.size = identity.size
        if identity.changed:
            manifest.changed = True
            manifest.key = f"changed-{secrets.token_hex(12)}"
            self.stream_notes.append(CHANGED_NOTE)
        readable = [info for info in manifest.inputs if info.error is None]
        if not readable:  # nothing to keep; not cached, so a fixed file is read again
            self.abandon()
            return manifest
        readable[0].notes.extend(n for n in self.stream_notes if n not in readable[0].notes)
        if manifest.undated:
            readable[0].notes.append(
                f"{manifest.undated} event(s) carry no time: scan cannot place them in a window"
            )
        self.cache.commit(self.staging, manifest, sync=sync)
        return manifest


#: Said of a file that was truncated or written to while it was read (logrotate's copytruncate, a live log).
CHANGED_NOTE = (
    "the file changed while it was read (truncated or written to): what was read is used, not cached"
)


#: A batch of at least this many small files writes one pack for all their events (see
#: :mod:`analyzer.scan.cache`); fewer gain nothing from it.
PACK_MIN_FILES = 32
#: Rows of a pack's row groups: a pack is sorted by time, so a window's read skips most of them.
PACK_ROW_GROUP_ROWS = 4096


def _write_pack(jobs: list[_FileJob]) -> None:
    """Write the kept events of ``jobs`` as one pack and give each job's manifest its part of it.

    Each member's rows carry the member's id (its place in the batch) in the ``file`` column, which a
    reader replaces with the path it shows anyway; the pack is sorted by time (stably: each member's rows
    keep their order) so that row groups cover short spans.
    """
    members = [
        (str(i), job, job.events)
        for i, job in enumerate(jobs)
        if job.events is not None and job.events.height
    ]
    if not members:
        return
    pack = pl.concat(
        [events.with_columns(pl.lit(member).alias("file")) for member, _, events in members], how="vertical"
    ).sort("ts", maintain_order=True)
    name, sha256, size = jobs[0].cache.store_pack(
        lambda path: pack.write_parquet(
            path, compression="lz4", row_group_size=PACK_ROW_GROUP_ROWS, statistics=True
        )
    )
    for member, job, events in members:
        job.manifest.parts.append(
            Part(
                "",
                events.height,
                events["ts"].min(),  # type: ignore[arg-type]
                events["ts"].max(),  # type: ignore[arg-type]
                sha256=sha256,
                bytes=size,
                pack=name,
                member=member,
            )
        )
        job.events = None


def _record_members(cache: Cache, manifests: list[Manifest]) -> None:
    """List, beside each pack, the entries committed with it (for pruning)."""
    packs: dict[str, list[str]] = {}
    for manifest in manifests:
        for part in manifest.parts:
            if part.pack:
                packs.setdefault(part.pack, []).append(manifest.key)
    for name, keys in packs.items():
        cache.record_members(name, keys)


def _write_part(events: pl.DataFrame, path: Path) -> Part:
    """Write one Parquet part (private to the user) and record what its bytes hash to."""
    events.write_parquet(path, compression="lz4", row_group_size=ROW_GROUP_ROWS, statistics=True)
    path.chmod(0o600)
    return Part(
        path.name,
        events.height,
        events["ts"].min(),  # type: ignore[arg-type]
        events["ts"].max(),  # type: ignore[arg-type]
        sha256=file_sha256(path),
        bytes=path.stat().st_size,
    )


def _merge_input(merged: dict[str | None, InputInfo], info: InputInfo) -> None:
    """Fold one block's description of a stream into the file's."""
    mine = merged.get(info.stream)
    if mine is None or (mine.error is not None and info.error is None):
        if mine is not None:
            info.notes.append(f"an earlier block of the file could not be read: {mine.error}")
        merged[info.stream] = info
        return
    if info.error is not None:
        if mine.error is None:
            mine.notes.append(f"a block of the file could not be read: {info.error}")
        return
    mine.events += info.events
    mine.unparsed_lines += info.unparsed_lines
    mine.unparsed_examples = (mine.unparsed_examples + info.unparsed_examples)[:5]
    mine.first_ts = min((t for t in (mine.first_ts, info.first_ts) if t is not None), default=None)
    mine.last_ts = max((t for t in (mine.last_ts, info.last_ts) if t is not None), default=None)
    mine.notes.extend(n for n in info.notes if n not in mine.notes)


# -- analysing one window -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PartRef:
    """One Parquet part a window reads, the path its events are shown under, and what it must hash to."""

    path: str
    display: str
    order: int
    sha256: str = ""
    #: The cache entry the part belongs to (dropped and rebuilt when the part fails verification).
    key: str = ""
    #: In a pack: the member's id in its ``file`` column (the pack holds other files' rows too).
    member: str = ""


@dataclass(frozen=True)
class WindowTask:
    """Analyse the events of ``[start, end)`` (with context around it) from ``parts``."""

    index: int
    start: datetime
    end: datetime
    margin: timedelta
    lookahead: timedelta
    parts: tuple[PartRef, ...]
    analyze: AnalyzeOptions


@dataclass(frozen=True)
class WindowBatch:
    """Consecutive windows analysed by one worker from one read of their parts (each on its own)."""

    windows: tuple[WindowTask, ...]


@dataclass
class WindowFinding:
    """A finding of one window, with what it affected."""

    finding: Finding
    hosts: list[str] = field(default_factory=list)
    routers: list[str] = field(default_factory=list)
    #: Every client address seen, most frequent first (incidents count them across windows).
    clients: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class WindowResult:
    """What one window concluded, and the counts the overview draws."""

    index: int
    start: datetime
    end: datetime
    events: int = 0
    connections: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    findings: list[WindowFinding] = field(default_factory=list)
    not_concluded: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(self.outcomes.get(o, 0) for o in FAILED_OUTCOMES)


def analyze_windows(batch: WindowBatch) -> list[WindowResult]:
    """Analyse consecutive windows from one read of their parts, all in one pass (memory: the batch's
    time span, each window's rows once plus its margins)."""
    if not batch.windows:
        return []
    first, last = batch.windows[0], batch.windows[-1]
    parts = {(p.path, p.display, p.order): p for w in batch.windows for p in w.parts}
    slab = read_rows(
        tuple(parts.values()),
        first.start - first.margin,
        last.end + max(last.lookahead, last.margin),
        unread=unread_columns(_owned_rules(first.analyze).rules),
    )
    tasks = batch.windows
    stacked = concat_events(
        [
            window_rows(task, slab).with_columns(pl.lit(i, dtype=pl.UInt32).alias(PARTITION))
            for i, task in enumerate(tasks)
        ]
    )
    del slab
    results = [WindowResult(task.index, task.start, task.end) for task in tasks]
    if stacked.height == 0:
        return results
    correlated = correlate(stacked, _inputs(stacked))
    del stacked
    bounds = pl.DataFrame(
        [(i, *_owned_bounds(task)) for i, task in enumerate(tasks)],
        schema={PARTITION: pl.UInt32, "_start": SCHEMA["ts"], "_end": SCHEMA["ts"]},
        orient="row",
    )
    owned = ((pl.col("_ts") >= pl.col("_start")) & (pl.col("_ts") < pl.col("_end"))).fill_null(False)
    conns = correlated.connections
    conns = conns.with_columns(
        conns.select(PARTITION, pl.col("first_ts").alias("_ts"))
        .join(bounds, on=PARTITION, how="left", maintain_order="left")
        .select(owned.alias(OWNED))
    )
    starts = conns.select(PARTITION, "conn_id", pl.col("first_ts").alias("_conn_start"))
    events = correlated.events
    events = events.with_columns(
        events.select(PARTITION, "conn_id", "ts")
        .join(starts, on=[PARTITION, "conn_id"], how="left", maintain_order="left")
        .join(bounds, on=PARTITION, how="left", maintain_order="left")
        .with_columns(pl.coalesce("_conn_start", "ts").alias("_ts"))
        .select(owned.alias(OWNED))
    )
    counts = events.group_by(PARTITION).agg(pl.col(OWNED).sum())
    mine = conns.filter(pl.col(OWNED))
    outcomes = mine.group_by(PARTITION, "outcome").len()
    for i, n in counts.iter_rows():
        results[i].events = int(n)
    for i, outcome, n in outcomes.iter_rows():
        results[i].outcomes[outcome] = n
        results[i].connections += n
    runs = run_rules_partitions(_screened_rules(tasks[0].analyze, events), events, conns)
    for i, run in runs.items():
        results[i].not_concluded = run.not_concluded
        if run.findings:
            scope = events.filter(pl.col(PARTITION) == i)
            results[i].findings = [_affected(f, scope) for f in run.findings]
    return results


def _inputs(frame: pl.DataFrame) -> list[InputInfo]:
    """The inputs whose rows ``frame`` holds (what correlation needs to know of them)."""
    return [
        InputInfo(path=file, stream=stream, source=source, format=fmt, events=n)
        for file, stream, source, fmt, n in frame.group_by(
            "file", "stream", "source", "format", maintain_order=True
        )
        .len()
        .iter_rows()
    ]


def _screened_rules(options: AnalyzeOptions, events: pl.DataFrame) -> list[Rule]:
    """The selected rules restricted to owned rows, less those that cannot fire on ``events`` (their
    sources present): rules whose sources are absent still go to the engine, which reports them as not
    concluded."""
    screen = _owned_rules(options)
    present = set(events["source"].unique().to_list())
    may_fire = {r.id for r in screen.may_fire(events)}
    return [r for r in screen.rules if r.id in may_fire or not present.intersection(r.sources)]


def _read_range(task: WindowTask) -> tuple[datetime, datetime]:
    return task.start - task.margin, task.end + max(task.lookahead, task.margin)


def read_rows(
    parts: tuple[PartRef, ...], low: datetime, high: datetime, *, unread: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Rows of ``parts`` with ``low <= ts < high`` (row groups outside are skipped by their statistics);
    the ``unread`` columns (of :data:`~analyzer.model.EXPORT_ONLY`) are not read: null, like ``raw``.

    Each part is checked against the hash its manifest recorded before its rows are used (once per
    process: parts never change in place); a mismatch raises :class:`~analyzer.scan.cache.CacheDamaged`.
    A part's schema must be the event table's: one that is not is damaged too.

    The parts are read by one scan of all their files (hundreds of small parts: one lazy scan each, put
    together, cost polars seconds to plan); rows come out part after part, in the order of the parts,
    each under the path its part is shown as.
    """
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    ordered = sorted(parts, key=lambda p: (p.order, p.path))
    try:
        for part in ordered:
            verify_part(part)
        paths = list(dict.fromkeys(part.path for part in ordered))
        shown = pl.DataFrame(
            {
                _PART: [part.path for part in ordered],
                _MEMBER: [part.member for part in ordered],
                "_shown": [part.display for part in ordered],
                "_seq": pl.Series(range(len(ordered)), dtype=pl.UInt32),
            }
        )
        packs = sorted({part.path for part in ordered if part.member})
        member = pl.when(pl.col(_PART).is_in(packs)).then(pl.col("file")).otherwise(pl.lit(""))
        rows = (
            pl.scan_parquet(paths, include_file_paths=_PART, glob=False)
            .filter((pl.col("ts") >= low) & (pl.col("ts") < high))
            .with_row_index("_row")
            .with_columns(member.alias(_MEMBER))
            .join(shown.lazy(), on=[_PART, _MEMBER], how="inner")
            .sort("_seq", "_row")
            .with_columns(pl.col("_shown").alias("file"))
            .select(*SCHEMA.names())
        )
        # neither the raw line (fetched later for the evidence shown) nor the unread columns are read
        rows = without(rows, ("raw", *unread))
        # one buffer per column, as model.concat_events: the raw column, a literal, comes out in one piece
        # and the others cut like the parts
        return rows.collect().rechunk()
    except (pl.exceptions.PolarsError, OSError) as exc:  # verified bytes that polars cannot read as events
        key = parts[0].key if len(parts) == 1 else ""
        raise CacheDamaged(key, f"a part cannot be read as events ({type(exc).__name__})") from exc


#: The columns of a multi-file scan that tell which part (and which member of a pack) a row came from.
_PART = "_part"
_MEMBER = "_member"


#: Parts already checked by this process: (path, inode, size, mtime) → their bytes' hash.
_VERIFIED: dict[tuple[str, int, int, int], str] = {}


def verify_part(part: PartRef) -> None:
    """Check one part's bytes against the recorded hash and its schema (once per process)."""
    path = Path(part.path)
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise CacheDamaged(part.key, f"{path.name} is missing") from exc
    stamp = (part.path, st.st_ino, st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(stamp) == part.sha256:
        return
    try:
        data = verified_bytes(path, sha256=part.sha256, key=part.key)
        if dict(pl.scan_parquet(io.BytesIO(data)).collect_schema()) != dict(SCHEMA):
            raise CacheDamaged(part.key, f"{path.name} does not hold the event table")
    except CacheDamaged:
        if part.member:  # a damaged pack: every entry that lists it is dropped when next loaded
            drop_pack(path)
        raise
    _VERIFIED[stamp] = part.sha256


def verified_scan(part: PartRef) -> pl.LazyFrame:
    """A lazy scan of one part (of one member's rows, in a pack), its bytes checked against the recorded
    hash first."""
    verify_part(part)
    scan = pl.scan_parquet(Path(part.path), glob=False)
    return scan.filter(pl.col("file") == part.member) if part.member else scan


def window_rows(task: WindowTask, rows: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``[start - margin, end + margin)``, plus later rows of sessions seen before ``end``."""
    low, high = _read_range(task)
    near_end = task.end + task.margin
    near = rows.filter((pl.col("ts") >= low) & (pl.col("ts") < near_end))
    seen = near.filter((pl.col("ts") < task.end) & pl.col("sid").is_not_null())["sid"].unique()
    late = rows.filter(
        (pl.col("ts") >= near_end) & (pl.col("ts") < high) & pl.col("sid").is_in(seen.implode())
    )
    return pl.concat([near, late], how="vertical")


def _owned_bounds(task: WindowTask) -> tuple[datetime, datetime]:
    """``[start, end)`` of the rows the window owns (its own span within ``--since`` / ``--until``)."""
    start, end = task.start, task.end
    if task.analyze.since is not None:
        start = max(start, task.analyze.since)
    if task.analyze.until is not None:
        end = min(end, task.analyze.until + timedelta(microseconds=1))
    return start, end


@lru_cache(maxsize=4)
def _owned_rules(options: AnalyzeOptions) -> RuleScreen:
    """The selected rules, each restricted to the rows the window owns.

    Rows are filtered by a rule's ``where`` (for absences and sequences: its first step only, so that
    what follows an owned anchor may lie in the margin). Facts (``router_sio_ok`` …) are still computed
    over every row read, owned or not.
    """
    mine = Predicate(field=OWNED, op="eq", value=True)
    out = []
    for rule in select_rules(options):
        match = rule.match
        if match.kind in ("absence", "sequence") and match.steps:
            first = replace(match.steps[0], where=(*match.steps[0].where, mine))
            match = replace(match, steps=(first, *match.steps[1:]))
        else:
            match = replace(match, where=(*match.where, mine))
        out.append(replace(rule, match=match))
    return RuleScreen(out)


def _affected(finding: Finding, events: pl.DataFrame) -> WindowFinding:
    """Hosts, routers, clients and files behind a finding: its connections' rows, else its evidence."""
    if finding.connections:
        rows = events.filter(
            pl.col("conn_id").is_in(pl.Series(finding.connections, dtype=pl.String).implode())
        )
    else:
        where = pl.DataFrame(
            {"file": [e.path for e in finding.evidence], "line": [e.line for e in finding.evidence]},
            schema={"file": pl.String, "line": pl.UInt32},
        )
        rows = events.join(where, on=["file", "line"], how="semi")
    return WindowFinding(
        finding,
        hosts=_ranked(rows, "host")[:_TOP],
        routers=_ranked(rows, "router")[:_TOP],
        clients=_ranked(rows.filter(pl.col("source") == "proxy"), "client"),
        sources=sorted(set(rows["file"].drop_nulls().to_list()) | {e.path for e in finding.evidence}),
    )


def _ranked(rows: pl.DataFrame, column: str) -> list[str]:
    """Distinct values of ``column``, most frequent first (ties by value)."""
    counts = Counter(v for v in rows[column].to_list() if v is not None)
    return [value for value, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
