"""What a format parser is: how it recognizes its format and what it returns.

A parser module defines one subclass of :class:`Parser` and nothing else that the registry needs:
every module in ``analyzer.parsers`` is imported and its ``Parser`` subclasses registered, so adding a
format means adding one module (plus its tests).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

import polars as pl

from analyzer.model import Source
from analyzer.parsers.quickmatch import Matcher, matcher
from analyzer.timeparse import DEFAULT_TZ


@dataclass(frozen=True)
class ParseContext:
    """What a parser may need beyond the lines themselves."""

    #: IANA zone for timestamps that carry none (``--tz``).
    tz: str = DEFAULT_TZ
    #: Date for sources that carry only a time of day (``--date``).
    date: date | None = None
    #: Modification time of the file (a last resort for placing undated lines).
    mtime: datetime | None = None
    #: The latest time other parsers already read in the same stream: the date (and year) for this
    #: document's lines that lack one, before the file's modification time.
    near: datetime | None = None
    #: File name, for formats that put a date in it (``localhost-1589212345678.log``).
    name: str = ""
    #: Where the file really is (``Document.path`` is the path as shown); None for stdin.
    location: Path | None = None
    #: nginx ``log_format`` strings found in configuration files among the inputs: the access-log parser
    #: reads the lines they describe field by field instead of guessing from the values' shapes.
    nginx_log_formats: tuple[str, ...] = ()


@dataclass
class Document:
    """One input stream as parsers see it: numbered lines after shipper unwrapping."""

    path: str
    #: ``line`` (u32, 1-based in the file), ``text`` (str), ``shipper_ts`` (UTC, or null), ``stream``.
    lines: pl.DataFrame
    stream: str | None = None

    def text(self) -> str:
        """The whole document as one string (for formats parsed as one JSON document, like HAR)."""
        return "\n".join(self.lines["text"].to_list())

    def numbered(self) -> list[str]:
        """The document's lines, each at its own line number (index ``n - 1``; lines not in it are empty),
        so that a configuration parsed from it cites the file's lines."""
        numbers = self.lines["line"].to_list()
        texts = self.lines["text"].to_list()
        if numbers == list(range(1, len(numbers) + 1)):
            return texts
        out = [""] * max(numbers, default=0)
        for number, text in zip(numbers, texts, strict=True):
            out[number - 1] = text
        return out


@dataclass
class ParseResult:
    """Events read from a document and the lines that could not be read."""

    events: pl.DataFrame
    #: Line numbers (u32) of lines that belong to no event.
    unparsed: pl.Series = field(default_factory=lambda: pl.Series("line", [], dtype=pl.UInt32))
    #: Things the user should know about this input (assumed zone, estimated times, ...).
    notes: list[str] = field(default_factory=list)
    #: True when some timestamps carried no zone and were read in ``ParseContext.tz``.
    assumed_tz: bool = False
    #: Line numbers (u32) of records read only by a catch-all layout (a time, then anything): another
    #: format's parser may know them better (a Traefik line in a backend stream).
    weak: pl.Series = field(default_factory=lambda: pl.Series("line", [], dtype=pl.UInt32))
    #: Documents parsed together (:func:`parse_together`) that must be read again, each by itself.
    alone: set[int] = field(default_factory=set)


class Parser(ABC):
    """Base class of every format parser. Subclasses set the class attributes and implement both methods."""

    #: Format name shown to users and accepted by ``--input KIND=PATH`` (e.g. ``traefik-clf``).
    name: ClassVar[str] = ""
    source: ClassVar[Source]
    #: One line for ``wsdiag`` help and docs.
    description: ClassVar[str] = ""
    #: Generic parsers (the catch-all timestamped line) lose ties to specific ones.
    generic: ClassVar[bool] = False
    #: Many small documents can be parsed as one (:func:`parse_together`): lines :data:`BATCH_STRIDE` apart
    #: belong to different documents, and a document whose reading could depend on its neighbours (the
    #: parser knows which) is listed in :attr:`ParseResult.alone` to be read again by itself.
    batchable: ClassVar[bool] = False

    def batch_key(self, head: list[str]) -> str:
        """What documents parsed together must share beyond the format (a variant decided per file from
        its first lines: a schema version, a time layout); empty when nothing."""
        return ""

    @abstractmethod
    def sniff(self, sample: list[str]) -> float:
        """How sure this parser is, from 0 to 1, that the sample (first non-empty lines) is its format."""

    @abstractmethod
    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        """Turn the document into events of the unified schema (any subset of its columns)."""


#: Sniffing looks at a line's start: longer lines are cut to this many characters first (a hostile 1 MiB
#: line costs no more than a short one).
SNIFF_CHARS = 4096


#: Documents parsed together keep their lines apart by this stride: a document's line numbers stay below it.
BATCH_STRIDE = 1 << 20
#: Documents parsed together at most (their line numbers, offset by the stride, fit in a u32).
BATCH_DOCS = (1 << 32) // BATCH_STRIDE - 1


