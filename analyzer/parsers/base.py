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
    #: File name, for formats that put a date in it (``localhost-1589212345678.log``).
    name: str = ""
    #: Where the file really is (``Document.path`` is the path as shown); None for stdin.
    location: Path | None = None


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


class Parser(ABC):
    """Base class of every format parser. Subclasses set the class attributes and implement both methods."""

    #: Format name shown to users and accepted by ``--input KIND=PATH`` (e.g. ``traefik-clf``).
    name: ClassVar[str] = ""
    source: ClassVar[Source]
    #: One line for ``wsdiag`` help and docs.
    description: ClassVar[str] = ""
    #: Generic parsers (the catch-all timestamped line) lose ties to specific ones.
    generic: ClassVar[bool] = False

    @abstractmethod
    def sniff(self, sample: list[str]) -> float:
        """How sure this parser is, from 0 to 1, that the sample (first non-empty lines) is its format."""

    @abstractmethod
    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        """Turn the document into events of the unified schema (any subset of its columns)."""


def share(sample: list[str], pattern: str) -> float:
    """Fraction of the sample lines that match ``pattern`` (a polars regex, searched)."""
    if not sample:
        return 0.0
    hits = pl.Series(sample, dtype=pl.String).str.contains(pattern).sum()
    return float(hits or 0) / len(sample)


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
