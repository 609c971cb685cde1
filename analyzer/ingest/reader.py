"""Read one input file into lines: transparent decompression, bounded size, decoding, CRLF.

Nothing here parses a format. Problems that do not stop the read (a truncated gzip, a line cut at the
length limit, bytes that are not UTF-8) are returned as notes so the report can say what was lost.
"""

from __future__ import annotations

import bz2
import importlib
import io
import lzma
import os
import stat
import sys
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import polars as pl

from analyzer.errors import InputError, Location, UnreadableError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from analyzer.ingest.discover import FileRef

#: Decompressed bytes read from one file at most (``WSDIAG_MAX_FILE_BYTES`` overrides); the rest is
#: skipped with a warning. Keeps memory bounded whatever the archive holds.
MAX_FILE_BYTES = int(os.environ.get("WSDIAG_MAX_FILE_BYTES", 2 * 1024**3))
#: Decompressed bytes all the inputs of one ``analyze`` / ``events`` / ``timeline`` run take together at
#: most (``WSDIAG_MAX_TOTAL_BYTES`` overrides): the analysis holds them in memory, a few times over. Files
#: past it are not read, and the report says so; ``wsdiag scan`` reads archives of any size in windows.
MAX_TOTAL_BYTES = int(os.environ.get("WSDIAG_MAX_TOTAL_BYTES", 1024**3))
#: Logs compress 5–50:1; past this ratio, and this size, a compressed file is a decompression bomb.
BOMB_RATIO = 500
BOMB_MIN_BYTES = 64 * 1024**2
#: Longest line kept whole; longer lines are cut (and reported) so one line cannot exhaust memory.
MAX_LINE_CHARS = 1024 * 1024
_CHUNK = 4 * 1024 * 1024
_SMALL_BYTES = 256 * 1024
# Small enough that a truncated archive loses little of its tail when the decoder stops.
_INFLATE_CHUNK = 256 * 1024
# Most bytes one inflate step produces: a bomb is caught after a few MB, streamed blocks stay near size.
_INFLATE_STEP = 16 * 1024 * 1024

_inflate_lib: Any
try:  # zlib-ng inflates gzip about 2.5x faster than zlib; it is optional (``wsdiag[fast]``)
    _inflate_lib = importlib.import_module("zlib_ng.zlib_ng")
except ImportError:  # pragma: no cover - depends on the environment
    _inflate_lib = zlib
_INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, _inflate_lib.error)
_HEAD_ERRORS: tuple[type[Exception], ...] = (*_INFLATE_ERRORS, EOFError, lzma.LZMAError, ValueError)

_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}


def compression_of(head: bytes) -> str | None:
    """The compression a file's first bytes announce (``gzip``, ``bz2``, ``xz``, ``zstd``), or None."""
    return next((name for magic, name in _MAGIC.items() if head.startswith(magic)), None)


@dataclass
class RawText:
    """The decoded lines of one file and what happened while reading it."""

    display: str
    lines: pl.DataFrame  # line: u32, text: str
    mtime: datetime | None
    compression: str | None
    notes: list[str] = field(default_factory=list)


def open_regular(path: Path, where: Location) -> IO[bytes]:
    """Open a file for reading only if it is a regular file, without ever blocking on a FIFO.

    The check is made on the opened descriptor (``fstat``), so a file swapped for a pipe after it was
    listed cannot block the read. Raises :class:`UnreadableError` with the reason.
    """
    from analyzer.ingest.discover import not_regular, special_kind

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnreadableError(_os_reason(exc), location=where) from exc
    try:
        mode = os.fstat(fd).st_mode
        kind = special_kind(mode)
        if kind is not None:
            raise UnreadableError(not_regular(kind), location=where)
        if stat.S_ISDIR(mode):
            raise UnreadableError("is a directory", location=where)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory (it vanished after it was listed)"
    return (exc.strerror or str(exc)).lower()


