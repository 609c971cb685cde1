"""Reading stage: paths in, one event table and a description of every input out.

discover (files, rotation order) → read (decompress, decode, split) → unwrap shipper prefixes →
sniff the format → parse → conform to the event schema. A file that fails at any step is reported
in :attr:`Ingested.inputs` with the reason, and the others go on.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from analyzer.errors import InputError, UnreadableError, UsageError, WsdiagError
from analyzer.ingest.detect import MIN_SCORE, Choice, choose, lines_each_parser_reads, path_hint, sample_of
from analyzer.ingest.discover import FileRef, discover
from analyzer.ingest.reader import MAX_TOTAL_BYTES, RawText, ReadBudget, read_file
from analyzer.ingest.shippers import UnwrapOptions, View, split_streams, unwrap
from analyzer.ingest.times import fix_unknown_years, reconcile_times
from analyzer.model import SOURCES, concat_events, conform, without
from analyzer.parsers import registry
from analyzer.parsers.base import (
    BATCH_DOCS,
    BATCH_STRIDE,
    Document,
    ParseContext,
    Parser,
    ParseResult,
    parse_together,
)
from analyzer.parsers.nginx_access import learn_log_formats
from analyzer.timeparse import DEFAULT_TZ

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import date

__all__ = [
    "MIN_SCORE",
    "Ingested",
    "InputInfo",
    "ReadOptions",
    "forced_kind",
    "load",
    "parse_forced",
    "parse_text",
    "parse_texts",
]

_EXAMPLES = 5
#: Streams shorter than this wait to be parsed together with others of their format.
_SMALL_LINES = 5_000
#: Waiting streams are parsed once they hold this many lines in all (memory stays bounded).
_BATCH_LINES = 200_000
#: The first lines of a stream its parser's batch key is decided from.
_KEY_LINES = 400
#: Leftover lines of a stream are offered to other parsers at most this many rounds.
_ROUNDS = 4
#: Up to this many leftover lines that no parser recognizes together are tried one by one.
_PER_LINE_MAX = 200


@dataclass
class InputInfo:
    """One input as the report describes it."""

    path: str
    stream: str | None = None
    source: str | None = None
    format: str | None = None
    events: int = 0
    unparsed_lines: int = 0
    unparsed_examples: list[int] = field(default_factory=list)
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    #: Milliseconds added to this input's clock by correlation; None until correlation ran.
    clock_offset_ms: float | None = None
    aligned: bool | None = None
    #: The input whose clock the others are aligned to.
    clock_reference: bool = False
    tz: str | None = None
    wrappers: list[str] = field(default_factory=list)
    compression: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Why the input was not read at all (unreadable, unknown format); None when it was read.
    error: str | None = None
    #: The first line no parser could read (shown so the user sees what was not understood).
    first_line: str | None = None
    #: Every format some of the input's lines were read as, with its event count (main format first).
    formats: dict[str, int] = field(default_factory=dict)
    #: The input's times came from a wrapper without a year, and nothing in it said which year.
    year_assumed: bool = False
    #: Where the file is on disk (``path`` is how it is shown); None for stdin.
    location: str | None = None
    #: The path could not be read at all (permissions, vanished, a special file): a gap in the diagnosis.
    unread: bool = False

    @property
    def label(self) -> str:
        return f"{self.path}[{self.stream}]" if self.stream else self.path

    @property
    def format_label(self) -> str | None:
        """The format, or every format found when the input mixes several (``traefik-clf+traefik-app``)."""
        if len(self.formats) > 1:
            return "+".join(self.formats)
        return self.format


@dataclass
class Ingested:
    """The event table and the inputs it came from."""

    events: pl.DataFrame
    inputs: list[InputInfo]

    @property
    def anything_read(self) -> bool:
        return any(info.error is None for info in self.inputs)


@dataclass(frozen=True)
class ReadOptions:
    """Options of the reading stage (``--tz``, ``--date``, ``--input KIND=PATH``)."""

    tz: str = DEFAULT_TZ
    date: date | None = None
    #: (kind, path) pairs: kind is a format name or a source name, path a file or a folder.
    forced: tuple[tuple[str, str], ...] = ()
    #: Follow symbolic links that lead out of a folder given (``--follow-symlinks``).
    follow_symlinks: bool = False
    #: nginx ``log_format`` strings to read access logs with (learned from nginx.conf among the inputs).
    nginx_log_formats: tuple[str, ...] = ()
    #: Columns the caller never reads (of :data:`~analyzer.model.EXPORT_ONLY`): left null in the table.
    unread: tuple[str, ...] = ()


def parse_forced(values: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """Parse ``--input KIND=PATH`` values; KIND is a format (``traefik-clf``) or a source (``proxy``)."""
    known = registry()
    out = []
    for value in values:
        kind, sep, path = value.partition("=")
        if not sep or not kind or not path:
            raise UsageError(f"--input expects KIND=PATH, got {value!r}")
        if kind not in known and kind not in SOURCES:
            raise UsageError(
                f"--input: unknown kind {kind!r}; use a source ({', '.join(SOURCES[:3])}) "
                f"or a format ({', '.join(known)})"
            )
        out.append((kind, path))
    return tuple(out)


def load(paths: list[str], options: ReadOptions | None = None) -> Ingested:
    """Read every log under ``paths`` into one event table (see :mod:`analyzer.model`).

    Small streams of a line-independent format wait and are parsed together (:func:`parse_together`): a
    folder of thousands of small files costs a few parser calls, not thousands. Thousands of small files
    are also read by one process per core (:func:`_load_refs` on runs of files, rotation groups whole):
    each file is read as it would be alone, so the result is the same.
    """
    options = options or ReadOptions()
    found = discover(paths, follow_symlinks=options.follow_symlinks)
    learned = learn_log_formats(ref.path for ref in found.files if ref.path is not None)
    if learned:
        options = replace(options, nginx_log_formats=(*options.nginx_log_formats, *learned))
    inputs = [InputInfo(path, error=reason, unread=True) for path, reason in found.problems]
    frames: list[tuple[int, pl.DataFrame]] = []
    for chunk_frames, chunk_inputs in _load_runs(found.files, options):
        frames.extend((order + len(inputs), frame) for order, frame in chunk_frames)
        inputs.extend(chunk_inputs)
    frames.sort(key=lambda item: item[0])
    events = fix_unknown_years(concat_events([without(frame, options.unread) for _, frame in frames]), inputs)
    return Ingested(events, inputs)


#: Read by one process per core from this many files on, when every one is small (below).
PARALLEL_FILES = 400
_PARALLEL_MAX_AVERAGE = 1024 * 1024


def _load_runs(
    refs: list[FileRef], options: ReadOptions
) -> Iterator[tuple[list[tuple[int, pl.DataFrame]], list[InputInfo]]]:
    """Each run of files read: here, or by a pool of processes when there are many small ones."""
    cores = os.cpu_count() or 1
    if cores < 2 or len(refs) < PARALLEL_FILES or not _all_small(refs):
        yield _load_refs(refs, options)
        return
    from analyzer.scan.runner import PoolRunner  # the project's one process pool (spawned, thread-capped)

    runs = _runs(refs, 4 * cores)
    runner = PoolRunner(min(cores, len(runs)))
    try:
        # the memory budget is shared out: runs read at once hold no more than one run alone would
        share = MAX_TOTAL_BYTES // len(runs)
        results = dict(runner.map(_load_run, [(i, run, options, share) for i, run in enumerate(runs)]))
    finally:
        runner.close()
    for i in range(len(runs)):
        yield results[i]


def _all_small(refs: list[FileRef]) -> bool:
    """Every file named on disk, and all of them together small enough to hold a few times over."""
    total = 0
    for ref in refs:
        if ref.path is None:
            return False
        with contextlib.suppress(OSError):  # reported when it is read
            total += ref.path.stat().st_size
    return total <= min(len(refs) * _PARALLEL_MAX_AVERAGE, MAX_TOTAL_BYTES // 4)


def _runs(refs: list[FileRef], count: int) -> list[list[FileRef]]:
    """``refs`` cut into about ``count`` consecutive runs, never inside a rotation group."""
    size = -(-len(refs) // count)
    runs: list[list[FileRef]] = [[]]
    for ref in refs:
        if len(runs[-1]) >= size and ref.group != runs[-1][-1].group:
            runs.append([])
        runs[-1].append(ref)
    return runs


def _load_run(
    task: tuple[int, list[FileRef], ReadOptions, int],
) -> tuple[int, tuple[list[tuple[int, pl.DataFrame]], list[InputInfo]]]:
    index, refs, options, budget = task
    return index, _load_refs(refs, options, ReadBudget(budget, MAX_TOTAL_BYTES))


def _load_refs(
    refs: list[FileRef], options: ReadOptions, budget: ReadBudget | None = None
) -> tuple[list[tuple[int, pl.DataFrame]], list[InputInfo]]:
    """Read files in order: their frames (by the position of their input, from 1) and their inputs."""
    inputs: list[InputInfo] = []
    frames: list[tuple[int, pl.DataFrame]] = []
    group_format: dict[str, str] = {}
    budget = budget or ReadBudget()
    waiting: list[_Job] = []
    waiting_lines = 0
    for ref in refs:
        for job in _load_file(ref, options, inputs, group_format, budget):
            if _can_wait(job):
                waiting.append(job)
                waiting_lines += job.view.lines.height
                if waiting_lines >= _BATCH_LINES:
                    frames.extend((j.order, f) for j, f in _finish_together(waiting))
                    waiting, waiting_lines = [], 0
            else:
                frames.extend((j.order, f) for j, f in _finish([job]))
    frames.extend((j.order, f) for j, f in _finish_together(waiting))
    return frames, inputs


def _load_file(
    ref: FileRef,
    options: ReadOptions,
    inputs: list[InputInfo],
    group_format: dict[str, str],
    budget: ReadBudget,
) -> list[_Job]:
    try:
        raw = read_file(ref, budget=budget)
    except InputError as exc:
        inputs.append(InputInfo(ref.display, error=str(exc.args[0]), unread=isinstance(exc, UnreadableError)))
        return []
    return _plan_file(ref, raw, options, inputs, group_format)


@dataclass
class _Job:
    """One stream of one file, planned: its view, the parser chosen, what the rest needs."""

    order: int
    view: View
    choice: Choice
    others: list[Parser]
    ctx: ParseContext
    info: InputInfo
    #: The main parser's result, when it was computed together with other streams'.
    main: tuple[pl.DataFrame, ParseResult] | None = None


def parse_text(
    ref: FileRef,
    raw: RawText,
    options: ReadOptions,
    inputs: list[InputInfo],
    group_format: dict[str, str] | None = None,
) -> list[pl.DataFrame]:
    """Unwrap, sniff and parse lines already read from ``ref``; append one :class:`InputInfo` per stream.

    ``group_format`` maps rotation groups to the format their first file was read as (updated here).
    """
    jobs = _plan_file(ref, raw, options, inputs, {} if group_format is None else group_format)
    return [frame for _, frame in _finish(jobs)]


def parse_texts(
    files: list[tuple[FileRef, RawText]], options: ReadOptions
) -> list[tuple[list[InputInfo], list[pl.DataFrame]]]:
    """:func:`parse_text` of several files at once: small streams of one format are parsed together.

    Returns each file's inputs and frames, in the order given: the same as calling :func:`parse_text` on
    each alone (``tests/test_ingest.py`` holds both to it), whatever the neighbours, only cheaper for many
    small files. Each file is read without its rotation group's format as a prior, as ``parse_text`` with
    no ``group_format`` reads it.
    """
    inputs: list[list[InputInfo]] = []
    frames: list[list[tuple[int, pl.DataFrame]]] = []
    owner: dict[int, int] = {}
    waiting: list[_Job] = []
    for ref, raw in files:
        inputs.append([])
        frames.append([])
        for job in _plan_file(ref, raw, options, inputs[-1], {}):
            owner[id(job)] = len(frames) - 1
            if _can_wait(job):
                waiting.append(job)
            else:
                frames[-1].extend((j.order, frame) for j, frame in _finish([job]))
    for job, frame in _finish_together(waiting):
        frames[owner[id(job)]].append((job.order, frame))
    # a file's streams in their order, as parse_text gives them
    return [(i, [f for _, f in sorted(fs, key=lambda x: x[0])]) for i, fs in zip(inputs, frames, strict=True)]


def _plan_file(
    ref: FileRef, raw: RawText, options: ReadOptions, inputs: list[InputInfo], group_format: dict[str, str]
) -> list[_Job]:
    """Unwrap and sniff a file's lines: one planned stream per stream in it (each with its InputInfo)."""
    if raw.lines.height == 0:
        inputs.append(InputInfo(ref.display, error="empty file", notes=raw.notes))
        return []
    ctx = ParseContext(
        tz=options.tz,
        date=options.date,
        mtime=raw.mtime,
        name=ref.path.name if ref.path else "",
        location=ref.path,
        nginx_log_formats=options.nginx_log_formats,
    )
    candidates = _candidates(ref, options)
    forced = len(candidates) == 1
    default_date = options.date or (raw.mtime.date() if raw.mtime else None)
    views = unwrap(raw.lines, UnwrapOptions(tz=options.tz, default_date=default_date))
    jobs = []
    for stream, view, choice in _plan(views, ref, candidates, group_format.get(ref.group), forced=forced):
        info = InputInfo(ref.display, stream=stream, compression=raw.compression, notes=list(raw.notes))
        info.location = str(ref.path) if ref.path else None
        info.wrappers = view.wrappers
        inputs.append(info)
        if choice.hint_note:
            info.notes.append(choice.hint_note)
        if choice.parser is not None:
            group_format.setdefault(ref.group, choice.parser.name)
        jobs.append(_Job(len(inputs), view, choice, [] if forced else candidates, ctx, info))
    return jobs


