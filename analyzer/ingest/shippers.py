"""Undo what log shippers, viewers and paste boxes wrap around lines, before any format is sniffed.

The layers are data (:mod:`analyzer.ingest.wrappers`); this module strips them, outermost first, as long as
most lines carry one: ANSI colour codes; JSON envelopes (Docker's json-file driver with its 16 KiB partial
lines joined, ``journalctl -o json``, ``logcli -o jsonl``, Grafana's JSON download); paste marks (``> ``
quotes, line numbers that count up, a common indentation); then every tool's prefix (compose, Swarm, kubectl,
CRI files with their partial lines joined, syslog and journald in all their layouts, logcli, Grafana,
Docker Desktop, ``docker logs -t``). A layer that names where a line came from (a compose service, a syslog
tag, a pod) splits the file into streams; a layer's time becomes the line's ``shipper_ts``, which parsers
use for lines that carry no time of their own.

A time alone before a line is ambiguous (many formats start with an ISO time of their own), so such a layer
yields two candidate views of the file, with and without it; the sniffer keeps the one a parser recognizes
best.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import polars as pl

from analyzer.ingest.wrappers import (
    JOURNAL_STREAM_KEYS,
    LABEL_STREAM_KEYS,
    LINE_NUMBERS,
    NPM_BANNER,
    PREFIXES,
    PROMPT,
    QUOTE,
    Prefix,
    TimeKind,
)
from analyzer.jsonutil import read_json_objects, string_field
from analyzer.model import UTC_US
from analyzer.parsers.base import SNIFF_CHARS, python_regex, share
from analyzer.regex import ascii_classes
from analyzer.timeparse import DEFAULT_TZ, epoch_s_to_utc, iso_to_utc, read_times

ANSI = r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]"
_RSYSLOG_ANSI = r"#033\[[0-?]*[ -/]*[@-~]"
_JSON_FILE = r'^\{"log":\s*"'  # the driver writes a string; a one-line HAR's "log" is an object
_JOURNAL_JSON = r'^\{.*"__REALTIME_TIMESTAMP"\s*:\s*"\d+"'
_LOKI_JSONL = r'^\{.*"line"\s*:\s*".*"timestamp"\s*:|^\{.*"timestamp"\s*:\s*"[^"]*".*"line"\s*:'
#: Share of sampled lines that must carry an envelope or a paste mark before it is undone.
_QUORUM = 0.8
_SAMPLE = 200
#: Layers stripped from one file at most (a paste of compose output with timestamps has four).
_MAX_LAYERS = 8
#: Candidate views of one file at most (each ambiguous layer doubles them).
_MAX_VIEWS = 4
#: Terminals wrap at 80 columns or wider; shorter equal lines are no sign of wrapping.
_WRAP_MIN = 80
#: Characters compared to tell a record's start from a wrapped line's continuation.
_SHAPE_CHARS = 3


@dataclass
class View:
    """Lines as a parser should see them, with what the shipper told us about each."""

    lines: pl.DataFrame  # line: u32, text: str, shipper_ts: datetime(us, UTC) | null, stream: str | null
    wrappers: list[str] = field(default_factory=list)
    #: How ``shipper_ts`` was read: with its zone, as wall time in ``--tz``, or without a year; None when
    #: no layer carried a time.
    shipper_time: TimeKind | None = None


@dataclass(frozen=True)
class UnwrapOptions:
    """What reading a wrapper's time needs: the zone of zone-less times and a year for yearless ones."""

    tz: str = DEFAULT_TZ
    #: Year (and date) given to times without one until the capture's other sources say better.
    default_date: date | None = None


def unwrap(lines: pl.DataFrame, options: UnwrapOptions | None = None) -> list[View]:
    """Candidate views of the file, wrappers undone; the first strips no ambiguous layer."""
    options = options or UnwrapOptions()
    frame = lines.with_columns(
        pl.lit(None, dtype=UTC_US).alias("shipper_ts"), pl.lit(None, dtype=pl.String).alias("stream")
    )
    if _has_line(frame, "\x1b", literal=True):
        frame = frame.with_columns(pl.col("text").str.replace_all(ANSI, ""))
    view = View(frame)
    view = _envelopes(view)
    view = _paste_marks(view)
    done: list[View] = []
    todo = [view]
    joined = _terminal_wrap(view)
    if joined is not None:
        todo.append(joined)
    while todo and len(done) + len(todo) <= _MAX_VIEWS:
        current = todo.pop(0)
        stripped = _next_layer(current, options)
        if stripped is None:
            done.append(current)
            continue
        layer, result = stripped
        if layer.ambiguous:
            done.append(current)
        todo.insert(0, result)
    done.extend(todo)
    return done


