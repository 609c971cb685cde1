"""Where a key of a TOML rule file is written: ``tomllib`` returns values without positions, so errors
about a key find its line again in the text.

Good enough for error messages: the line of the first ``key =`` after the header of the table that holds
it (``[match]``, the n-th ``[[tests]]``), or inside an inline table on a later line.
"""

from __future__ import annotations

import re
from typing import Final

_HEADER: Final = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(?:#.*)?$")


class KeyLines:
    """Line numbers of keys in one TOML document."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        #: (line index, dotted table name, whether it is an array-of-tables header)
        self.headers: list[tuple[int, str, bool]] = []
        for i, line in enumerate(self.lines):
            m = _HEADER.match(line)
            if m:
                name = ".".join(part.strip().strip('"') for part in m.group(2).split("."))
                self.headers.append((i, name, m.group(1) == "[["))

    def line_of(self, key: str, table: tuple[str | int, ...] = ()) -> int | None:
        """1-based line of ``key`` inside ``table`` (a path of names and array indexes), or None."""
        start, end = self._span(table)
        pattern = re.compile(rf"(?:^|[{{,\s])\"?{re.escape(key)}\"?\s*=")
        for i in range(start, end):
            if pattern.search(_code(self.lines[i])):
                return i + 1
        for i in range(start, end):  # a table header ([match.metrics]) names a key too
            if re.search(rf"[\[.]\s*\"?{re.escape(key)}\"?\s*\]", self.lines[i]):
                return i + 1
        return start + 1 if table and start < len(self.lines) else None

    def _span(self, table: tuple[str | int, ...]) -> tuple[int, int]:
        """Lines [start, end) where the keys of ``table`` are written (the whole file if not found)."""
        names = [p for p in table if isinstance(p, str)]
        if not names:
            return 0, len(self.lines)
        index = next((p for p in table if isinstance(p, int)), 0)
        # the deepest header that is a prefix of the path: [match] for ("match", "where", 2)
        for depth in range(len(names), 0, -1):
            dotted = ".".join(names[:depth])
            found = [i for i, name, _ in self.headers if name == dotted]
            if found:
                # the n-th [[tests]] for index n; an index into an inline list stays in its table
                line = found[min(index, len(found) - 1)]
                after = [i for i, _, _ in self.headers if i > line]
                return line, (after[0] if after else len(self.lines))
        return 0, len(self.lines)


def _code(line: str) -> str:
    """The line without a trailing comment (a ``#`` outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line