def _finish(jobs: list[_Job]) -> list[tuple[_Job, pl.DataFrame]]:
    """Read each planned stream (its main parser, then its leftovers) and complete its times."""
    frames = []
    for job in jobs:
        frame = _read_stream(job.view, job.choice.parser, job.others, job.ctx, job.info, computed=job.main)
        if frame is not None:
            frames.append((job, reconcile_times(frame, job.view, job.info, job.ctx.tz)))
    return frames


def _can_wait(job: _Job) -> bool:
    parser = job.choice.parser
    return (
        parser is not None
        and parser.batchable
        and job.view.lines.height < _SMALL_LINES
        and int(job.view.lines["line"].max() or 0) < BATCH_STRIDE  # type: ignore[arg-type]
    )


def _finish_together(jobs: list[_Job]) -> list[tuple[_Job, pl.DataFrame]]:
    """Parse waiting small streams together, by parser (and the parser's own grouping), then finish each."""
    groups: dict[tuple[str, str, str], list[_Job]] = {}
    for job in jobs:
        parser = job.choice.parser
        assert parser is not None
        key = (parser.name, parser.batch_key(job.view.lines["text"].head(_KEY_LINES).to_list()), job.ctx.tz)
        groups.setdefault(key, []).append(job)
    for group in groups.values():
        parser = group[0].choice.parser
        assert parser is not None
        for start in range(0, len(group), BATCH_DOCS):
            chunk = group[start : start + BATCH_DOCS]
            docs = [Document(j.info.path, j.view.lines, j.info.stream) for j in chunk]
            try:
                whole, results = parse_together(parser, docs, chunk[0].ctx)
            except Exception:  # a bug in the batched path: each stream is read alone, as usual
                if os.environ.get("WSDIAG_DEBUG"):
                    raise
                continue
            index = whole.events["_doc"]
            located = whole.events.drop("_doc").with_columns(
                pl.Series([d.path for d in docs], dtype=pl.String).gather(index).alias("file"),
                pl.Series([d.stream for d in docs], dtype=pl.String).gather(index).alias("stream"),
                pl.lit(parser.source).alias("source"),
                pl.lit(parser.name).alias("format"),
            )
            parts = conform(located).with_columns(index).partition_by("_doc", as_dict=True, include_key=False)
            empty = conform(located.clear())
            for i, (job, result) in enumerate(zip(chunk, results, strict=True)):
                if i not in whole.alone:
                    job.main = (parts.get((i,), empty), result)
    return _finish(jobs)


