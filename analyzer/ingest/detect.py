"""Which parser reads a stream: its content decides, its path and stream name are a prior.

Every parser scores the first non-empty lines (:meth:`~analyzer.parsers.base.Parser.sniff`). A name on the
way to the file (``traefik/``, ``backend``, ``console``, ``.har``) or the stream's own name (a compose
service ``traefik-1``, a syslog tag) is a prior for one source: it breaks near-ties on long files and
decides for short excerpts (a few lines), where one line can look like several formats. When the prior
changed the outcome, the decision says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Final

import polars as pl

if TYPE_CHECKING:
    from analyzer.ingest.shippers import View
    from analyzer.parsers.base import Parser

#: A parser must be at least this sure before a stream is read as its format.
MIN_SCORE: Final = 0.2
SNIFF_LINES: Final = 60
#: Excerpts up to this many lines are decided by the path when their content fits several formats.
SHORT: Final = 5
#: What a path hint adds to the score of a parser of its source: on a short excerpt enough to decide
#: among the parsers sure enough to read it, on a long file enough to break a near-tie.
_BONUS_SHORT: Final = 1.0
_BONUS_LONG: Final = 0.05
#: What a hint adds on top for the parser named after its word (``traefik/`` → ``traefik-clf``).
_BONUS_NAMED: Final = 0.06

#: Words in file and folder names (split on anything not a letter or digit) → the source they suggest.
SOURCE_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "proxy": ("traefik", "proxy", "reverse-proxy", "nginx", "caddy", "haproxy", "ingress", "envoy", "lb"),
    "backend": (
        "backend",
        "server",
        "api",
        "socketio",
        "socket",
        "node",
        "nodejs",
        "nest",
        "nestjs",
        "express",
        "python",
        "django",
        "flask",
        "gunicorn",
        "uvicorn",
        "daphne",
        "channels",
        "golang",
        "gin",
        "worker",
    ),
    "browser": ("browser", "console", "chrome", "chromium", "firefox", "safari", "devtools", "har", "client"),
}
_WORD_SOURCE: Final = {word: source for source, words in SOURCE_WORDS.items() for word in words}


@dataclass(frozen=True)
class Hint:
    """A source suggested by a name, and where the name was seen."""

    source: str
    why: str
    #: The word that suggested it (``nginx``, ``traefik``): among parsers of that source, the one named
    #: after it wins a tie (a plain combined line in ``traefik/`` is Traefik's genericCLF).
    word: str = ""


@dataclass(frozen=True)
class Choice:
    """The parser chosen for a stream (None: no parser is sure enough), and how it was chosen."""

    parser: Parser | None
    score: float
    #: Set when the hint changed the outcome: what it said and what content alone would have picked.
    hint_note: str | None = None


def path_hint(path: str | None, stream: str | None = None) -> Hint | None:
    """The source the stream's name, else the nearest name on the path, suggests (None when none does)."""
    names: list[tuple[str, str]] = []
    if stream:
        names.append((stream, f"the stream name {stream!r}"))
    if path and path != "-":
        parts = PurePath(path).parts
        for i, part in enumerate(reversed(parts)):
            names.append((part, f"the file name {part!r}" if i == 0 else f"the folder {part + '/'!r}"))
    for name, why in names:
        low = name.lower()
        if low.endswith(".har"):
            return Hint("browser", why)
        for word in re.split(r"[^a-z0-9]+", low):
            source = _WORD_SOURCE.get(word)
            if source is not None:
                return Hint(source, why, word)
    return None


def sample_of(view: View) -> list[str]:
    """The first non-empty lines of a view, as the sniffers see them."""
    found: list[str] = []
    for text in view.lines["text"].head(SNIFF_LINES * 4).to_list():  # a few hundred short strings
        if text and text.strip():
            found.append(text)
            if len(found) == SNIFF_LINES:
                break
    if len(found) < SNIFF_LINES and view.lines.height > SNIFF_LINES * 4:
        texts = view.lines["text"]
        return texts.filter(texts.str.strip_chars().str.len_bytes() > 0).head(SNIFF_LINES).to_list()
    return found


def choose(
    sample: list[str],
    parsers: list[Parser],
    *,
    hint: Hint | None = None,
    sibling: str | None = None,
    forced: bool = False,
) -> Choice:
    """The parser that recognizes ``sample`` best; specific parsers win ties against generic ones.

    ``sibling`` is the format the file's rotation group was read as (rotated files share it).
    """
    if not sample:
        return Choice(parsers[0] if forced else None, 0.0)
    scored = [(p, _score(p, sample, sibling)) for p in parsers]
    short = len(sample) <= SHORT
    bonus = _BONUS_SHORT if short else _BONUS_LONG
    floor = MIN_SCORE if short else 0.0
    plain = _best(scored)
    hinted = plain
    if hint is not None:
        hinted = _best([(p, s + _hint_bonus(p, hint, bonus) if s > floor else s) for p, s in scored])
    parser, score = hinted
    score = min(score, 1.0)
    note = None
    if parser is not None and plain[0] is not None and parser is not plain[0]:
        note = (
            f"{hint.why if hint else 'a name'} suggests a {parser.source} log: read as {parser.name} "
            f"rather than {plain[0].name}, which the {len(sample)} line(s) fit as well"
        )
    if parser is None or score < MIN_SCORE:
        return Choice(parsers[0], 0.0) if forced else Choice(None, score)
    return Choice(parser, score, note)


def _hint_bonus(parser: Parser, hint: Hint, bonus: float) -> float:
    if parser.source != hint.source:
        return 0.0
    named = bool(hint.word) and parser.name.split("-")[0] == hint.word
    return bonus + (_BONUS_NAMED if named else 0.0)


def _score(parser: Parser, sample: list[str], sibling: str | None) -> float:
    try:
        score = float(parser.sniff(sample))
    except Exception:  # a sniffer bug must not stop the analysis
        score = 0.0
    if parser.name == sibling and score > 0:
        score = max(score, MIN_SCORE)  # rotated siblings share their format
    return score


def _best(scored: list[tuple[Parser, float]]) -> tuple[Parser | None, float]:
    best: tuple[Parser | None, float] = (None, 0.0)
    rank = (0.0, 0)
    for parser, score in scored:
        mine = (score, 0 if parser.generic else 1)
        if score > 0 and mine > rank:
            best, rank = (parser, score), mine
    return best


def lines_each_parser_reads(
    texts: pl.Series, parsers: list[Parser], *, hint: Hint | None = None
) -> dict[str, list[int]]:
    """For a few leftover lines: which parser recognizes each line alone (format name → row positions)."""
    out: dict[str, list[int]] = {}
    for i, text in enumerate(texts.to_list()):
        if not text or not text.strip():
            continue
        choice = choose([text], parsers, hint=hint)
        if choice.parser is not None:
            out.setdefault(choice.parser.name, []).append(i)
    return out
