"""Learn a file's own logging layout from its lines: any ``logging.Formatter`` format, not a fixed list.

Python applications choose their format freely (``%(asctime)s:%(levelname)s:%(name)s:%(message)s``,
``[%(asctime)s] %(levelname)s in %(module)s: %(message)s``, ``%(levelname)s %(asctime)s %(module)s
%(process)d %(thread)d %(message)s`` …). What every format keeps is a time and a level word at fixed
places, literal separators around them, possibly more fields (name, module, pid, thread) and the message
last. So, once per file, on a sample of its lines:

1. find each line's time (one of :data:`TIME_FORMS`) and level word (:data:`LEVEL_WORDS`) near its start;
2. describe the text before, between and after them as tokens (words and separators) and group the lines
   whose descriptions agree — one group per layout the file holds (a stream often has two or three);
3. per group, decide which tokens are literals (the same on every line), fields (vary), and where the
   message starts: after the head, a token is a field when a separator that ends fields follows it
   (``:``, ``]``, ``|``, `` - ``), when it is a number (pid, thread) or when a field follows it;
4. write each group's layout as a :class:`~analyzer.parsers.backend.engine.Shape` (``ts_raw``, ``level``,
   ``logger``, ``pid``, ``msg``), which the engine then applies to the whole file in one polars pass.

The sample is small (a few hundred lines), so the learning is plain Python; no line of the file is
touched here.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import ClassVar

from analyzer.parsers.backend.engine import LineParser, Shape, parse_lines, with_fallback
from analyzer.parsers.base import Document, ParseContext, ParseResult

#: Times Python's ``asctime`` (default and common ``datefmt``s) and other loggers write.
TIME_FORMS = (
    r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?: ?(?:Z|[+-]\d\d:?\d\d))?",
    r"\d{4}/\d\d/\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?",
    r"\d\d/[A-Z][a-z]{2}/\d{4}[ :]\d\d:\d\d:\d\d(?: [+-]\d{4})?",
    r"\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d\d:\d\d(?: ?[AP]M)?",
    r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?",
    r"\d\d:\d\d:\d\d[.,]\d{3}",
)
#: ``%(levelname)s`` values (Python's names, and the usual others).
LEVEL_WORDS = r"DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|TRACE|NOTICE"
#: How far into a line the time and the level may sit (after pid, name, thread fields).
_REACH = 96
#: At most this many fields after the head (module, pid, thread …) before the message.
_MAX_EXTRA = 4
_TIME_RE = [re.compile(form) for form in TIME_FORMS]
_LEVEL_RE = re.compile(rf"(?<![\w-])(?:{LEVEL_WORDS})(?![\w-])")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_][\w.<>$-]*|[^A-Za-z0-9_]+")
#: Separators that end a field (``name:``, ``[name]``, ``| pid |``, `` - name - ``).
_FIELD_END = re.compile(r"^(?:\s*[:\]|)>,]+\s*|\s+-+\s+|\s+)$")


@dataclass(frozen=True)
class _Line:
    text: str
    time_form: int
    first: str  # "T" or "L": which of time and level comes first
    pre: tuple[str, ...]
    mid: tuple[str, ...]
    extra: tuple[str, ...]  # word, separator, word, separator … after the head (up to _MAX_EXTRA words)


def _split(segment: str) -> tuple[str, ...]:
    return tuple(_TOKEN_RE.findall(segment))


def _klass(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """A segment's shape: words as ``W`` (``N`` when all digits), whitespace runs as one space."""
    out = []
    for tok in tokens:
        if tok[0].isalnum() or tok[0] == "_":
            out.append("N" if tok.isdigit() else "W")
        else:
            out.append(re.sub(r"\s+", " ", tok))
    return tuple(out)


def _describe(text: str) -> _Line | None:
    if text.lstrip().startswith("{"):
        return None  # a JSON object's keys are no layout (the JSON readers take those lines)
    head = text[:_REACH]
    found = next(((i, m) for i, regex in enumerate(_TIME_RE) if (m := regex.search(head))), None)
    if found is None:
        return None
    form, t = found
    level = next((m for m in _LEVEL_RE.finditer(head) if m.end() <= t.start() or m.start() >= t.end()), None)
    if level is None:
        return None
    a, b = (t, level) if t.start() < level.start() else (level, t)
    rest = _split(text[b.end() :])
    # the separator right after the head, then up to _MAX_EXTRA (word, separator) pairs
    extra: list[str] = []
    i = 0
    if rest and not (rest[0][0].isalnum() or rest[0][0] == "_"):
        extra.append(rest[0])
        i = 1
    else:
        extra.append("")
    while i + 1 < len(rest) and len(extra) < 1 + 2 * _MAX_EXTRA:
        extra += [rest[i], rest[i + 1]]
        i += 2
    return _Line(
        text=text,
        time_form=form,
        first="T" if a is t else "L",
        pre=_split(text[: a.start()]),
        mid=_split(text[a.end() : b.start()]),
        extra=tuple(extra),
    )


def _literal(sep: str) -> str:
    return r"\s+".join(re.escape(part) for part in re.split(r"\s+", sep)) if sep.strip() else r"\s+"


