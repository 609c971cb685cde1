"""The whole job of ``wsdiag scan`` as one library call: index, parse (cached), window, analyse, merge."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import polars as pl

from analyzer.analysis import AnalyzeOptions, select_rules
from analyzer.errors import NoInputError, UsageError, WsdiagError
from analyzer.findings import Evidence, Finding, rank
from analyzer.ingest import forced_kind
from analyzer.scan.cache import Cache, CacheDamaged, Manifest, Part, default_cache_dir
from analyzer.scan.incidents import Incident, analyze_command, merge_incidents
from analyzer.scan.index import ArchiveIndex, index_archive
from analyzer.scan.plan import LOOKAHEAD, PlannedPart, margin_for, parts_for, plan_windows
from analyzer.scan.prune import max_bytes_setting, prune
from analyzer.scan.runner import make_runner
from analyzer.scan.windows import WindowCache, rules_digest, window_key
from analyzer.scan.worker import (
    ParseBatch,
    ParseTask,
    PartRef,
    WindowBatch,
    WindowResult,
    WindowTask,
    analyze_windows,
    parse_files,
    verified_scan,
)

if TYPE_CHECKING:
    from analyzer.ingest import InputInfo
    from analyzer.rules import Rule
    from analyzer.scan.index import FileEntry


@dataclass(frozen=True)
class ScanOptions:
    """Options of ``wsdiag scan`` beyond those it shares with ``analyze``."""

    analyze: AnalyzeOptions = field(default_factory=AnalyzeOptions)
    window: timedelta = timedelta(hours=1)
    #: Worker processes; 0 = one per core.
    jobs: int = 0
    cache_dir: Path | None = None
    use_cache: bool = True
    cluster: str | None = None


class Progress(Protocol):
    """What the scan reports while it runs (the CLI draws a progress bar from it)."""

    def phase(self, name: str, *, total: int, total_bytes: int = 0) -> None: ...

    def advance(self, *, done: int = 1, nbytes: int = 0, lines: int = 0) -> None: ...


class _Silent:
    def phase(self, name: str, *, total: int, total_bytes: int = 0) -> None:
        pass

    def advance(self, *, done: int = 1, nbytes: int = 0, lines: int = 0) -> None:
        pass


@dataclass
class ScanStats:
    """Counts about the run itself (not part of the report: they differ between runs)."""

    files: int = 0
    cached: int = 0
    parsed: int = 0
    bytes_read: int = 0
    lines: int = 0
    windows: int = 0
    #: Windows whose result came from the cache (their files did not change).
    windows_cached: int = 0
    #: Wall seconds of each phase: index, parse, analyse.
    seconds: dict[str, float] = field(default_factory=dict)
    #: Damaged cache entries found and rebuilt in this run.
    cache_notes: list[str] = field(default_factory=list)


@dataclass
class ScanResult:
    """Everything the scan report needs."""

    inputs: list[InputInfo]
    incidents: list[Incident]
    findings: list[Finding]
    windows: list[WindowResult]
    window: timedelta
    margin: timedelta
    events: int
    connections: int
    not_concluded: list[tuple[str, str]]
    stats: ScanStats
    #: Whether reports mask secrets (``--no-redact`` turns it off).
    redact: bool = True
    #: What the diagnosis lacks because paths could not be read (set by ``report.boundary.outbound_scan``).
    gaps: list[str] = field(default_factory=list)

    @property
    def period(self) -> tuple[datetime | None, datetime | None]:
        if not self.windows:
            return None, None
        return self.windows[0].start, self.windows[-1].end


def scan(
    paths: list[str], options: ScanOptions | None = None, progress: Progress | None = None
) -> ScanResult:
    """Scan every log under ``paths`` window by window and merge the findings into incidents."""
    options = options or ScanOptions()
    progress = progress or _Silent()
    if options.window < timedelta(minutes=1):
        raise UsageError("--window must be at least 1 minute")
    rules = select_rules(options.analyze)  # usage errors (unknown rule ids, bad rule files) come first
    margin = margin_for(rules)
    scratch: Path | None = None
    folder = options.cache_dir or (default_cache_dir() if options.use_cache else Path(tempfile.gettempdir()))
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if options.use_cache:
            tempfile.TemporaryFile(dir=folder).close()  # writable?
            cache = Cache(folder)
            cache.clean_stale()
        else:
            # a scratch folder inside --cache-dir, so cluster workers that share the cache share it too
            scratch = Path(tempfile.mkdtemp(prefix="wsdiag-scan-", dir=folder))
            cache = Cache(scratch)
    except OSError as exc:
        raise UsageError(f"--cache-dir {folder}: cannot write there ({exc.strerror or exc})") from exc
    started = time.time()
    try:
        for _ in range(_ATTEMPTS):
            try:
                result = _scan(paths, options, progress, cache, margin, rules)
                if options.use_cache:
                    # what this scan used (touched since it started) stays, whatever the cap
                    prune(cache.root, max_bytes=max_bytes_setting(), keep_since=started - 1)
                return result
            except CacheDamaged as exc:  # found while reading a part: drop the entry, parse the file again
                cache.damaged[exc.key] = exc.reason
                cache.discard(exc.key)
        raise WsdiagError(
            f"scan stopped: the cache at {cache.root} keeps failing verification "
            f"({'; '.join(sorted(set(cache.damaged.values())))}); remove it or give another --cache-dir"
        )
    except OSError as exc:  # a full disk, a cache folder removed under our feet
        where = f" ({exc.filename})" if exc.filename else ""
        raise WsdiagError(f"scan stopped: {exc.strerror or exc}{where}") from exc
    except pl.exceptions.PolarsError as exc:  # polars reports a full disk or a lost file in its own words
        raise WsdiagError(f"scan stopped: {str(exc).splitlines()[0][:200]}") from exc
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


#: Runs of a scan at most when parts of its cache turn out damaged (each run rebuilds what it found).
_ATTEMPTS = 3


def _scan(
    paths: list[str],
    options: ScanOptions,
    progress: Progress,
    cache: Cache,
    margin: timedelta,
    rules: list[Rule],
) -> ScanResult:
    read = options.analyze.read
    clock = time.perf_counter()
    ranged = options.analyze.since is not None or options.analyze.until is not None
    index = index_archive(paths, read, cache, use_cache=options.use_cache, ranges=ranged)
    seconds = {"index": time.perf_counter() - clock}
    stats = ScanStats(
        files=len(index.files), cached=sum(f.key in index.cached for f in index.files), seconds=seconds
    )
    if not index.files:
        reasons = "; ".join(f"{i.label}: {i.error}" for i in index.problems) or "no files found"
        raise NoInputError(f"no input could be read ({reasons})")
    files = _in_range(index.files, options.analyze)
    jobs = options.jobs or os.cpu_count() or 1
    runner = make_runner(jobs=min(jobs, max(1, len(files))), cluster=options.cluster)
    try:
        manifests = dict(index.cached)
        # identical files (same size, mtime and head) share a key: parse one of them
        todo = list({f.key: f for f in files if f.key not in manifests}.values())
        progress.phase("parse", total=len(files), total_bytes=sum(f.size for f in files))
        for f in files:
            if f.key in manifests:
                progress.advance(nbytes=f.size, lines=manifests[f.key].lines)
        clock = time.perf_counter()
        tasks = parse_work(
            [
                ParseTask(f, read, str(cache.root), forced=forced_kind(f.ref(), read))
                for f in sorted(todo, key=lambda f: -f.size)
            ],
            runner.workers,
        )
        parsed: dict[str, str] = {}
        for done in runner.map(parse_files, tasks):
            for manifest in done:
                manifests[manifest.key] = manifest
                parsed[manifest.indexed_key] = manifest.key
                stats.parsed += 1
                stats.bytes_read += manifest.size
                progress.advance(nbytes=manifest.size, lines=manifest.lines)
        # a file that changed since it was indexed is known by the key of what was read
        files = [replace(f, key=parsed.get(f.key, f.key)) for f in files]
        volatile = {m.key for m in manifests.values() if m.changed}
        seconds["parse"] = time.perf_counter() - clock
        clock = time.perf_counter()
        _check_something_read(files, manifests, options.cluster)
        stats.lines = sum(manifests[f.key].lines for f in files)
        parts = _planned_parts(files, manifests, cache)
        windows = plan_windows(
            parts, options.window, since=options.analyze.since, until=options.analyze.until
        )
        window_tasks = [
            WindowTask(
                w.index,
                w.start,
                w.end,
                margin,
                LOOKAHEAD,
                parts_for(w, parts, margin, LOOKAHEAD),
                options.analyze,
            )
            for w in windows
        ]
        progress.phase("analyse", total=len(window_tasks))
        results: list[WindowResult] = []
        keys: dict[int, str] = {}
        windows_cache = WindowCache(cache.root) if options.use_cache else None
        if windows_cache is not None:
            window_tasks, results, keys = _cached_windows(window_tasks, windows_cache, files, rules)
            stats.windows_cached = len(results)
            progress.advance(done=len(results), lines=sum(r.events for r in results))
        shown = {f.display: f.key for f in files}
        units = batches(
            window_tasks,
            options.window,
            runner.workers,
            rows_per_window=_rows_per_window(parts, options.window),
        )
        # windows that read a file which changed while it was read are not kept: that read is not cached
        passing = {t.index for t in window_tasks if any(p.key in volatile for p in t.parts)}
        for batch in runner.map(analyze_windows, units):
            results.extend(batch)
            if windows_cache is not None:
                for result in batch:
                    if result.index not in passing:
                        windows_cache.store(keys[result.index], result, shown)
            progress.advance(done=len(batch), lines=sum(r.events for r in batch))
        seconds["analyse"] = time.perf_counter() - clock
    finally:
        runner.close()
    results.sort(key=lambda r: r.index)
    stats.windows = len(results)
    inputs = _inputs(files, manifests, index.problems)
    incidents = merge_incidents(results, {r.id: r.explains for r in rules})
    _commands(incidents, paths_by_time(files, manifests), margin, options)
    findings = rank([i.finding for i in incidents if i.finding is not None])
    _fill_evidence(findings, files, manifests, cache)
    for key in volatile:
        cache.discard(key)
    stats.cache_notes = _cache_notes(cache, windows_cache, index, files)
    return ScanResult(
        inputs=inputs,
        incidents=incidents,
        findings=findings,
        windows=results,
        window=options.window,
        margin=margin,
        events=sum(r.events for r in results),
        connections=sum(r.connections for r in results),
        not_concluded=_not_concluded(results),
        stats=stats,
        redact=options.analyze.redact,
    )


def _cached_windows(
    tasks: list[WindowTask], windows_cache: WindowCache, files: list[FileEntry], rules: list[Rule]
) -> tuple[list[WindowTask], list[WindowResult], dict[int, str]]:
    """Split ``tasks`` into those still to analyse and the results the cache already has."""
    rules_hash = rules_digest(rules)
    paths = {f.key: f.display for f in files}
    todo, done, keys = [], [], {}
    for task in tasks:
        part_keys = [f"{Path(p.path).parent.name}/{Path(p.path).name}#{p.member}" for p in task.parts]
        key = keys[task.index] = window_key(task, part_keys, rules_hash)
        cached = windows_cache.load(key, paths)
        if cached is None:
            todo.append(task)
        else:
            done.append(cached)
    return todo, done, keys


#: Files up to this size (on disk) are parsed many at a time (:class:`ParseBatch`).
SMALL_FILE_BYTES = 1024 * 1024
#: A batch of small files holds at most this many files and bytes.
BATCH_FILES = 1000
BATCH_BYTES = 32 * 1024 * 1024


def parse_work(tasks: list[ParseTask], workers: int) -> list[ParseTask | ParseBatch]:
    """Large files one task each (largest first); small ones in batches, enough for every worker."""
    large: list[ParseTask | ParseBatch] = [t for t in tasks if t.entry.size > SMALL_FILE_BYTES]
    small = [t for t in tasks if t.entry.size <= SMALL_FILE_BYTES]
    if not small:
        return large
    total = sum(t.entry.size for t in small)
    count = max(-(-len(small) // BATCH_FILES), -(-total // BATCH_BYTES), min(2 * workers, len(small)))
    size = -(-len(small) // count)
    batches = [ParseBatch(tuple(small[i : i + size])) for i in range(0, len(small), size)]
    return large + batches


#: Time one unit of window work covers at most: consecutive windows share one read of their rows.
BATCH_SPAN = timedelta(hours=6)
#: Rows one unit of window work reads at most (estimated): busy archives get shorter batches.
BATCH_ROWS = 250_000


def batches(
    tasks: list[WindowTask], window: timedelta, workers: int, *, rows_per_window: float = 0.0
) -> list[WindowBatch]:
    """Runs of consecutive windows: at most ``BATCH_SPAN`` and about ``BATCH_ROWS`` rows each, and
    enough runs for every worker. A run is analysed in one pass, each window as if alone (its own
    partition), so results do not depend on how windows are batched."""
    size = BATCH_SPAN // window
    if rows_per_window > 0:
        size = min(size, int(BATCH_ROWS // rows_per_window))
    if tasks:
        size = min(size, -(-len(tasks) // (2 * workers)))
    size = max(1, size)
    out: list[WindowBatch] = []
    run: list[WindowTask] = []
    for task in tasks:
        if run and (len(run) == size or task.index != run[-1].index + 1):
            out.append(WindowBatch(tuple(run)))
            run = []
        run.append(task)
    if run:
        out.append(WindowBatch(tuple(run)))
    return out


def _rows_per_window(parts: list[PlannedPart], window: timedelta) -> float:
    """Average rows in a window, from the parts' row counts and time spans (each read counts its margins)."""
    total = sum(p.rows for p in parts)
    if not parts or not total:
        return 0.0
    span = max(p.max_ts for p in parts) - min(p.min_ts for p in parts)
    return total * (window + 2 * LOOKAHEAD) / max(span, window)