@dataclass
class ReadBudget:
    """What is left of :data:`MAX_TOTAL_BYTES` for the files one run still reads."""

    left: int = MAX_TOTAL_BYTES
    total: int = MAX_TOTAL_BYTES


def read_file(ref: FileRef, *, max_bytes: int | None = None, budget: ReadBudget | None = None) -> RawText:
    """Read a file (or stdin) into numbered lines; raise :class:`InputError` when nothing can be read.

    With ``budget``, the file takes at most what is left of it (and uses it up); when nothing is left it
    is not read at all (:class:`UnreadableError`: a gap the report names).
    """
    max_bytes = max_bytes or MAX_FILE_BYTES
    where = Location(ref.display)
    if budget is not None:
        if budget.left <= 0:
            raise UnreadableError(
                f"not read: the inputs before it fill the {budget.total / 1024**3:g} GiB that one analysis holds "
                "in memory (WSDIAG_MAX_TOTAL_BYTES); `wsdiag scan` reads archives of any size",
                location=where,
            )
        max_bytes = min(max_bytes, budget.left)
    notes: list[str] = []
    mtime: datetime | None = None
    try:
        if ref.path is None:
            data, compression = _read_stream(sys.stdin.buffer, max_bytes, notes)
        else:
            with open_regular(ref.path, where) as fh:
                mtime = datetime.fromtimestamp(os.fstat(fh.fileno()).st_mtime, tz=UTC)
                data, compression = _read_stream(fh, max_bytes, notes)
    except OSError as exc:
        raise UnreadableError(_os_reason(exc), location=where) from exc
    if compression and not data and notes:
        raise InputError(notes[0], location=where)
    if _looks_binary(data):
        raise InputError("binary data, not a text log", location=where)
    if budget is not None:
        budget.left -= len(data)
        if budget.left <= 0 and notes and notes[-1].startswith(("file larger", "decompresses to more")):
            notes[-1] = f"cut at {len(data)} bytes: one analysis holds {budget.total / 1024**3:g} GiB of logs"
    return RawText(ref.display, split_lines(data, notes), mtime, compression, notes)


def read_head(path: Path, *, limit: int = 64 * 1024) -> tuple[bytes, str | None]:
    """The first ``limit`` decompressed bytes of a file, cut after its last complete line, and its compression.

    Cheap whatever the file's size: only the start of a compressed stream is inflated. Raises
    :class:`InputError` like :func:`read_file`.
    """
    where = Location(str(path))
    try:
        with open_regular(path, where) as fh:
            head = fh.read(limit)
            compression = compression_of(head)
            if compression is None:
                data = head
            elif compression == "gzip":
                inflater = _inflate_lib.decompressobj(16 + zlib.MAX_WBITS)
                out = bytearray()
                chunk = head
                while chunk and len(out) < limit and not inflater.eof:
                    out += inflater.decompress(chunk, limit - len(out))
                    chunk = inflater.unconsumed_tail or (b"" if inflater.eof else fh.read(limit))
                data = bytes(out)
            else:
                data = _opener(compression, _Prepend(head, fh)).read(limit)
    except InputError:
        raise
    except _HEAD_ERRORS as exc:
        raise InputError(f"{compression} stream is corrupt at its start ({exc})", location=where) from exc
    except OSError as exc:
        raise UnreadableError(_os_reason(exc), location=where) from exc
    if _looks_binary(data):
        raise InputError("binary data, not a text log", location=where)
    cut = data.rfind(b"\n")
    if len(data) >= limit and cut > 0:
        data = data[: cut + 1]
    return data, compression


def _read_stream(fh: IO[bytes], max_bytes: int, notes: list[str]) -> tuple[bytes, str | None]:
    head = fh.read(_CHUNK)
    compression = compression_of(head)
    if compression is None:
        if fh.seekable():  # read it whole again rather than copy the file's bytes to join head and rest
            fh.seek(0)
            data = fh.read(max_bytes + 1)
        else:
            data = head + fh.read(max(0, max_bytes - len(head)) + 1)
        if len(data) > max_bytes:
            notes.append(f"file larger than {max_bytes} bytes: only the first {max_bytes} were read")
            data = data[:max_bytes]
        return data, None
    return _decompress(compression, head, fh, max_bytes, notes), compression