def _plan(
    views: list[View], ref: FileRef, parsers: list[Parser], sibling: str | None, *, forced: bool
) -> list[tuple[str | None, View, Choice]]:
    """The candidate view whose streams the parsers recognize best, with each stream's parser.

    A view scores its streams' best scores weighted by their sampled lines; on a tie the less unwrapped
    view wins (a line's own time is the producer's).
    """
    best: list[tuple[str | None, View, Choice]] = []
    best_score = -1.0
    for view in views:
        plan = []
        total = weighted = 0.0
        for stream, part in split_streams(view):
            sample = sample_of(part)
            hint = path_hint(ref.display, stream)
            choice = choose(sample, parsers, hint=hint, sibling=sibling, forced=forced)
            plan.append((stream, part, choice))
            weighted += choice.score * len(sample)
            total += len(sample)
        score = weighted / total if total else 0.0
        if score > best_score + 1e-9:
            best, best_score = plan, score
    return best


def _read_stream(
    view: View,
    main: Parser | None,
    others: list[Parser],
    ctx: ParseContext,
    info: InputInfo,
    *,
    computed: tuple[pl.DataFrame, ParseResult] | None = None,
) -> pl.DataFrame | None:
    """Read one stream: the main parser first, then its leftovers by whichever parsers know them.

    Leftovers are the lines the main parser could not read and the records it read only as "a time, then
    anything" (a Traefik line in a backend stream); a line some parser reads is never left unparsed.
    """
    doc_lines = view.lines
    frames: list[pl.DataFrame] = []
    unparsed = pl.Series("line", [], dtype=pl.UInt32)
    weak = pl.Series("line", [], dtype=pl.UInt32)
    tried: set[str] = set()
    if main is not None:
        info.source, info.format = main.source, main.name
        result = computed or _run(main, Document(info.path, doc_lines, info.stream), ctx, info)
        if computed is not None:
            _note(computed[1], ctx, info)
        if result is None:
            return None
        frames.append(result[0])
        unparsed, weak = result[1].unparsed, result[1].weak
        tried.add(main.name)
    else:
        unparsed = doc_lines.filter(pl.col("text").str.strip_chars() != "")["line"]
    offered = pl.concat([unparsed, weak]).unique(maintain_order=True)
    if others and offered.len():
        pending = doc_lines.join(pl.DataFrame({"line": offered}), on="line", how="semi")
        for parser, frame, consumed in _offer(pending, others, tried, ctx, info, frames):
            if frames and consumed.len():
                frames[0] = frames[0].filter(~pl.col("line").is_in(consumed.implode()))
            frames.append(frame)
            unparsed = unparsed.filter(~unparsed.is_in(consumed.implode()))
            if info.format is None:
                info.source, info.format = parser.source, parser.name
    _describe(info, frames, unparsed, doc_lines)
    if not frames:
        return None
    frame = pl.concat(frames, how="vertical")
    return frame.sort("line", maintain_order=True) if len(frames) > 1 else frame