def split_streams(view: View) -> list[tuple[str | None, View]]:
    """The view split into one view per stream (compose service, syslog tag, pod), in order of appearance."""
    frame = view.lines
    names = frame["stream"].unique(maintain_order=True).to_list()
    if len(names) <= 1:
        return [(names[0] if names else None, view)]
    return [(name, replace(view, lines=frame.filter(pl.col("stream") == name))) for name in names]


# -- envelopes -----------------------------------------------------------------------------------------


def _envelopes(view: View) -> View:
    frame = view.lines
    texts = _sample(frame)
    if not any(t.lstrip().startswith(("{", "[")) for t in texts):
        return view
    if _share(texts, _JSON_FILE) >= _QUORUM:
        return View(_json_file(frame), [*view.wrappers, "docker-json-file"], "zoned")
    if _share(texts, _JOURNAL_JSON) >= _QUORUM:
        return View(_journal_json(frame), [*view.wrappers, "journald-json"], "zoned")
    if _share(texts, _LOKI_JSONL) >= _QUORUM:
        return View(_loki_jsonl(frame), [*view.wrappers, "logcli-jsonl"], "zoned")
    grafana = _grafana_json(frame)
    if grafana is not None:
        return View(grafana, [*view.wrappers, "grafana-json"], "zoned")
    return view


def _json_file(frame: pl.DataFrame) -> pl.DataFrame:
    """Decode json-file driver lines; a ``log`` without a final newline continues on the next line."""
    decoded = read_json_objects(frame["text"], schema={"log": pl.String, "time": pl.String})
    log = string_field(decoded, "log")
    decoded = frame.with_columns(
        decoded.select(log.alias("_log"), iso_to_utc(string_field(decoded, "time")).alias("_t"))
    )
    decoded = decoded.with_columns(
        pl.coalesce(pl.col("_log"), pl.col("text") + "\n").alias("_log"),
        pl.col("_t").alias("shipper_ts"),
    ).drop("_t")
    record = pl.col("_log").str.ends_with("\n").shift(1, fill_value=True).cum_sum().alias("_rec")
    return (
        decoded.with_columns(record)
        .group_by("_rec", maintain_order=True)
        .agg(
            pl.col("line").first(),
            pl.col("_log").str.join("").str.strip_suffix("\n").str.strip_suffix("\r").alias("text"),
            pl.col("shipper_ts").first(),
            pl.col("stream").first(),
        )
        .drop("_rec")
        .with_columns(pl.col("text").str.replace_all(ANSI, ""))
    )


def _journal_json(frame: pl.DataFrame) -> pl.DataFrame:
    """``journalctl -o json``: ``MESSAGE``, ``__REALTIME_TIMESTAMP`` (epoch µs) and the unit or container.

    journald writes a ``MESSAGE`` that is not valid UTF-8 or holds control characters (colour codes) as an
    array of byte values; those are decoded one by one (they are few).
    """
    keys = ("MESSAGE", "__REALTIME_TIMESTAMP", *JOURNAL_STREAM_KEYS)
    decoded = read_json_objects(frame["text"], schema=dict.fromkeys(keys, pl.String))
    micros = decoded["__REALTIME_TIMESTAMP"].cast(pl.Int64, strict=False)
    message = decoded["MESSAGE"]
    as_bytes = frame["text"].str.contains(r'"MESSAGE"\s*:\s*\[')
    if as_bytes.any():
        rows = as_bytes.arg_true()
        message = message.scatter(rows, [_byte_message(t) for t in frame["text"].gather(rows).to_list()])
    return frame.with_columns(
        pl.coalesce(message, frame["text"]).str.replace_all(ANSI, "").alias("text"),
        pl.Series(micros).cast(UTC_US).alias("shipper_ts"),
        pl.coalesce([decoded[k] for k in JOURNAL_STREAM_KEYS]).alias("stream"),
    )


def _byte_message(text: str) -> str | None:
    try:
        values = json.loads(text).get("MESSAGE")
        return bytes(values).decode("utf-8", "replace") if isinstance(values, list) else None
    except (ValueError, TypeError, AttributeError, RecursionError):
        return None


def _loki_jsonl(frame: pl.DataFrame) -> pl.DataFrame:
    """``logcli -o jsonl``: ``{"labels": {…}, "line": "…", "timestamp": "<RFC 3339>"}``."""
    decoded = read_json_objects(
        frame["text"], schema=dict.fromkeys(("labels", "line", "timestamp"), pl.String)
    )
    return frame.with_columns(
        pl.coalesce(decoded["line"], frame["text"]).str.replace_all(ANSI, "").alias("text"),
        decoded.select(iso_to_utc(pl.col("timestamp")))["timestamp"].alias("shipper_ts"),
        decoded.select(_label(pl.col("labels")))["labels"].alias("stream"),
    )