def parse_together(
    parser: Parser, docs: list[Document], ctx: ParseContext
) -> tuple[ParseResult, list[ParseResult]]:
    """Parse many small documents of a line-independent format in one pass and split the result.

    polars costs a fixed time per call, which dominates on small files: a folder of 20,000 small access
    logs is parsed in a few calls instead of a few hundred thousand. Returns the whole result, whose
    events carry the document's index in ``_doc`` (and their own line numbers), and per document its
    unparsed and weak lines and the notes (``events`` left empty: split the whole one once it is complete).
    Each document's lines must number below :data:`BATCH_STRIDE`; at most :data:`BATCH_DOCS` documents.
    """
    lines = pl.concat(
        [
            d.lines.select("line", "text", "shipper_ts", "stream").with_columns(
                (pl.col("line").cast(pl.UInt32) + i * BATCH_STRIDE).alias("line")
            )
            for i, d in enumerate(docs)
        ],
        how="vertical_relaxed",
    )
    result = parser.parse(Document(docs[0].path, lines, None), ctx)
    events = result.events.with_columns(
        (pl.col("line") // BATCH_STRIDE).cast(pl.UInt32).alias("_doc"), pl.col("line") % BATCH_STRIDE
    )
    whole = ParseResult(events, result.unparsed, result.notes, result.assumed_tz, result.weak, result.alone)

    unparsed, weak = _by_doc(result.unparsed), _by_doc(result.weak)
    none = pl.Series("line", [], dtype=pl.UInt32)
    empty = result.events.clear()
    per_doc = [
        ParseResult(empty, unparsed.get(i, none), list(result.notes), result.assumed_tz, weak.get(i, none))
        for i in range(len(docs))
    ]
    return whole, per_doc


def _by_doc(lines: pl.Series) -> dict[int, pl.Series]:
    """Strided line numbers of documents parsed together, back to each document's own."""
    if not lines.len():
        return {}
    frame = pl.DataFrame({"line": lines}).select(
        (pl.col("line") // BATCH_STRIDE).alias("doc"), (pl.col("line") % BATCH_STRIDE).cast(pl.UInt32)
    )
    return {int(key[0]): part["line"] for key, part in frame.partition_by("doc", as_dict=True).items()}


def share(sample: list[str], pattern: str) -> float:
    """Fraction of the sample lines that match ``pattern`` (a polars regex, searched).

    A sample is a few dozen lines, where a polars call costs more than the matching: the pattern runs in
    Python's ``re`` when it has the same meaning there (almost always), else in polars. Every sniffer is
    asked about the same sample: the lines cut to size and joined are kept for the latest sample, with
    the answers already given for it.
    """
    if not sample:
        return 0.0
    memo = _memo_for(sample)
    hits = memo.hits.get(pattern)
    if hits is None:
        quick = python_regex(pattern)
        if quick is not None:
            hits = quick.count(memo.lines, memo.joined)
        else:
            hits = int(pl.Series(memo.lines, dtype=pl.String).str.contains(pattern).sum() or 0)
        memo.hits[pattern] = hits
    return hits / len(memo.lines)


@dataclass
class _SampleMemo:
    sample: list[str]
    size: int
    lines: list[str]
    joined: str
    hits: dict[str, int] = field(default_factory=dict)


_MEMO: list[_SampleMemo] = []


def _memo_for(sample: list[str]) -> _SampleMemo:
    """What is kept for ``sample`` (the same list object, its length unchanged), else a fresh memo."""
    if _MEMO and _MEMO[0].sample is sample and _MEMO[0].size == len(sample):
        return _MEMO[0]
    lines = [line[:SNIFF_CHARS] for line in sample]
    memo = _SampleMemo(sample, len(sample), lines, "\n".join(lines))
    _MEMO[:] = [memo]
    return memo


def python_regex(pattern: str) -> Matcher | None:
    """``pattern`` searched by Python's ``re`` (None: it has Rust-only syntax, search it in polars)."""
    if "[[:" in pattern:  # POSIX classes: Rust's syntax only
        return None
    return matcher(pattern)


#: Below this many rows a frame is processed in one piece (threads cost more than they save).
PARALLEL_MIN_ROWS = 100_000


def in_parallel(frame: pl.DataFrame, pipeline: Callable[[pl.LazyFrame], pl.LazyFrame]) -> pl.DataFrame:
    """Run a lazy per-row ``pipeline`` over slices of ``frame`` on all cores and concatenate the results.

    polars runs one string expression over one column on one thread; slicing the rows and collecting the
    slices together uses every core. The pipeline must treat rows independently (no sorts or windows).
    """
    chunks = max(1, min(os.cpu_count() or 1, frame.height // PARALLEL_MIN_ROWS))
    if chunks == 1:
        return pipeline(frame.lazy()).collect()
    step = -(-frame.height // chunks)
    parts = pl.collect_all([pipeline(frame.slice(i * step, step).lazy()) for i in range(chunks)])
    return pl.concat(parts, how="vertical_relaxed")