def _decompress(kind: str, head: bytes, fh: IO[bytes], max_bytes: int, notes: list[str]) -> bytes:
    """Inflate in chunks so a truncated archive keeps what it had and a bomb stops at the cap."""
    out = bytearray()
    for chunk in _inflate(kind, head, fh, max_bytes, notes):
        out += chunk
    return _capped(out, max_bytes, notes)


def _inflate(kind: str, head: bytes, fh: IO[bytes], max_bytes: int, notes: list[str]) -> Iterator[bytes]:
    """The decompressed stream in chunks (the last may pass ``max_bytes``); problems become notes."""
    if kind == "gzip":
        yield from _gunzip(head, fh, max_bytes, notes)
        return
    source = _Prepend(head, fh)
    stream = _opener(kind, source)
    produced = 0
    try:
        while produced <= max_bytes:
            chunk = stream.read(_INFLATE_CHUNK)
            if not chunk:
                break
            produced += len(chunk)
            yield chunk
            if _bomb(produced, source.consumed, notes):
                return
    except EOFError:
        notes.append(f"{kind} stream is truncated: kept the {produced} bytes before the cut")
    except (OSError, lzma.LZMAError, ValueError) as exc:
        notes.append(f"{kind} stream is corrupt after {produced} bytes ({exc}): kept what came before")


def _gunzip(head: bytes, fh: IO[bytes], max_bytes: int, notes: list[str]) -> Iterator[bytes]:
    """zlib directly rather than GzipFile: every byte before a cut is kept, and members are chained."""
    produced = 0
    inflater = _inflate_lib.decompressobj(16 + zlib.MAX_WBITS)
    in_member = False  # a member has started and not ended
    data = head
    consumed = len(head)
    try:
        while produced <= max_bytes:
            if not data:
                data = fh.read(_CHUNK)
                consumed += len(data)
                if not data:
                    break
            in_member = True
            # bounded steps, so a bomb is caught after a few MB rather than after inflating it whole
            chunk = inflater.decompress(data, min(max_bytes - produced + 1, _INFLATE_STEP))
            produced += len(chunk)
            if chunk:
                yield chunk
            data = inflater.unconsumed_tail
            if _bomb(produced, consumed - len(data), notes):
                return
            if inflater.eof:
                in_member = False
                data = inflater.unused_data
                if not data.strip(b"\x00"):  # padding after the last member
                    data = b""
                inflater = _inflate_lib.decompressobj(16 + zlib.MAX_WBITS)
        if in_member and produced <= max_bytes:
            notes.append(f"gzip stream is truncated: kept the {produced} bytes before the cut")
    except _INFLATE_ERRORS as exc:
        notes.append(f"gzip stream is corrupt after {produced} bytes ({exc}): kept what came before")


@dataclass
class Identity:
    """What a file was when :func:`read_blocks` read it, taken from the same open descriptor as the bytes.

    ``size`` and ``mtime_ns`` are the file's when it was opened, ``head`` its first ``head_bytes`` raw
    bytes; exactly ``size`` bytes are read, so the content matches the identity unless the file was
    truncated or rewritten meanwhile, which sets ``changed`` (such a read must not be cached).
    """

    head_bytes: int
    size: int = 0
    mtime_ns: int = 0
    head: bytes = b""
    changed: bool = False