def _grafana_json(frame: pl.DataFrame) -> pl.DataFrame | None:
    """Grafana's "Download logs" as JSON: one array of ``{line, timestamp (ns), date, fields}``."""
    head = frame["text"].head(1).to_list()
    if not head or not head[0].lstrip().startswith('[{"line":'):
        return None
    try:
        rows = json.loads("\n".join(frame["text"].to_list()))
    except (ValueError, RecursionError):
        return None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "line" in r for r in rows):
        return None
    fields = [r.get("fields") if isinstance(r.get("fields"), dict) else {} for r in rows]
    # every entry is on the document's one line: an entry's number is the closest thing to a line
    return pl.DataFrame(
        {
            "line": pl.int_range(1, len(rows) + 1, dtype=pl.UInt32, eager=True),
            "text": [str(r.get("line") or "") for r in rows],
            "shipper_ts": pl.Series([str(r.get("date") or "") for r in rows]),
            "stream": [next((str(f[k]) for k in LABEL_STREAM_KEYS if f.get(k)), None) for f in fields],
        },
        schema_overrides={"stream": pl.String},
    ).with_columns(iso_to_utc(pl.col("shipper_ts")).alias("shipper_ts"))


def _label(labels: pl.Expr) -> pl.Expr:
    """The first stream-naming label of a ``{k="v", …}`` or JSON label set."""
    return pl.coalesce(
        [labels.str.extract(rf'(?:^|[{{,\s])"?{key}"?\s*[:=]\s*"([^"]*)"', 1) for key in LABEL_STREAM_KEYS]
    )


# -- paste marks ---------------------------------------------------------------------------------------


def _paste_marks(view: View) -> View:
    """Quote marks (nested too), line numbers that count up, the indentation every line shares, and the
    shell command the paste starts with."""
    if _has_line(view.lines, ascii_classes(NPM_BANNER)):
        banners = view.lines["text"].str.contains(ascii_classes(NPM_BANNER))
        # npm's "> name@version script" and the "> command" under it are npm's, not the app's log
        command = banners.shift(1, fill_value=False) & view.lines["text"].str.starts_with("> ")
        view = View(
            view.lines.filter(~(banners | command)), [*view.wrappers, "npm-banner"], view.shipper_time
        )
    for _ in range(_MAX_LAYERS):
        if _share(view.lines, QUOTE.pattern) < _QUORUM:
            break
        view = View(_strip(view.lines, QUOTE), [*view.wrappers, "quote"], view.shipper_time)
    numbered = _line_numbers(view.lines)
    if numbered is not None:
        view = View(numbered, [*view.wrappers, "line-numbers"], view.shipper_time)
    view = _dedent(view)
    if _has_line(view.lines, ascii_classes(PROMPT)):
        prompts = view.lines["text"].str.contains(ascii_classes(PROMPT))
        view = View(view.lines.filter(~prompts), [*view.wrappers, "shell-prompt"], view.shipper_time)
    return view


def _line_numbers(frame: pl.DataFrame) -> pl.DataFrame | None:
    """Lines stripped of pasted line numbers, when most lines carry one and they count up by one."""
    if _share(frame, LINE_NUMBERS.pattern) < _QUORUM:
        return None
    parts = frame.select(pl.col("text").str.extract_groups(ascii_classes(LINE_NUMBERS.pattern)).alias("p"))
    numbers = parts["p"].struct.field("n").cast(pl.Int64, strict=False).drop_nulls()
    steps = numbers.diff().drop_nulls()
    if numbers.len() < 2 or int((steps == 1).sum()) < 0.9 * steps.len():
        return None
    return _strip(frame, LINE_NUMBERS)