def _segment(lines: list[_Line], which: str, fields: list[str]) -> str:
    """Regex of ``pre`` or ``mid`` over a group: constant tokens literal, varying words fields."""
    columns = list(zip(*(getattr(line, which) for line in lines), strict=True))
    out = []
    for column in columns:
        values = set(column)
        tok = column[0]
        if not (tok[0].isalnum() or tok[0] == "_"):
            out.append(_literal(tok) if len(values) == 1 else r"\s*\S*?\s*")
        elif len(values) == 1 and not tok.isdigit():
            out.append(re.escape(tok))
        else:
            out.append(_field(column, fields))
    return "".join(out)


def _field(column: tuple[str, ...], fields: list[str]) -> str:
    if all(v.isdigit() for v in column):
        if "pid" not in fields:
            fields.append("pid")
            return r"(?P<pid>\d+)"
        return r"\d+"
    if "logger" not in fields:
        fields.append("logger")
        return r"(?P<logger>[^\s:\]|)]+)"
    return r"[^\s:\]|)]+"


def _extension(lines: list[_Line]) -> int:
    """How many (word, separator) pairs after the head are fields rather than the message's start."""
    accepted = [False] * (_MAX_EXTRA + 1)
    for k in range(_MAX_EXTRA - 1, -1, -1):
        words = [ln.extra[1 + 2 * k] for ln in lines if len(ln.extra) > 2 + 2 * k]
        seps = [ln.extra[2 + 2 * k] for ln in lines if len(ln.extra) > 2 + 2 * k]
        if len(words) < 0.9 * len(lines):
            continue
        sep, count = Counter(re.sub(r"\s+", " ", s) for s in seps).most_common(1)[0]
        if count < 0.9 * len(words) or not _FIELD_END.match(sep):
            continue
        numeric = sum(w.isdigit() for w in words) >= 0.9 * len(words)
        punctuated = bool(sep.strip())
        accepted[k] = numeric or punctuated or accepted[k + 1]
    n = 0
    while n < _MAX_EXTRA and accepted[n]:
        n += 1
    return n


def _shape(lines: list[_Line], index: int) -> Shape | None:
    form = Counter(ln.time_form for ln in lines).most_common(1)[0][0]
    fields: list[str] = []
    time = f"(?P<ts_raw>{TIME_FORMS[form]})"
    level = f"(?P<level>{LEVEL_WORDS})"
    first, second = (time, level) if lines[0].first == "T" else (level, time)
    pattern = "^" + _segment(lines, "pre", fields) + first + _segment(lines, "mid", fields) + second
    n = _extension(lines)
    if n:
        pattern += (
            _literal(Counter(ln.extra[0] for ln in lines).most_common(1)[0][0]) if lines[0].extra[0] else ""
        )
        columns = [tuple(ln.extra[1 + 2 * k] for ln in lines if len(ln.extra) > 2 + 2 * k) for k in range(n)]
        for k, words in enumerate(columns):
            seps = Counter(
                re.sub(r"\s+", " ", ln.extra[2 + 2 * k]) for ln in lines if len(ln.extra) > 2 + 2 * k
            )
            # a constant word before a name is a literal (Flask's "in" of "LEVEL in module:"); before a
            # number, or last, it is a field that happened not to vary in the sample (module, name)
            named_next = k + 1 < n and not all(w.isdigit() for w in columns[k + 1])
            constant = len(set(words)) == 1 and not words[0].isdigit()
            pattern += re.escape(words[0]) if constant and named_next else _field(words, fields)
            pattern += _literal(seps.most_common(1)[0][0])
    else:
        pattern += r"[:\]|)>,\s-]*?\s*"
    pattern += r"(?P<msg>.*)$"
    try:
        compiled = re.compile(pattern)
    except re.error:
        return None
    # a layout must read the lines it was learned from
    if sum(bool(compiled.match(ln.text)) for ln in lines) < 0.8 * len(lines):
        return None
    return Shape(f"learned-{index}", pattern)


def learn_shapes(sample: list[str], *, max_layouts: int = 4) -> tuple[Shape, ...]:
    """The layouts (time, level, fields, message) that repeat on a sample's lines, biggest group first."""
    described = [d for d in map(_describe, (s for s in sample if s.strip())) if d is not None]
    if len(described) < 2:
        return ()
    groups: dict[tuple[object, ...], list[_Line]] = defaultdict(list)
    for d in described:
        key = (d.first, _klass(d.pre), _klass(d.mid), re.sub(r"\s+", " ", d.extra[0]))
        groups[key].append(d)
    floor = max(2, int(0.05 * len(described)))
    ranked = sorted((g for g in groups.values() if len(g) >= floor), key=len, reverse=True)
    shapes: list[Shape] = []
    for group in ranked[:max_layouts]:
        shape = _shape(group, len(shapes) + 1)
        if shape is not None:
            shapes.append(shape)
    return tuple(shapes)


class LearningLineParser(LineParser):
    """A :class:`LineParser` that first tries the layouts learned from the file's own lines."""

    #: Lines of the file the layouts are learned from.
    sample_lines: ClassVar[int] = 400

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        sample = doc.lines["text"].head(self.sample_lines).to_list()
        learned = learn_shapes(sample)
        shapes, weak = with_fallback((*learned, *self.shapes), generic=self.generic)
        return parse_lines(
            doc,
            ctx,
            shapes,
            json_reader=type(self).json_reader,
            level_words=self.level_words,
            weak_shapes=weak,
        )