def read_blocks(
    ref: FileRef,
    notes: list[str],
    *,
    block_bytes: int,
    max_bytes: int | None = None,
    identity: Identity | None = None,
) -> Iterator[RawText]:
    """A file as consecutive blocks of whole lines, about ``block_bytes`` each, numbered as in the file.

    Memory stays near one block whatever the file's size. Problems of the whole stream (a truncated
    archive, the size cap) are appended to ``notes`` once the stream is read; a block's own (cut lines)
    are in its :attr:`RawText.notes`. With ``identity``, the file's identity is recorded from the same
    read and only the bytes present at open are read (lines appended meanwhile wait for the next read).
    Raises :class:`InputError` like :func:`read_file`.
    """
    assert ref.path is not None
    max_bytes = max_bytes or MAX_FILE_BYTES
    where = Location(ref.display)
    opened = open_regular(ref.path, where)
    with opened:
        st = os.fstat(opened.fileno())
        mtime = datetime.fromtimestamp(st.st_mtime, tz=UTC)
        fh: IO[bytes] = opened
        if identity is not None:
            identity.size, identity.mtime_ns = st.st_size, st.st_mtime_ns
            fh = cast("IO[bytes]", _Limited(opened, st.st_size))
        head = fh.read(_CHUNK)
        if identity is not None:
            identity.head = head[: identity.head_bytes]
        compression = compression_of(head)
        chunks = _inflate(compression, head, fh, max_bytes, notes) if compression else _plain(head, fh)
        pending = bytearray()
        produced = 0
        first_line = 1
        started = False

        def block(data: bytes) -> RawText:
            nonlocal first_line, started
            if not started and _looks_binary(data):
                raise InputError("binary data, not a text log", location=where)
            started = True
            own: list[str] = []
            lines = split_lines(data, own).with_columns(pl.col("line") + (first_line - 1))
            first_line += lines.height
            return RawText(ref.display, lines, mtime, compression, own)

        try:
            for chunk in chunks:
                room = max_bytes - produced
                if len(chunk) > room:
                    notes.append(f"file larger than {max_bytes} bytes: only the first {max_bytes} were read")
                    chunk = chunk[:room]
                produced += len(chunk)
                pending += chunk
                while len(pending) >= block_bytes:
                    cut = pending.rfind(b"\n", 0, block_bytes)
                    if cut < 0:  # a line longer than a block: up to its end
                        cut = pending.find(b"\n", block_bytes)
                        if cut < 0:
                            break
                    yield block(bytes(pending[: cut + 1]))
                    del pending[: cut + 1]
                if produced >= max_bytes:
                    break
        except OSError as exc:
            raise UnreadableError(_os_reason(exc), location=where) from exc
        if identity is not None:
            # any write moves the modification time; a truncation also shrinks the file
            after = os.fstat(opened.fileno())
            identity.changed = after.st_mtime_ns != st.st_mtime_ns or after.st_size < st.st_size
        if pending or not started:
            if compression and not pending and not started and notes:
                raise InputError(notes[0], location=where)
            yield block(bytes(pending))


class _Limited:
    """A file read up to the size it had when opened (a live log keeps growing while it is read)."""

    def __init__(self, fh: IO[bytes], size: int) -> None:
        self._fh = fh
        self._left = size

    def read(self, n: int = -1) -> bytes:
        want = self._left if n < 0 else min(n, self._left)
        data = self._fh.read(want) if want > 0 else b""
        self._left -= len(data)
        return data


def _plain(head: bytes, fh: IO[bytes]) -> Iterator[bytes]:
    chunk = head
    while chunk:
        yield chunk
        chunk = fh.read(_CHUNK)


def _bomb(inflated: int, compressed: int, notes: list[str]) -> bool:
    """True (with a note) when a compressed file inflates like a decompression bomb, not like a log."""
    if inflated < BOMB_MIN_BYTES or inflated < BOMB_RATIO * max(compressed, 1):
        return False
    notes.append(
        f"inflates {inflated // max(compressed, 1)}:1 like a decompression bomb, not a log: "
        f"read only the first {inflated} bytes"
    )
    return True