def _terminal_wrap(view: View) -> View | None:
    """The view with records a terminal hard-wrapped at a fixed width joined again, when it may have been.

    The sign is several lines exactly as long as the longest (80 columns or more), each followed by a
    line that does not start the way its record started (``192.168.1.1 - - [`` then ``se&previous=…``).
    A log can have equal longest lines of its own, so this is one more candidate view; the sniffers decide.
    """
    frame = view.lines
    if frame.height < 3:
        return None
    if frame.height <= _FEW_LINES:  # a polars call costs more than a few hundred len()
        widths = [len(text) for text in frame["text"].to_list()]
        widest = max(widths)
        candidates = [i for i, width in enumerate(widths) if width == widest]
    else:
        width = frame["text"].str.len_chars()
        widest = int(width.max() or 0)  # type: ignore[arg-type]
        candidates = (width == widest).arg_true().to_list()
    if widest < _WRAP_MIN or len(candidates) < 2:
        return None
    following = [i for i in candidates if i + 1 < frame.height]
    shapes = _shapes(frame["text"])
    changes = [shapes[i + 1] != shapes[i] for i in following]
    if not any(changes):
        return None  # no candidate's next line starts otherwise than it: nothing was wrapped
    cut = [False] * frame.height
    for i, changed in zip(following, changes, strict=True):
        start = i
        while start > 0 and cut[start - 1]:
            start -= 1
        cut[i] = changed if start == i else shapes[i + 1] != shapes[start]
    if sum(cut) < 2:
        return None
    record = pl.Series(cut).shift(1, fill_value=False).not_().cum_sum().alias("_rec")
    joined = (
        frame.with_columns(record)
        .group_by("_rec", maintain_order=True)
        .agg(
            pl.col("line").first(),
            pl.col("text").str.join(""),
            pl.col("shipper_ts").first(),
            pl.col("stream").first(),
        )
        .drop("_rec")
    )
    return View(joined, [*view.wrappers, "terminal-wrap"], view.shipper_time)


def _shapes(texts: pl.Series) -> list[str | None]:
    """:func:`_shape` of every line, computed once per distinct head (a log whose lines are all as wide as
    the widest, engine.io's, has hundreds of thousands of candidates and a handful of heads)."""
    if texts.len() <= _FEW_LINES:  # a polars call costs more than a few hundred short joins
        return [None if t is None else _shape(t) for t in texts.to_list()]
    head = texts.str.slice(0, _SHAPE_CHARS)
    shapes = {h: _shape(h) for h in head.unique().to_list() if h is not None}
    return head.replace_strict(shapes, default=None, return_dtype=pl.String).to_list()


def _shape(text: str) -> str:
    """The kinds of a line's first characters (``192.`` → ``ddd.``): how its record starts."""
    return "".join("d" if c.isdigit() else "a" if c.isalpha() else c for c in text[:_SHAPE_CHARS])


def _dedent(view: View) -> View:
    """Strip the indentation every non-blank line shares (a code block in a ticket, a quoted paste)."""
    if any(not t[:1].isspace() for t in _sample(view.lines)):
        return view
    texts = view.lines["text"]
    blank = texts.str.strip_chars() == ""
    indents = texts.filter(~blank).str.extract(r"^([ \t]*)", 1).str.len_chars()
    width = min(indents.to_list(), default=0)
    if width < 2:
        return view
    frame = view.lines.with_columns(
        pl.when(pl.col("text").str.strip_chars() == "")
        .then(pl.lit(""))
        .otherwise(pl.col("text").str.slice(width))
        .alias("text")
    )
    return View(frame, [*view.wrappers, "indent"], view.shipper_time)


# -- prefixes ------------------------------------------------------------------------------------------


def _next_layer(view: View, options: UnwrapOptions) -> tuple[Prefix, View] | None:
    """The outermost prefix most lines carry, stripped (None when none does, or enough were stripped)."""
    if len(view.wrappers) >= _MAX_LAYERS:
        return None
    texts = _sample(view.lines)
    for layer in PREFIXES:
        if layer.name in view.wrappers:
            continue
        if _share(texts, layer.pattern, header=layer.header) >= layer.quorum:
            return layer, _apply(view, layer, options)
    return None


