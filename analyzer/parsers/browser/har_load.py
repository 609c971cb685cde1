"""Loading a HAR: one JSON document, repaired where the reader cut long lines, salvaged when damaged.

A cut or damaged HAR keeps the complete entries before the cut (and after a damaged one) with a note; a
file that is not JSON raises :class:`~analyzer.errors.InputError` with the line where it breaks. Entry
lines come from the entries' indentation in a pretty-printed HAR, without re-parsing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from analyzer.errors import InputError

#: Lines this long were cut by the reader (``ingest.reader.MAX_LINE_CHARS`` is 1 MiB).
_CUT_LINE: Final = 1_000_000


@dataclass
class Loaded:
    log: dict[str, Any]
    entries: list[Any]
    #: Line of each entry when known from decoding (salvage path), else empty.
    lines: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unparsed: list[int] = field(default_factory=list)

    @property
    def creator(self) -> str | None:
        creator = self.log.get("creator")
        if not isinstance(creator, dict) or not creator.get("name"):
            return None
        return " ".join(str(creator[k]) for k in ("name", "version") if creator.get(k))


def repair_cut_lines(lines: pl.DataFrame) -> tuple[str, int]:
    """The document text, with string values the reader cut at 1 MiB closed again.

    Pretty-printed HARs hold one key per line, so a cut line is one ``"text": "<body…`` value: it becomes
    an empty string, followed by the comma the next line implies.
    """
    texts = lines["text"]
    long_rows = lines.with_row_index("_i").filter(pl.col("text").str.len_chars() >= _CUT_LINE)["_i"].to_list()
    if not long_rows:
        return "\n".join(texts.to_list()), 0
    values = texts.to_list()
    repaired = 0
    for i in long_rows:
        value = values[i]
        head = re.match(r'^(\s*"(?:[^"\\]|\\.)*"\s*:\s*)"', value)
        if head is None or re.search(r'(?<!\\)"\s*,?\s*$', value[-16:]):
            continue
        following = next((v.strip() for v in values[i + 1 :] if v.strip()), "")
        values[i] = head[1] + '""' + ("" if following[:1] in ("}", "]", "") else ",")
        repaired += 1
    return "\n".join(values), repaired


def load(text: str, line_numbers: pl.Series) -> Loaded:
    """The HAR's ``log`` object and its entries; a cut or damaged file keeps what can be read."""
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise InputError("not a readable HAR: the JSON nests too deeply") from exc
    except json.JSONDecodeError as exc:
        return _salvage(text, exc, line_numbers)
    log = data.get("log") if isinstance(data, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise InputError("JSON without log.entries: not a HAR 1.2 file")
    return Loaded(log, log["entries"])


def _salvage(text: str, error: json.JSONDecodeError, line_numbers: pl.Series) -> Loaded:
    """Decode the entries one by one: those before the damage, and in an indented HAR those after it."""
    where = _line_of(error.pos, text, line_numbers)
    truncated = not text[error.pos :].strip()
    cause = "it ends in the middle of the JSON (truncated?)" if truncated else error.msg
    broken = f"not a readable HAR: the JSON breaks at line {where}, column {error.colno}: {cause}"
    opening = re.search(r'"entries"\s*:\s*\[', text)
    if opening is None:
        raise InputError(broken)
    decoder = json.JSONDecoder()
    entries: list[Any] = []
    positions: list[int] = []
    damaged: list[tuple[int, int]] = []
    pos = last_end = opening.end()
    indent: str | None = None
    while True:
        pos = _skip(text, pos)
        if pos >= len(text) or text[pos] == "]":
            break
        if indent is None:
            indent = text[text.rfind("\n", 0, pos) + 1 : pos]
        try:
            entry, end = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError):
            # entries of an indented HAR start on a line of their own at one indentation: resume there
            resume = text.find("\n" + indent + "{", pos) if indent.strip() == "" and indent else -1
            damaged.append((pos, resume if resume >= 0 else len(text)))
            if resume < 0:
                break
            pos = resume + 1 + len(indent)
            continue
        entries.append(entry)
        positions.append(pos)
        pos = last_end = end
    if not entries:
        raise InputError(broken)
    head = text[: opening.start()]
    log: dict[str, Any] = {
        "creator": {
            key: found[1]
            for key in ("name", "version")
            if (found := re.search(rf'"creator"\s*:\s*\{{[^{{}}]*?"{key}"\s*:\s*"((?:[^"\\]|\\.)*)"', head))
        }
    }
    cut = bool(damaged) and damaged[-1][1] == len(text)
    if cut:  # the last entry runs into the end of the file: it was cut, not damaged
        damaged.pop()
    unparsed: set[int] = set()
    for start, stop in damaged:
        unparsed.update(range(_line_of(start, text, line_numbers), _line_of(stop, text, line_numbers)))
    end_line = _line_of(len(text), text, line_numbers)
    if pos >= len(text) or cut:  # the entries never closed: what follows the last entry is lost
        unparsed.update(range(_line_of(last_end, text, line_numbers) + 1, end_line + 1))
    else:
        unparsed.add(where)
    n = len(entries)
    read = f"read {n} complete entr{'y' if n == 1 else 'ies'}"
    if truncated:
        note = f"the HAR is cut off at line {end_line} (truncated file): {read} before the cut"
    else:
        note = f"the HAR is not valid JSON from line {where} ({error.msg}): {read}"
    if damaged:
        first = ", ".join(str(_line_of(start, text, line_numbers)) for start, _ in damaged[:5])
        note += f"; skipped {len(damaged)} damaged entr{'y' if len(damaged) == 1 else 'ies'} (line {first})"
    lines = [_line_of(p, text, line_numbers) for p in positions]
    return Loaded(log, entries, lines, [note], sorted(unparsed))


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n,":
        pos += 1
    return pos


def _line_of(pos: int, text: str, line_numbers: pl.Series) -> int:
    index = text.count("\n", 0, pos)
    return int(line_numbers[index]) if index < line_numbers.len() else index + 1


def entry_lines(lines: pl.DataFrame, count: int) -> list[int]:
    """Where each entry starts in a pretty-printed HAR: the lines that open an object at the indentation
    of the first entry, after ``"entries": [``. Every entry gets 1 when that does not add up."""
    text = pl.col("text")
    opening = lines.filter(text.str.contains(r'"entries"\s*:\s*\[\s*$'))
    if count == 0 or opening.height == 0:
        return [1] * count
    after = lines.filter((pl.col("line") > opening["line"][0]) & (text.str.strip_chars() != ""))
    first = after["text"][0] if after.height else ""
    indent = re.match(r"^(\s*)\{\s*$", first)
    if indent is None:
        return [int(opening["line"][0])] * count
    starts = after.filter(text.str.strip_chars_end() == indent[1] + "{")["line"]
    if starts.len() < count:
        return [int(opening["line"][0])] * count
    return [int(v) for v in starts.head(count).to_list()]


def pages(log: dict[str, Any]) -> dict[str, str]:
    pages = log.get("pages")
    if not isinstance(pages, list):
        return {}
    return {
        str(p.get("id")): str(p.get("title"))
        for p in pages
        if isinstance(p, dict) and p.get("id") is not None and p.get("title")
    }