def _check_something_read(
    files: list[FileEntry], manifests: dict[str, Manifest], cluster: str | None
) -> None:
    """Exit 2 when no file could be parsed; on a cluster, say where the archive must be."""
    infos = [info for f in files for info in manifests[f.key].inputs]
    if any(info.error is None for info in infos):
        return
    reasons = "; ".join(sorted({f"{i.label}: {i.error}" for i in infos})[:3])
    hint = (
        " — the Dask workers must see the archive and --cache-dir at the same paths as this machine"
        if cluster
        else ""
    )
    raise NoInputError(f"no input could be read ({reasons}){hint}")


def _in_range(files: list[FileEntry], options: AnalyzeOptions) -> list[FileEntry]:
    """Files that may hold events inside ``--since`` / ``--until`` (known ranges only prune)."""
    slack = timedelta(hours=1)  # a proxy writes a WebSocket line at its close, stamped with its start
    out = []
    for f in files:
        if options.until is not None and f.first_ts is not None and f.first_ts > options.until + slack:
            continue
        if options.since is not None and f.last_ts is not None and f.last_ts < options.since - slack:
            continue
        out.append(f)
    return out


def _planned_parts(files: list[FileEntry], manifests: dict[str, Manifest], cache: Cache) -> list[PlannedPart]:
    out = []
    for f in files:
        manifest = manifests[f.key]
        for part in manifest.parts:
            if part.min_ts is None or part.max_ts is None:
                continue
            out.append(PlannedPart(_part_ref(cache, f, part), part.min_ts, part.max_ts, part.rows))
    return out