def _apply(view: View, layer: Prefix, options: UnwrapOptions) -> View:
    frame = view.lines
    if layer.header is not None:
        pattern = ascii_classes(layer.pattern)
        frame = frame.filter(
            pl.col("text").str.contains(pattern) | ~pl.col("text").str.contains(ascii_classes(layer.header))
        )
    groups = set(_groups(layer.pattern))
    frame = frame.with_columns(pl.col("text").str.extract_groups(ascii_classes(layer.pattern)).alias("_p"))
    part = pl.col("_p").struct.field
    updates = [pl.coalesce(part("rest"), pl.col("text")).alias("text")]
    if "stream" in groups or "labels" in groups:
        name = part("stream") if "stream" in groups else _label(part("labels"))
        # lines without the prefix (a banner) stay with the stream around them
        updates.append(
            pl.coalesce(name.str.strip_chars(), pl.col("stream"))
            .forward_fill()
            .backward_fill()
            .alias("stream")
        )
    shipper_time = view.shipper_time
    if "ts" in groups and layer.time is not None:
        read = _layer_times(frame.select(part("ts").alias("ts"))["ts"], layer.time, options)
        frame = frame.with_columns(read.alias("_t"))
        exact = view.shipper_time in ("zoned", "epoch_s", "epoch_ms")
        # an outer layer's exact time is kept; a zone-less one gives way to an inner exact one
        if exact:
            updates.append(pl.coalesce(pl.col("shipper_ts"), pl.col("_t")).alias("shipper_ts"))
        else:
            updates.append(pl.coalesce(pl.col("_t"), pl.col("shipper_ts")).alias("shipper_ts"))
            shipper_time = layer.time
    frame = frame.with_columns(updates)
    if layer.name.startswith("syslog"):
        # rsyslog writes control characters as "#" and three octal digits: colour codes ("#033[31m") go,
        # tabs ("#011") come back
        frame = frame.with_columns(
            pl.col("text").str.replace_all(_RSYSLOG_ANSI, "").str.replace_all("#011", "\t", literal=True)
        )
    if "part" in groups:
        frame = _join_partial(frame)
    frame = frame.drop([c for c in ("_p", "_t") if c in frame.columns])
    return View(frame, [*view.wrappers, layer.name], shipper_time)


def _layer_times(values: pl.Series, kind: TimeKind, options: UnwrapOptions) -> pl.Series:
    """A layer's time strings as UTC."""
    if kind == "zoned":
        return pl.select(iso_to_utc(pl.lit(values), options.tz)).to_series()
    if kind in ("epoch_s", "epoch_ms"):
        scale = 1.0 if kind == "epoch_s" else 0.001
        return pl.select(epoch_s_to_utc(pl.lit(values).cast(pl.Float64, strict=False) * scale)).to_series()
    base = options.default_date or datetime.now(tz=UTC).date()
    return read_times(values, tz=options.tz, default_date=base).utc


def _join_partial(frame: pl.DataFrame) -> pl.DataFrame:
    """CRI's partial lines (``P``) joined with the lines that continue them, up to the full one (``F``)."""
    partial = pl.col("_p").struct.field("part") == "P"
    record = partial.fill_null(False).shift(1, fill_value=False).not_().cum_sum().alias("_rec")
    return (
        frame.with_columns(record)
        .group_by("_rec", maintain_order=True)
        .agg(
            pl.col("line").first(),
            pl.col("text").str.join(""),
            pl.col("shipper_ts").first(),
            pl.col("stream").first(),
        )
        .drop("_rec")
    )


def _strip(frame: pl.DataFrame, layer: Prefix) -> pl.DataFrame:
    parts = pl.col("text").str.extract_groups(ascii_classes(layer.pattern)).struct.field("rest")
    return frame.with_columns(pl.coalesce(parts, pl.col("text")).alias("text"))


#: Frames up to this many lines, all of them at most ``SNIFF_CHARS`` long, are searched in Python: a
#: polars call costs more than the search, and on lines that short Python's ``re`` cannot take long.
_FEW_LINES = 1000


def _has_line(frame: pl.DataFrame, pattern: str, *, literal: bool = False) -> bool:
    """Whether some line of ``frame`` contains ``pattern`` (a polars regex, or a literal string)."""
    if not frame.height:
        return False
    if frame.height <= _FEW_LINES:
        texts = frame["text"].to_list()
        if all(text is None or len(text) <= SNIFF_CHARS for text in texts):
            present = [text for text in texts if text]
            if literal:
                return any(pattern in text for text in present)
            quick = python_regex(pattern)
            if quick is not None:
                return quick.count(present) > 0
    return bool(frame["text"].str.contains(pattern, literal=literal).any())


def _groups(pattern: str) -> list[str]:
    return re.findall(r"\(\?P<(\w+)>", pattern)


def _share(frame: pl.DataFrame | list[str], pattern: str, *, header: str | None = None) -> float:
    """Share of the first non-blank lines (tool headers left out) that match ``pattern``."""
    texts = _sample(frame) if isinstance(frame, pl.DataFrame) else frame
    if header is not None and share(texts, ascii_classes(header)):  # some line is a header: leave those out
        texts = [t for t in texts if not share([t], ascii_classes(header))]
    return share(texts, ascii_classes(pattern))


def _sample(frame: pl.DataFrame) -> list[str]:
    """The first non-blank lines, as the layers are judged on."""
    found: list[str] = []
    for text in frame["text"].head(_SAMPLE * 4).to_list():  # plain Python: a few hundred short strings
        if text and text.strip():
            found.append(text)
            if len(found) == _SAMPLE:
                break
    return found
