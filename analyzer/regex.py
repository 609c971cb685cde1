"""Regex helpers shared by the parsers.

polars runs Rust's ``regex`` crate with Unicode on: ``\\d``, ``\\w`` and ``\\s`` then mean their Unicode
classes, which makes the automata several times larger and slower, and a Unicode ``\\b`` keeps the engine
off its fast DFA altogether. Log formats are ASCII where it matters, so parsers write ordinary regexes and
compile them through :func:`ascii_classes`.
"""

from __future__ import annotations

from functools import cache

_OUTSIDE = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": "[0-9A-Za-z_]",
    "W": "[^0-9A-Za-z_]",
    "s": "[\\t\\n\\v\\f\\r ]",
    "S": "[^\\t\\n\\v\\f\\r ]",
    "b": "(?-u:\\b)",
    "B": "(?-u:\\B)",
}
_INSIDE = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\v\\f\\r "}


@cache
def ascii_classes(pattern: str) -> str:
    """``pattern`` with ``\\d \\w \\s \\b`` (and their negations outside brackets) as ASCII classes.

    >>> ascii_classes(r"^\\d+ [\\w.-]+\\b")
    '^[0-9]+ [0-9A-Za-z_.-]+(?-u:\\\\b)'
    """
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            table = _INSIDE if depth else _OUTSIDE
            out.append(table.get(nxt, ch + nxt))
            i += 2
            continue
        if ch == "[" and not depth:
            depth = 1
            out.append(ch)
            # a "]" or "^]" right after the opening bracket is a literal
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                out.append("]")
                i += 1
        elif ch == "]" and depth:
            depth = 0
            out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)