def _part_ref(cache: Cache, f: FileEntry, part: Part) -> PartRef:
    """What a window (or the evidence) reads of one part of file ``f``'s entry."""
    return PartRef(str(cache.part_path(f.key, part)), f.display, f.order, part.sha256, f.key, part.member)


def _inputs(
    files: list[FileEntry], manifests: dict[str, Manifest], problems: list[InputInfo]
) -> list[InputInfo]:
    out = []
    for f in files:
        for info in manifests[f.key].inputs:
            # the name it has now (the cache may have read it under another, or it has a twin)
            out.append(replace(info, path=f.display, notes=list(info.notes)))
    return out + problems


def paths_by_time(
    files: list[FileEntry], manifests: dict[str, Manifest]
) -> list[tuple[str, datetime | None, datetime | None]]:
    """(path, first event, last event) of every file, for the re-analysis commands."""
    out = []
    for f in files:
        parts = manifests[f.key].parts
        lows = [p.min_ts for p in parts if p.min_ts is not None]
        highs = [p.max_ts for p in parts if p.max_ts is not None]
        out.append((f.given or f.path, min(lows) if lows else f.first_ts, max(highs) if highs else f.last_ts))
    return out


def _commands(
    incidents: list[Incident],
    files: list[tuple[str, datetime | None, datetime | None]],
    margin: timedelta,
    options: ScanOptions,
) -> None:
    analyze = options.analyze
    extra: list[str] = []
    if analyze.read.tz != "UTC":
        extra += ["--tz", analyze.read.tz]
    for kind, path in analyze.read.forced:
        extra += ["--input", f"{kind}={path}"]
    for folder in analyze.rule_dirs:
        extra += ["--patterns", str(folder)]
    for rule_id in analyze.only:
        extra += ["--only", rule_id]
    for rule_id in analyze.disable:
        extra += ["--disable", rule_id]
    for incident in incidents:
        incident.command = analyze_command(incident, files, margin, extra)