def _offer(
    pending: pl.DataFrame,
    parsers: list[Parser],
    tried: set[str],
    ctx: ParseContext,
    info: InputInfo,
    read: list[pl.DataFrame],
) -> list[tuple[Parser, pl.DataFrame, pl.Series]]:
    """What other parsers read of ``pending`` lines: (parser, events, the lines they consumed).

    The leftovers as a whole go to the specific parser that recognizes them best, its leftovers to the next,
    for a few rounds; a handful of lines no parser recognizes together are tried one line at a time; what
    is left and carries a time goes to the generic parser. ``read`` is what the stream's main parser read.
    """
    out: list[tuple[Parser, pl.DataFrame, pl.Series]] = []
    hint = path_hint(info.path, info.stream)
    for _ in range(_ROUNDS):
        if not pending.height:
            break
        left = [p for p in parsers if p.name not in tried and not p.generic]
        choice = choose(sample_of(View(pending)), left, hint=hint)
        if choice.parser is not None:
            groups = [(choice.parser, pending)]
        elif pending.height <= _PER_LINE_MAX:
            named = {p.name: p for p in left}
            by_line = lines_each_parser_reads(pending["text"], left, hint=hint)
            groups = [(named[name], pending[rows]) for name, rows in by_line.items()]
        else:
            groups = []
        generic = [p for p in parsers if p.generic and p.name not in tried]
        if not groups and generic:
            groups = [(generic[0], pending)]
        if not groups:
            break
        for parser, part in groups:
            tried.add(parser.name)
            # lines that lack a date take it from what the stream's other parsers read
            near = max(
                (t for f in (*read, *(x[1] for x in out)) if isinstance(t := f["ts"].max(), datetime)),
                default=None,
            )
            result = _run(parser, Document(info.path, part, info.stream), replace(ctx, near=near), None)
            if result is None:
                continue
            frame, parsed = result
            blank = part.filter(pl.col("text").str.strip_chars() == "")["line"]
            consumed = part["line"].filter(~part["line"].is_in(pl.concat([parsed.unparsed, blank]).implode()))
            if frame.height and consumed.len():
                out.append((parser, frame, consumed))
                info.notes.extend(n for n in parsed.notes if n not in info.notes)
                if parsed.assumed_tz:
                    info.tz = ctx.tz
                pending = pending.filter(~pl.col("line").is_in(consumed.implode()))
    return out


