"""Reading stage: paths in, one event table and a description of every input out.

discover (files, rotation order) → read (decompress, decode, split) → unwrap shipper prefixes →
sniff the format → parse → conform to the event schema. A file that fails at any step is reported
in :attr:`Ingested.inputs` with the reason, and the others go on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from analyzer.errors import InputError, UnreadableError, UsageError, WsdiagError
from analyzer.ingest.discover import FileRef, discover
from analyzer.ingest.reader import RawText, read_file
from analyzer.ingest.shippers import View, unwrap
from analyzer.model import SOURCES, concat_events, conform
from analyzer.parsers import registry
from analyzer.parsers.base import Document, ParseContext, Parser
from analyzer.timeparse import DEFAULT_TZ

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

#: A parser must be at least this sure before a file is read as its format.
MIN_SCORE = 0.2
_SNIFF_LINES = 60
_EXAMPLES = 5


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
    first_line: str | None = None
    #: Where the file is on disk (``path`` is how it is shown); None for stdin.
    location: str | None = None
    #: The path could not be read at all (permissions, vanished, a special file): a gap in the diagnosis.
    unread: bool = False

    @property
    def label(self) -> str:
        return f"{self.path}[{self.stream}]" if self.stream else self.path


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
    """Read every log under ``paths`` into one event table (see :mod:`analyzer.model`)."""
    options = options or ReadOptions()
    found = discover(paths, follow_symlinks=options.follow_symlinks)
    inputs = [InputInfo(path, error=reason, unread=True) for path, reason in found.problems]
    frames: list[pl.DataFrame] = []
    group_format: dict[str, str] = {}
    for ref in found.files:
        frames.extend(_load_file(ref, options, inputs, group_format))
    return Ingested(concat_events(frames), inputs)


def _load_file(
    ref: FileRef, options: ReadOptions, inputs: list[InputInfo], group_format: dict[str, str]
) -> list[pl.DataFrame]:
    try:
        raw = read_file(ref)
    except InputError as exc:
        inputs.append(InputInfo(ref.display, error=str(exc.args[0]), unread=isinstance(exc, UnreadableError)))
        return []
    return parse_text(ref, raw, options, inputs, group_format)


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
    group_format = {} if group_format is None else group_format
    if raw.lines.height == 0:
        inputs.append(InputInfo(ref.display, error="empty file", notes=raw.notes))
        return []
    ctx = ParseContext(
        tz=options.tz,
        date=options.date,
        mtime=raw.mtime,
        name=ref.path.name if ref.path else "",
        location=ref.path,
    )
    candidates = _candidates(ref, options)
    frames = []
    streams = unwrap(raw.lines)
    for stream, views in streams:
        info = InputInfo(ref.display, stream=stream, compression=raw.compression, notes=list(raw.notes))
        info.location = str(ref.path) if ref.path else None
        inputs.append(info)
        parser, chosen = _choose(views, candidates, group_format.get(ref.group), forced=len(candidates) == 1)
        if parser is None:
            info.error = "unknown format"
            info.first_line = _first_line(chosen)
            continue
        group_format.setdefault(ref.group, parser.name)
        info.source, info.format, info.wrappers = parser.source, parser.name, chosen.wrappers
        frame = _parse(parser, Document(ref.display, chosen.lines, stream), ctx, info)
        if frame is not None:
            frames.append(frame)
    return frames


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


def _choose(
    views: list[View], parsers: list[Parser], sibling: str | None, *, forced: bool = False
) -> tuple[Parser | None, View]:
    """Score every parser on every view; the best score wins, specific parsers and literal views on ties."""
    best: tuple[float, int, int, Parser | None, View] = (0.0, 0, 0, None, views[0])
    for vi, view in enumerate(views):
        sample = _sample(view)
        if not sample:
            continue
        for parser in parsers:
            try:
                score = float(parser.sniff(sample))
            except Exception:  # a sniffer bug must not stop the analysis
                score = 0.0
            if parser.name == sibling and score > 0:
                score = max(score, MIN_SCORE)  # rotated siblings share their format
            rank = (score, 0 if parser.generic else 1, -vi)
            if rank > best[:3]:
                best = (*rank, parser, view)
    score, _, _, winner, view = best
    if forced and winner is None:
        return parsers[0], views[0]
    if winner is None or (score < MIN_SCORE and not forced):
        return None, views[0]
    return winner, view


def _sample(view: View) -> list[str]:
    texts = view.lines["text"]
    return texts.filter(texts.str.strip_chars().str.len_bytes() > 0).head(_SNIFF_LINES).to_list()


def _first_line(view: View) -> str | None:
    sample = _sample(view)
    return sample[0][:200] if sample else None


def _parse(parser: Parser, doc: Document, ctx: ParseContext, info: InputInfo) -> pl.DataFrame | None:
    try:
        result = parser.parse(doc, ctx)
    except WsdiagError as exc:  # the parser's own words about a damaged file (a truncated HAR, ...)
        info.error = str(exc)
        return None
    except Exception as exc:  # a parser bug is reported for this input; the others go on
        if os.environ.get("WSDIAG_DEBUG"):
            raise
        info.error = f"{parser.name} parser failed: {type(exc).__name__}: {exc}"
        return None
    frame = result.events.with_columns(
        pl.lit(parser.source).alias("source"),
        pl.lit(parser.name).alias("format"),
        pl.lit(doc.path).alias("file"),
        pl.lit(doc.stream, dtype=pl.String).alias("stream"),
    )
    frame = conform(frame)
    info.events = frame.height
    unparsed = result.unparsed
    info.unparsed_lines = unparsed.len()
    info.unparsed_examples = unparsed.head(_EXAMPLES).to_list()
    info.notes.extend(result.notes)
    if frame.height:
        info.first_ts = frame["ts"].min()  # type: ignore[assignment]
        info.last_ts = frame["ts"].max()  # type: ignore[assignment]
    if result.assumed_tz:
        info.tz = ctx.tz
    return frame