#: Files named one by one in the notes on damaged cache entries of one cause; more are counted.
_NAMED = 3


def _cache_notes(
    cache: Cache, windows_cache: WindowCache | None, index: ArchiveIndex, files: list[FileEntry]
) -> list[str]:
    """What was found damaged in the cache and rebuilt (said on stderr: the report is the same)."""
    names = {f.key: f.display for f in files} | {k: m.display for k, m in index.cached.items()}
    by_reason: dict[str, list[str]] = {}
    for key, why in cache.damaged.items():
        by_reason.setdefault(why, []).append(names.get(key, key))
    notes: list[str] = []
    for why, shown in by_reason.items():
        if len(shown) <= _NAMED:
            notes.extend(f"cache entry of {name} was damaged ({why}): parsed again" for name in shown)
        else:  # the members of one damaged pack: one line, not hundreds
            first = ", ".join(sorted(shown)[:_NAMED])
            notes.append(
                f"cache entries of {len(shown)} files were damaged ({why}): parsed again ({first}, …)"
            )
    if windows_cache is not None and windows_cache.damaged:
        notes.append(f"{len(windows_cache.damaged)} cached window result(s) were damaged: analysed again")
    return notes


def _not_concluded(results: list[WindowResult]) -> list[tuple[str, str]]:
    """Rules that could conclude in no window (a source they need is absent from the whole archive)."""
    if not results:
        return []
    common = dict(results[0].not_concluded)
    for result in results[1:]:
        mine = {rule for rule, _ in result.not_concluded}
        common = {rule: why for rule, why in common.items() if rule in mine}
    return sorted(common.items())