def _run(
    parser: Parser, doc: Document, ctx: ParseContext, info: InputInfo | None
) -> tuple[pl.DataFrame, ParseResult] | None:
    """Parse and conform; a parser's error is the input's error when it is the main parser, else ignored."""
    try:
        result = parser.parse(doc, ctx)
    except WsdiagError as exc:  # the parser's own words about a damaged file (a truncated HAR, ...)
        if info is not None:
            info.error = str(exc)
        return None
    except Exception as exc:  # a parser bug is reported for this input; the others go on
        if os.environ.get("WSDIAG_DEBUG"):
            raise
        if info is not None:
            info.error = f"{parser.name} parser failed: {type(exc).__name__}: {exc}"
        return None
    frame = _conform(parser, doc, result)
    if info is not None:
        _note(result, ctx, info)
    return frame, result


def _conform(parser: Parser, doc: Document, result: ParseResult) -> pl.DataFrame:
    """A parser's events with where they came from, in the event table's schema."""
    return conform(
        result.events.with_columns(
            pl.lit(parser.source).alias("source"),
            pl.lit(parser.name).alias("format"),
            pl.lit(doc.path).alias("file"),
            pl.lit(doc.stream, dtype=pl.String).alias("stream"),
        )
    )


def _note(result: ParseResult, ctx: ParseContext, info: InputInfo) -> None:
    info.notes.extend(result.notes)
    if result.assumed_tz:
        info.tz = ctx.tz


