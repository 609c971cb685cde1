"""Following growing log files like ``tail -F``, and standard input.

A followed path is re-opened when its name points to a new file (logrotate's ``create``: the old file
renamed, a new one made) after what was left in the old one is read; read from the start again when the
file shrank (``copytruncate``); waited for while it does not exist. Lines are whole lines: a last line
without its newline waits for the rest. A line longer than ``MAX_LINE`` is cut, so one runaway writer
cannot fill memory.
"""

from __future__ import annotations

import contextlib
import os
import queue
import stat
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

#: Longest line kept (bytes); the rest of a longer line is dropped.
MAX_LINE: Final = 64 * 1024
#: Most bytes read from one file per poll, so a huge backlog is taken in steps.
READ_CHUNK: Final = 4 * 1024 * 1024


@dataclass
class _Followed:
    path: Path
    handle: IO[bytes] | None = None
    identity: tuple[int, int] | None = None
    position: int = 0
    partial: bytes = b""
    #: The next line is the rest of a line cut at MAX_LINE: drop it up to its newline.
    skipping: bool = False


@dataclass
class Follower:
    """Follow ``paths`` (``-`` = standard input); :meth:`poll` returns the new whole lines of each."""

    paths: list[str]
    #: Start at the files' beginnings instead of their ends.
    from_start: bool = False
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._files = [_Followed(Path(p)) for p in self.paths if p != "-"]
        self._refused: set[str] = set()
        self._stdin: queue.Queue[bytes | None] | None = None
        self.stdin_done = False
        if "-" in self.paths:
            self._stdin = queue.Queue(maxsize=100_000)
            threading.Thread(target=self._read_stdin, daemon=True).start()
        for f in self._files:
            self._open(f, at_end=not self.from_start)
            if f.handle is None and not f.path.exists():
                self.notes.append(f"{f.path}: does not exist yet; waiting for it")

    def _read_stdin(self) -> None:
        assert self._stdin is not None
        for line in sys.stdin.buffer:
            self._stdin.put(line[:MAX_LINE])
        self._stdin.put(None)

    def _open(self, f: _Followed, *, at_end: bool) -> None:
        try:
            if not stat.S_ISREG(f.path.stat().st_mode):  # a FIFO would block the open
                if str(f.path) not in self._refused:
                    self._refused.add(str(f.path))
                    self.notes.append(f"{f.path}: not a regular file, not followed (pipe it to -)")
                return
            handle = f.path.open("rb")
        except OSError:
            return
        st = os.fstat(handle.fileno())
        f.handle, f.identity = handle, (st.st_dev, st.st_ino)
        f.position = st.st_size if at_end else 0
        f.partial, f.skipping = b"", False
        handle.seek(f.position)

    def close(self) -> None:
        for f in self._files:
            if f.handle:
                f.handle.close()
                f.handle = None

    def poll(self) -> dict[str, list[str]]:
        """New whole lines since the last poll, by path (decoded as UTF-8, bad bytes replaced)."""
        out: dict[str, list[str]] = {}
        for f in self._files:
            lines = self._poll_file(f)
            if lines:
                out[str(f.path)] = lines
        if self._stdin is not None:
            lines = []
            with contextlib.suppress(queue.Empty):
                while len(lines) < 100_000:
                    item = self._stdin.get_nowait()
                    if item is None:
                        self.stdin_done = True
                        break
                    lines.append(item.rstrip(b"\r\n").decode("utf-8", "replace"))
            if lines:
                out["-"] = lines
        return out

    def _poll_file(self, f: _Followed) -> list[str]:
        if f.handle is None:
            # not there yet (or was gone): a file that appears is read from its start
            self._open(f, at_end=False)
            if f.handle is None:
                return []
        lines = self._drain(f)
        try:
            st = f.path.stat()
        except OSError:
            return lines  # renamed away and not yet re-created: keep reading the old one
        if (st.st_dev, st.st_ino) != f.identity:
            lines += self._drain(f)  # what the old file got before the switch
            if f.partial:
                lines.append(f.partial.decode("utf-8", "replace"))
            assert f.handle is not None
            f.handle.close()
            f.handle = None
            self._open(f, at_end=False)
            if f.handle is not None:
                lines += self._drain(f)
        elif st.st_size < f.position:
            f.handle.seek(0)  # truncated in place (copytruncate): read it again from the start
            f.position, f.partial, f.skipping = 0, b"", False
            lines += self._drain(f)
        return lines

    def _drain(self, f: _Followed) -> list[str]:
        assert f.handle is not None
        data = f.handle.read(READ_CHUNK)
        if not data:
            return []
        f.position += len(data)
        data = f.partial + data
        f.partial = b""
        if f.skipping:  # the rest of a line already cut at MAX_LINE
            newline = data.find(b"\n")
            if newline < 0:
                return []
            data, f.skipping = data[newline + 1 :], False
        parts = data.split(b"\n")
        f.partial = parts.pop()
        if len(f.partial) > MAX_LINE:
            parts.append(f.partial)
            f.partial, f.skipping = b"", True
        return [part[:MAX_LINE].rstrip(b"\r").decode("utf-8", "replace") for part in parts]