def _fill_evidence(
    findings: list[Finding],
    files: list[FileEntry],
    manifests: dict[str, Manifest],
    cache: Cache,
) -> None:
    """Replace each evidence line's text with its raw record, read back from the cache (windows skip it)."""
    wanted: dict[str, set[int]] = {}
    for finding in findings:
        for ev in finding.evidence:
            if ev.line is not None:
                wanted.setdefault(ev.path, set()).add(ev.line)
    if not wanted:
        return
    raw: dict[tuple[str, int, str | None], str] = {}
    for f in files:
        lines = wanted.get(f.display)
        if not lines:
            continue
        folder = cache.entry_dir(f.key)
        if not folder.is_dir():
            continue  # a cache this machine cannot see (a cluster's): the parsed message stays
        for part in manifests[f.key].parts:
            rows = (
                verified_scan(_part_ref(cache, f, part))
                .filter(pl.col("line").is_in(sorted(lines)))
                .select("line", "stream", "raw")
                .collect()
            )
            for line, stream, text in rows.iter_rows():
                raw[(f.display, line, stream)] = text
    for finding in findings:
        finding.evidence = [_with_raw(ev, raw) for ev in finding.evidence]


def _with_raw(ev: Evidence, raw: dict[tuple[str, int, str | None], str]) -> Evidence:
    text = raw.get((ev.path, ev.line or 0, ev.stream))
    if text is None:
        return ev
    return Evidence(
        source=ev.source,
        path=ev.path,
        line=ev.line,
        ts=ev.ts,
        text=text,
        stream=ev.stream,
        offset_ms=ev.offset_ms,
        conn_id=ev.conn_id,
    )