def _capped(out: bytearray, max_bytes: int, notes: list[str]) -> bytes:
    if len(out) > max_bytes:
        notes.append(f"decompresses to more than {max_bytes} bytes: only the first {max_bytes} were read")
        del out[max_bytes:]
    return bytes(out)


def _opener(kind: str, prepended: io.RawIOBase) -> IO[bytes]:
    raw = cast("IO[bytes]", io.BufferedReader(prepended))
    if kind == "bz2":
        return cast("IO[bytes]", bz2.BZ2File(raw))
    if kind == "xz":
        return cast("IO[bytes]", lzma.LZMAFile(raw))
    import zstandard

    reader: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return reader


class _Prepend(io.RawIOBase):
    """A readable stream that first returns bytes already read (the sniffed head), then the file."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            self.consumed += n
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


def _looks_binary(data: bytes) -> bool:
    """A file whose first 8 KiB are mostly control bytes is not a log (an image, an archive member)."""
    sample = data[:8192]
    if not sample:
        return False
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return control > len(sample) * 0.10


#: Control bytes a text file does not hold (tab, line feed, vertical tab, form feed, carriage return do).
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b < 32)


def split_lines(data: bytes, notes: list[str]) -> pl.DataFrame:
    """Decode bytes and split them into numbered lines (BOM and CR stripped, over-long lines cut)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # below a few hundred KB, Python's split costs less than starting the CSV reader
    texts = _fast_split(data) if len(data) > _SMALL_BYTES else None
    if texts is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_mixed(data, notes)
        parts = text.split("\n")
        if parts and parts[-1] == "":
            parts.pop()
        if "\r" in text:
            parts = [part.removesuffix("\r") for part in parts]
        del text
        texts = pl.Series("text", parts, dtype=pl.String)
        del parts
    frame = pl.DataFrame(
        {"line": pl.int_range(1, texts.len() + 1, dtype=pl.UInt32, eager=True), "text": texts}
    )
    if len(data) <= MAX_LINE_CHARS:
        return frame
    too_long = frame.filter(pl.col("text").str.len_bytes() > MAX_LINE_CHARS)
    # A file of one line is one document (Playwright writes its HAR as one JSON line): cutting it would
    # lose everything after the cut and save no memory, the whole file being read already.
    if too_long.height and frame.height > 1:
        first = too_long["line"].to_list()[:5]
        notes.append(
            f"{too_long.height} line(s) longer than {MAX_LINE_CHARS} characters were cut "
            f"(line {', '.join(map(str, first))}{'…' if too_long.height > 5 else ''})"
        )
        frame = frame.with_columns(pl.col("text").str.slice(0, MAX_LINE_CHARS))
    return frame


def _fast_split(data: bytes) -> pl.Series | None:
    """Split with polars' multi-threaded CSV reader, one column per line; None when that would be lossy.

    The reader needs a field separator that never occurs (``\\x1f``, the ASCII unit separator) and must
    not see CR (it would keep a lone one) or invalid UTF-8 (strict decoding fails): files with any of these
    take the exact, slower path instead.
    """
    if not data or b"\x1f" in data or b"\r" in data:
        return None
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            separator="\x1f",
            quote_char=None,
            encoding="utf8",
            schema={"text": pl.String},
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    expected = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    # one buffer: the reader's pieces would leave the text cut unlike the line numbers beside it, and polars
    # copies such a frame whole before every query on it (model.concat_events)
    return frame["text"].fill_null("").rechunk() if frame.height == expected else None


def _decode_mixed(data: bytes, notes: list[str]) -> str:
    """Decode line by line: UTF-8 where it is valid, Windows-1252/Latin-1 elsewhere (old logs)."""
    out: list[str] = []
    bad = 0
    for raw in data.split(b"\n"):
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            bad += 1
            try:
                out.append(raw.decode("cp1252"))
            except UnicodeDecodeError:
                out.append(raw.decode("latin-1"))
    notes.append(f"{bad} line(s) were not UTF-8 and were read as Windows-1252/Latin-1")
    return "\n".join(out)