def _describe(info: InputInfo, frames: list[pl.DataFrame], unparsed: pl.Series, lines: pl.DataFrame) -> None:
    """Fill the input's counts, formats, time range and unparsed examples from what was read."""
    info.events = sum(f.height for f in frames)
    info.formats = {}
    for frame in frames:
        if frame.height:
            name = frame["format"][0]
            info.formats[name] = info.formats.get(name, 0) + frame.height
    info.unparsed_lines = unparsed.len()
    examples = unparsed.sort()
    info.unparsed_examples = examples.head(_EXAMPLES).to_list()
    if info.unparsed_lines:
        first = lines.filter(pl.col("line") == examples[0])["text"]
        info.first_line = first[0][:200] if first.len() else None
    if not frames:
        info.error = "unknown format"
        return
    times = pl.concat([f["ts"] for f in frames])
    if times.len() and times.null_count() < times.len():
        info.first_ts = times.min()  # type: ignore[assignment]
        info.last_ts = times.max()  # type: ignore[assignment]


def forced_kind(ref: FileRef, options: ReadOptions) -> str | None:
    """The kind of the first ``--input KIND=PATH`` that covers ``ref``, if any."""
    return next((kind for kind, path in options.forced if _covers(path, ref)), None)


def _candidates(ref: FileRef, options: ReadOptions) -> list[Parser]:
    parsers = list(registry().values())
    kind = forced_kind(ref, options)
    if kind is None:
        return parsers
    if kind in SOURCES:
        return [p for p in parsers if p.source == kind]
    return [registry()[kind]]


def _covers(path: str, ref: FileRef) -> bool:
    if path == ref.display or (path == "-" and ref.is_stdin):
        return True
    if ref.path is None:
        return False
    try:
        target = os.path.realpath(path)
        mine = os.path.realpath(ref.path)
    except OSError:
        return False
    return mine == target or mine.startswith(target.rstrip(os.sep) + os.sep)
