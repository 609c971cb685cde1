"""Does a regular expression match a short line? Answered fast for the big alternations sniffers use.

Sniffers ask it tens of thousands of times per file of a folder of small logs. Python's ``re`` tries a
pattern like ``^a…|[\\w-]{16,}: (?:Sending|Received) packet …|\\b(?:WARNING|CRITICAL)\\b`` at every position
of the line, alternative by alternative, with none of the literal search it does for a single alternative.
Two things keep the answer and cut the work:

- the top-level alternatives are searched one by one (a line matches the pattern when it matches one of
  them), so each gets ``re``'s own fast paths (an anchored one fails at the first character);
- before an alternative's search, the strings it cannot match without (``packet ``, one of ``WARNING`` /
  ``CRITICAL``) are looked for with ``in``, which costs next to nothing: no such string, no search.

Both are read from the pattern as Python's parser sees it, so the answer is always ``re.search``'s.
"""

from __future__ import annotations

import functools
import re
import re._constants as sre_c  # type: ignore[import-not-found,unused-ignore]
import re._parser as sre_parse  # type: ignore[import-not-found,unused-ignore]
from collections.abc import Callable
from typing import Any

Search = Callable[[str], object]

#: What a pattern may use that a split at ``|`` would change: inline flags, back-references, conditionals.
_UNSPLITTABLE = re.compile(r"^\(\?[aiLmsux]|\(\?P=|\\[1-9]|\(\?\(")


class Matcher:
    """``pattern`` ready to count the lines it is found in."""

    def __init__(self, tests: list[tuple[tuple[str, ...], Search]]) -> None:
        #: (strings one of which a match needs, search) for each part of the pattern
        self.tests = tests

    def count(self, lines: list[str], joined: str | None = None) -> int:
        """How many of ``lines`` ``re.search(pattern, line)`` finds a match in (``joined``: the lines
        joined by line feeds, when the caller has it already)."""
        if joined is None:
            joined = "\n".join(lines)
        # a part whose needed strings are in none of the lines is searched in none of them
        live: list[Search] = []
        for needed, find in self.tests:
            if needed:
                for text in needed:
                    if text in joined:
                        break
                else:
                    continue
            live.append(find)
        if not live:
            return 0
        if len(live) == 1:
            find = live[0]
            return sum(1 for line in lines if find(line) is not None)
        return sum(1 for line in lines if any(find(line) is not None for find in live))


@functools.lru_cache(maxsize=4096)
def matcher(pattern: str) -> Matcher | None:
    """``pattern`` as a :class:`Matcher` (None: not a Python regex)."""
    try:
        whole = re.compile(pattern)
    except re.error:
        return None
    pieces = [pattern] if _UNSPLITTABLE.search(pattern) else _alternatives(pattern)
    anchored: list[tuple[str, re.Pattern[str]]] = []
    loose: list[tuple[tuple[str, ...], Search]] = []
    for piece in pieces:
        try:
            compiled = re.compile(piece)
        except re.error:  # the split went wrong somewhere: the whole pattern, as it is
            return Matcher([(_needed(whole), whole.search)])
        if piece.startswith("^"):  # re tries these at the first character only: cheap together
            anchored.append((piece, compiled))
        else:
            loose.append((_needed(compiled), compiled.search))
    tests: list[tuple[tuple[str, ...], Search]] = []
    if len(anchored) == 1:
        tests.append((_needed(anchored[0][1]), anchored[0][1].search))
    elif anchored:
        needs = [_needed(compiled) for _, compiled in anchored]
        union = tuple(sorted({t for need in needs for t in need})) if all(needs) else ()
        tests.append((union, re.compile("|".join(f"(?:{piece})" for piece, _ in anchored)).search))
    return Matcher([*tests, *loose])


def _alternatives(pattern: str) -> list[str]:
    """``pattern`` cut at its top-level ``|`` (outside groups and character classes)."""
    pieces: list[str] = []
    depth = start = 0
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _class_end(pattern, i)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            pieces.append(pattern[start:i])
            start = i + 1
        i += 1
    pieces.append(pattern[start:])
    return pieces


def _class_end(pattern: str, i: int) -> int:
    """The index just past the character class opening at ``i``."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":  # a "]" first is a literal
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def _needed(compiled: re.Pattern[str]) -> tuple[str, ...]:
    """Strings one of which every match contains (empty: none known)."""
    if compiled.flags & re.IGNORECASE:
        return ()
    try:
        parsed = sre_parse.parse(compiled.pattern, compiled.flags)
    except Exception:  # re compiled it; its parser's internals may still differ between versions
        return ()
    return _best(list(parsed))


def _best(items: list[Any]) -> tuple[str, ...]:
    """Of a sequence's elements, the needed strings with the longest shortest member."""
    candidates: list[tuple[str, ...]] = []
    run: list[str] = []
    for op, arg in items:
        if op is sre_c.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            candidates.append(("".join(run),))
            run = []
        if op is sre_c.SUBPATTERN:
            _group, add_flags, _del_flags, sub = arg
            if not add_flags & re.IGNORECASE:
                candidates.append(_best(list(sub)))
        elif op is sre_c.BRANCH:
            options = [_best(list(alt)) for alt in arg[1]]
            if all(options):
                candidates.append(tuple(sorted({text for option in options for text in option})))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and arg[0] >= 1:
            candidates.append(_best(list(arg[2])))
    if run:
        candidates.append(("".join(run),))
    candidates = [c for c in candidates if c and all(c)]
    if not candidates:
        return ()
    return max(candidates, key=lambda c: min(len(text) for text in c))
