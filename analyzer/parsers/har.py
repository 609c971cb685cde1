"""HAR 1.2 from Chrome DevTools, Firefox, Playwright and the tools that copy Chrome's keys.

A HAR is one JSON document, read with the standard ``json`` module; entries become rows in a Python loop
(a HAR is a list of objects) and the frame is built once. What each writer puts there
(``../shared/reference/browser.md`` §2, ``real-captures.md``):

- Chrome DevTools (creator ``WebInspector``): ``_resourceType``, ``_initiator``, ``response._error``
  (``net::ERR_…``); a WebSocket entry has ``_webSocketMessages`` ``{type: send|receive|error, time: epoch
  seconds, opcode, data}`` and ``time`` ≈ the socket's lifetime. A failed WebSocket is an ``error`` frame
  (``opcode -1``) whose data is the console's reason; without a handshake response ``status`` is 0.
- Firefox: no frames and no ``_resourceType``; a WebSocket is a ``ws(s)://`` entry, ``status`` 0 when aborted.
- Playwright: frame ``time`` in epoch *milliseconds*; a failed request or handshake is ``status -1`` with
  ``response._failureText``; ``timings`` are -1; bodies may be base64.
- Others (mitmproxy, CDP recorders): frame types ``request``/``response``/``incoming``/``outgoing``, ISO or
  monotonic frame times (monotonic ones are rebased on ``startedDateTime`` and marked estimated).

Events: every HTTP entry is an ``http_request`` (``handshake`` when its body is an Engine.IO open packet,
which gives the ``sid``); every WebSocket entry is a ``ws_upgrade`` plus ``ws_open`` / ``ws_failure``, one
``ws_frame`` summary, ``ws_error`` for later error frames, the Socket.IO packets that matter (``upgrade``,
``connect``, ``connect_error``, ``disconnect``) and ``ws_close`` at the end the HAR saw (HARs carry no
close frames or codes). ``status`` 0 means no response (Playwright's -1 too); a 0 whose error says
``Unexpected response code: N`` becomes N. Request ids come from ``X-Request-Id`` / ``X-Correlation-Id``
/ ``traceparent``; ``Via``, ``Server`` and ``Sec-WebSocket-*`` go to ``attrs``. Bodies are never copied,
except small Socket.IO polling bodies, read for their packets.

``line`` is where the entry starts in a pretty-printed HAR (all writers we know indent), found from the
entries' indentation without re-parsing; 1 for a one-line HAR. ``raw`` is a one-line synopsis of the entry
(``GET wss://… 101 Switching Protocols``), not its JSON.

A file that is not JSON raises :class:`~analyzer.errors.InputError` with the line where it breaks; a cut
HAR keeps the complete entries before the cut (and after a damaged one) with a note.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import polars as pl

from analyzer.errors import InputError
from analyzer.model import UTC_US
from analyzer.parsers import _eio
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult
from analyzer.urls import sio_columns, split_url

#: Lines this long were cut by the reader (``ingest.reader.MAX_LINE_CHARS`` is 1 MiB).
_CUT_LINE: Final = 1_000_000
#: Polling bodies up to this size are read for their Engine.IO / Socket.IO packets.
_MAX_BODY: Final = 64 * 1024
_RESPONSE_CODE: Final = re.compile(r"Unexpected response code:\s*(\d{3})")
_NET_ERR: Final = re.compile(r"net::ERR_[A-Z0-9_]+")
_SENT: Final = frozenset({"send", "sent", "request", "outgoing", "client"})
_RECEIVED: Final = frozenset({"receive", "received", "response", "incoming", "server"})
_REQUEST_ID_HEADERS: Final = ("x-request-id", "x-correlation-id", "request-id")
_ATTR_HEADERS: Final = (
    "via",
    "server",
    "traceparent",
    "sec-websocket-key",
    "sec-websocket-accept",
    "sec-websocket-version",
    "sec-websocket-protocol",
    "sec-websocket-extensions",
)
_SECOND: Final = 1_000_000
_MAX_US: Final = 7_258_118_400 * _SECOND  # 2200-01-01
#: Frame times further than this from the entry's start are not epoch times of this capture.
_PLAUSIBLE_US: Final = 2 * 86_400 * _SECOND


class Har(Parser):
    name = "har"
    source = "browser"
    description = "HAR 1.2 (Chrome DevTools with WebSocket frames, Firefox, Playwright, …)"

    def sniff(self, sample: list[str]) -> float:
        if not sample or not sample[0].lstrip().startswith("{"):
            return 0.0
        head = "\n".join(sample)
        if not re.search(r'"log"\s*:\s*\{', head):
            return 0.0
        return 0.95 if re.search(r'"(?:version|creator|entries|pages)"\s*:', head) else 0.3

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        text, repaired = _repair_cut_lines(doc.lines)
        loaded = _load(text, doc.lines["line"])
        del text
        starts = loaded.lines or _entry_lines(doc.lines, len(loaded.entries))
        rows = _Rows()
        pages = _pages(loaded.log)
        writer = str(_obj(loaded.log.get("creator")).get("name") or "")
        skipped = 0
        for entry, line in zip(loaded.entries, starts, strict=True):
            if isinstance(entry, dict):
                _add_entry(rows, entry, line, pages, writer)
            else:
                skipped += 1
        notes = [f"HAR written by {loaded.creator}"] if loaded.creator else []
        if repaired:
            notes.append(
                f"{repaired} body line(s) longer than 1 MiB were cut on reading; their bodies were dropped"
            )
        if skipped:
            notes.append(f"{skipped} entr{'y' if skipped == 1 else 'ies'} of log.entries are not objects")
        notes.extend(loaded.notes)
        return ParseResult(rows.frame(), pl.Series("line", loaded.unparsed, dtype=pl.UInt32), notes)


# -- loading ---------------------------------------------------------------------------------------------


@dataclass
class _Loaded:
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


def _repair_cut_lines(lines: pl.DataFrame) -> tuple[str, int]:
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


def _load(text: str, line_numbers: pl.Series) -> _Loaded:
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
    return _Loaded(log, log["entries"])


def _salvage(text: str, error: json.JSONDecodeError, line_numbers: pl.Series) -> _Loaded:
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
    return _Loaded(log, entries, lines, [note], sorted(unparsed))


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n,":
        pos += 1
    return pos


def _line_of(pos: int, text: str, line_numbers: pl.Series) -> int:
    index = text.count("\n", 0, pos)
    return int(line_numbers[index]) if index < line_numbers.len() else index + 1


def _entry_lines(lines: pl.DataFrame, count: int) -> list[int]:
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


def _pages(log: dict[str, Any]) -> dict[str, str]:
    pages = log.get("pages")
    if not isinstance(pages, list):
        return {}
    return {
        str(p.get("id")): str(p.get("title"))
        for p in pages
        if isinstance(p, dict) and p.get("id") is not None and p.get("title")
    }


# -- rows ------------------------------------------------------------------------------------------------

_COLUMNS: Final[dict[str, pl.DataType]] = {
    "line": pl.UInt32(),
    "ts_us": pl.Int64(),
    "ts_end_us": pl.Int64(),
    "ts_estimated": pl.Boolean(),
    "kind": pl.String(),
    "level": pl.String(),
    "message": pl.String(),
    "method": pl.String(),
    "url": pl.String(),
    "protocol": pl.String(),
    "status": pl.Int32(),
    "size": pl.Int64(),
    "request_size": pl.Int64(),
    "duration_ms": pl.Float64(),
    "user_agent": pl.String(),
    "origin": pl.String(),
    "upgrade_header": pl.String(),
    "connection_header": pl.String(),
    "request_id": pl.String(),
    "sid_body": pl.String(),
    "socket_id": pl.String(),
    "namespace": pl.String(),
    "error_code": pl.Int32(),
    "error": pl.String(),
    "reason": pl.String(),
    "attrs": pl.String(),
    "raw": pl.String(),
}


class _Rows:
    """Column lists filled entry by entry, turned into one frame at the end."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {name: [] for name in _COLUMNS}

    def add(self, **values: Any) -> None:
        for name in ("ts_us", "ts_end_us"):
            # a time no browser could have written (a corrupt or foreign number) is no time
            if values.get(name) is not None and not 0 <= values[name] < _MAX_US:
                values[name] = None
        for name, column in self.cols.items():
            column.append(values.get(name))

    def frame(self) -> pl.DataFrame:
        frame = pl.DataFrame(self.cols, schema=_COLUMNS)
        frame = frame.with_columns(
            pl.col("ts_us").cast(UTC_US).alias("ts"),
            pl.col("ts_end_us").cast(UTC_US).alias("ts_end"),
            pl.col("ts_estimated").fill_null(False),
        ).with_columns(split_url(pl.col("url")))
        frame = frame.with_columns(sio_columns(pl.col("query")))
        return frame.with_columns(pl.coalesce(pl.col("sid"), pl.col("sid_body")).alias("sid")).drop(
            "ts_us", "ts_end_us", "url", "sid_body"
        )


@dataclass
class _Entry:
    """What every event of one HAR entry shares."""

    started: int | None
    url: str
    common: dict[str, Any]
    #: ``log.creator.name``: DevTools (``WebInspector``), ``Playwright``, ``Firefox``, …
    writer: str


def _add_entry(rows: _Rows, entry: dict[str, Any], line: int, pages: dict[str, str], writer: str) -> None:
    request = _obj(entry.get("request"))
    response = _obj(entry.get("response"))
    url = str(request.get("url") or "")
    method = _str(request.get("method"))
    req_headers = _headers(request.get("headers"))
    resp_headers = _headers(response.get("headers"))
    started = _iso_us(entry.get("startedDateTime"))
    duration = _number(entry.get("time"))
    duration = duration if duration is not None and duration >= 0 else None
    har_status = _int(response.get("status"))
    error = _error_text(entry, response)
    status = 0 if har_status is not None and har_status < 0 else har_status
    if not status and error and (code := _RESPONSE_CODE.search(error)):
        status = int(code[1])
    page = pages.get(str(entry.get("pageref")))
    attrs = {
        "resource_type": entry.get("_resourceType"),
        "server_ip": entry.get("serverIPAddress") or None,
        "connection": entry.get("connection") or entry.get("_connectionId") or None,
        "initiator": _initiator(entry.get("_initiator")),
        "page": page,
        "status_text": response.get("statusText") or None,
        "har_status": har_status if har_status != status else None,
        **{name: resp_headers.get(name) or req_headers.get(name) for name in _ATTR_HEADERS},
    }
    content = _obj(response.get("content"))
    common = {
        "line": line,
        "method": method,
        "url": url,
        "protocol": _protocol(response.get("httpVersion") or request.get("httpVersion")),
        "user_agent": req_headers.get("user-agent"),
        "origin": req_headers.get("origin") or _origin(req_headers.get("referer")) or _origin(page),
        "upgrade_header": req_headers.get("upgrade"),
        "connection_header": req_headers.get("connection"),
        "request_id": _request_id(req_headers, resp_headers),
    }
    synopsis = " ".join(
        str(part) for part in (method, url, har_status, response.get("statusText") or None, error) if part
    )
    is_ws = entry.get("_resourceType") == "websocket" or url.lower().startswith(("ws://", "wss://"))
    ctx = _Entry(started, url, common, writer)
    if is_ws:
        _add_websocket(rows, entry, ctx, status, error, duration, attrs, synopsis)
        return
    body = _body(content) if _is_polling(url) else None
    packets = [p for p in (_eio.decode(t) for t in _eio.split_payload(body)) if p] if body else []
    opened = next((d for p in packets if (d := _eio.open_data(p))), None)
    engine_error = _engine_error(body) if body and status and status >= 400 else None
    if opened:
        attrs |= {k: opened.get(k) for k in ("pingInterval", "pingTimeout", "upgrades", "maxPayload")}
    rows.add(
        **common,
        ts_us=started,
        ts_end_us=_plus_ms(started, duration),
        kind="handshake" if opened else "http_request",
        level=_http_level(status, error or (engine_error or {}).get("message")),
        message=synopsis,
        status=status,
        size=_size(content.get("size"), response.get("bodySize")),
        request_size=_size(request.get("bodySize")),
        duration_ms=duration,
        sid_body=opened.get("sid") if opened else None,
        error_code=_int((engine_error or {}).get("code")),
        error=error or (engine_error or {}).get("message"),
        reason=None,
        attrs=_attrs(attrs),
        raw=synopsis,
    )
    end = _plus_ms(started, duration)
    for packet in packets:
        _add_socket_packet(rows, ctx, packet, end, "receive", estimated=False)


def _add_websocket(
    rows: _Rows,
    entry: dict[str, Any],
    ctx: _Entry,
    status: int | None,
    error: str | None,
    duration: float | None,
    attrs: dict[str, Any],
    synopsis: str,
) -> None:
    """One WebSocket entry: the handshake, its outcome, its frames, its end."""
    entry_status = _int(_obj(entry.get("response")).get("status"))
    frames = _frames(entry.get("_webSocketMessages"), ctx.started)
    # DevTools keeps a WebSocket's entry open until it closes, so ``time`` is its lifetime and covers every
    # frame; Playwright's and Firefox's ``time`` is the handshake alone: their lifetime is unknown
    last_frame = max((f.time for f in frames if f.time is not None), default=None)
    end = _plus_ms(ctx.started, duration)
    if end is None:
        lifetime_known = False
    elif last_frame is not None:
        lifetime_known = end >= last_frame - _SECOND // 1000  # 1 ms of rounding
    else:
        lifetime_known = ctx.writer == "WebInspector"
    if not lifetime_known:
        attrs = {**attrs, "handshake_ms": duration}
        duration = None
    error_frames = [f for f in frames if f.direction == "error"]
    if error is None and error_frames:
        error = error_frames[0].data or None
    if not status and error and (code := _RESPONSE_CODE.search(error)):
        status = int(code[1])
        attrs = {**attrs, "har_status": entry_status}
    opened = status == 101
    end = _plus_ms(ctx.started, duration)
    common = ctx.common
    rows.add(
        **common,
        ts_us=ctx.started,
        ts_end_us=end,
        kind="ws_upgrade",
        level="info" if opened else "error",
        message=synopsis,
        status=status,
        duration_ms=duration,
        error=_net_error(error) or error,
        reason=error,
        attrs=_attrs(attrs),
        raw=synopsis,
    )
    if opened:
        rows.add(
            **common,
            ts_us=ctx.started,
            kind="ws_open",
            level="info",
            message=f"WebSocket open {ctx.url}",
            status=status,
            raw=synopsis,
        )
    else:
        failed_at = error_frames[0] if error_frames else None
        rows.add(
            **common,
            ts_us=failed_at.time if failed_at else (end or ctx.started),
            ts_estimated=bool(failed_at.estimated) if failed_at else False,
            kind="ws_failure",
            level="warn" if error and "closed before the connection is established" in error else "error",
            message=f"WebSocket connection to '{ctx.url}' failed: {error or ''}".rstrip(),
            status=status,
            error=_net_error(error) or error,
            reason=error,
            attrs=_attrs(attrs),
            raw=failed_at.raw if failed_at else synopsis,
        )
    for extra in error_frames[0 if opened else 1 :]:
        rows.add(
            **common,
            ts_us=extra.time,
            ts_estimated=extra.estimated,
            kind="ws_error",
            level="error",
            message=extra.data,
            status=_response_code(extra.data),
            error=_net_error(extra.data) or extra.data or None,
            reason=extra.data or None,
            raw=extra.raw,
        )
    data_frames = [f for f in frames if f.direction != "error"]
    if data_frames:
        _add_frame_summary(rows, ctx, data_frames)
    if opened and (lifetime_known or last_frame is not None):
        rows.add(
            **common,
            ts_us=end if lifetime_known else last_frame,
            ts_estimated=not lifetime_known,
            kind="ws_close",
            level="info",
            message=f"WebSocket ended {ctx.url}" + (f" after {duration / 1000:.1f} s" if duration else ""),
            duration_ms=duration,
            raw=synopsis,
        )


@dataclass(frozen=True)
class _Frame:
    direction: str  # sent | received | error | other
    time: int | None
    estimated: bool
    opcode: int | None
    data: str
    size: int

    @property
    def raw(self) -> str:
        label = {"sent": "send", "received": "receive"}.get(self.direction, self.direction)
        return f"{label} {self.data[:300]}"


def _frames(messages: Any, started: int | None) -> list[_Frame]:
    """Frames in their order, times as UTC µs (epoch s, epoch ms, ISO, or monotonic rebased on the start)."""
    if not isinstance(messages, list):
        return []
    items = [m for m in messages if isinstance(m, dict)]
    numbers = [t for m in items if (t := _number(m.get("time"))) is not None]
    monotonic_base = min(numbers) if numbers else None
    out = []
    for m in items:
        opcode = _int(m.get("opcode"))
        kind = str(m.get("type") or "").lower()
        direction = (
            "error"
            if kind == "error" or opcode == -1
            else "sent"
            if kind in _SENT
            else "received"
            if kind in _RECEIVED
            else "other"
        )
        data = m.get("data")
        data = data if isinstance(data, str) else ("" if data is None else json.dumps(data))
        size = (len(data) * 3) // 4 if opcode == 2 else len(data.encode("utf-8", "replace"))
        time, estimated = _frame_time(m.get("time"), started, monotonic_base)
        out.append(_Frame(direction, time, estimated, opcode, data, size))
    return out


def _frame_time(value: Any, started: int | None, base: float | None) -> tuple[int | None, bool]:
    if isinstance(value, str) and not _is_number(value):
        return _iso_us(value), False
    number = _number(value)
    if number is None:
        return None, False
    us = number * 1000 if number > 1e11 else number * _SECOND  # epoch ms (Playwright) or s (DevTools)
    if not -_MAX_US < us < _MAX_US:
        return None, False
    if started is None or abs(us - started) <= _PLAUSIBLE_US:
        return int(us), False
    # a monotonic clock: seconds since the first frame, counted from the handshake
    return int(started + (number - (base or number)) * _SECOND), True


def _add_frame_summary(rows: _Rows, ctx: _Entry, frames: list[_Frame]) -> None:
    """One ``ws_frame`` row per WebSocket, plus the Engine.IO / Socket.IO packets that change its story."""
    socketio = "EIO=" in ctx.url
    sent = [f for f in frames if f.direction == "sent"]
    received = [f for f in frames if f.direction == "received"]
    pings = messages = 0
    sid = None
    for frame in frames:
        packet = _eio.decode(frame.data) if socketio and frame.opcode != 2 else None
        if packet is None:
            continue
        if packet.engine in ("ping", "pong") and packet.data != "probe":
            pings += 1
        elif packet.socket in ("event", "ack", "binary_event", "binary_ack"):
            messages += 1
        elif (opened := _eio.open_data(packet)) is not None:
            sid = opened.get("sid")
            rows.add(
                **ctx.common,
                ts_us=frame.time,
                ts_estimated=frame.estimated,
                kind="handshake",
                level="info",
                message=f"Engine.IO open over WebSocket: {frame.data[:200]}",
                sid_body=sid,
                attrs=_attrs(
                    {k: opened.get(k) for k in ("pingInterval", "pingTimeout", "upgrades", "maxPayload")}
                ),
                raw=frame.raw,
            )
        elif packet.engine == "upgrade" and frame.direction == "sent":
            rows.add(
                **ctx.common,
                ts_us=frame.time,
                ts_estimated=frame.estimated,
                kind="upgrade",
                level="info",
                message="Engine.IO upgrade to websocket sent",
                sid_body=sid,
                raw=frame.raw,
            )
        else:
            _add_socket_packet(
                rows,
                ctx,
                packet,
                frame.time,
                frame.direction,
                estimated=frame.estimated,
                sid=sid,
                raw=frame.raw,
            )
    times = [f.time for f in frames if f.time is not None]
    first = [f"{'>' if f.direction == 'sent' else '<'} {f.data[:80]}" for f in frames[:6]]
    summary = f"{len(frames)} frames: {len(sent)} sent, {len(received)} received"
    if socketio:
        summary += f" (Engine.IO: {pings} ping/pong, {messages} Socket.IO messages)"
    rows.add(
        **ctx.common,
        ts_us=min(times) if times else ctx.started,
        ts_end_us=max(times) if times else None,
        ts_estimated=any(f.estimated for f in frames),
        kind="ws_frame",
        level="debug",
        message=summary,
        size=sum(f.size for f in received),
        request_size=sum(f.size for f in sent),
        sid_body=sid,
        attrs=_attrs(
            {
                "frames": len(frames),
                "sent": len(sent),
                "received": len(received),
                "bytes_sent": sum(f.size for f in sent),
                "bytes_received": sum(f.size for f in received),
                "pings": pings if socketio else None,
                "messages": messages if socketio else None,
                "first_frames": first,
            }
        ),
        raw=summary + "; " + " | ".join(first),
    )


def _add_socket_packet(
    rows: _Rows,
    ctx: _Entry,
    packet: _eio.Packet,
    at: int | None,
    direction: str,
    *,
    estimated: bool,
    sid: str | None = None,
    raw: str | None = None,
) -> None:
    """Socket.IO connect / connect_error / disconnect packets and Engine.IO close packets as events."""
    from_server = direction != "sent"
    payload = packet.payload if isinstance(packet.payload, dict) else {}
    base = {
        **ctx.common,
        "ts_us": at,
        "ts_estimated": estimated,
        "sid_body": sid,
        "namespace": packet.namespace,
    }
    text = raw or f"{'receive' if from_server else 'send'} {packet.engine} {packet.data[:300]}"
    if packet.socket == "connect" and from_server:
        socket_id = payload.get("sid")
        rows.add(
            **base,
            kind="connect",
            level="info",
            message=f"Socket.IO connected to {packet.namespace}",
            socket_id=socket_id if isinstance(socket_id, str) else None,
            raw=text,
        )
    elif packet.socket == "connect_error":
        message = _eio.connect_error_message(packet)
        rows.add(
            **base,
            kind="connect_error",
            level="error",
            message=f"Socket.IO connect_error: {message}",
            error=message,
            raw=text,
        )
    elif packet.socket == "disconnect":
        reason = "io server disconnect" if from_server else "io client disconnect"
        rows.add(
            **base,
            kind="disconnect",
            level="info",
            message=f"Socket.IO disconnect ({reason})",
            reason=reason,
            raw=text,
        )
    elif packet.engine == "close":
        rows.add(
            **base,
            kind="disconnect",
            level="info",
            message=f"Engine.IO close packet {'from the server' if from_server else 'from the client'}",
            raw=text,
        )


# -- small readers -------------------------------------------------------------------------------------


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _is_number(value):
        return float(value)
    return None


def _int(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and abs(number) < 2**31 else None


def _size(*values: Any) -> int | None:
    return next((int(n) for v in values if (n := _number(v)) is not None and 0 <= n < 2**62), None)


def _iso_us(value: Any) -> int | None:
    """ISO 8601 (``Z`` or an offset) as UTC epoch microseconds; naive times are taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return int((parsed - datetime(1970, 1, 1)).total_seconds() * _SECOND)
    return int(parsed.timestamp() * _SECOND)


def _plus_ms(start: int | None, ms: float | None) -> int | None:
    if start is None or ms is None or not 0 <= ms < _MAX_US:
        return None
    return start + int(ms * 1000)


def _headers(value: Any) -> dict[str, str]:
    """Header list to a dict by lower-cased name (repeated headers joined with ``, ``)."""
    out: dict[str, str] = {}
    if not isinstance(value, list):
        return out
    for header in value:
        if isinstance(header, dict) and header.get("name"):
            name = str(header["name"]).lower()
            text = str(header.get("value", ""))
            out[name] = f"{out[name]}, {text}" if name in out else text
    return out


def _error_text(entry: dict[str, Any], response: dict[str, Any]) -> str | None:
    for value in (
        response.get("_error"),
        response.get("_failureText"),
        entry.get("_error"),
        entry.get("_failureText"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _net_error(text: str | None) -> str | None:
    found = _NET_ERR.search(text) if text else None
    return found[0] if found else None


def _response_code(text: str) -> int | None:
    found = _RESPONSE_CODE.search(text)
    return int(found[1]) if found else None


def _protocol(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    lower = value.lower()
    known = {
        "h2": "HTTP/2.0",
        "http/2": "HTTP/2.0",
        "http/2.0": "HTTP/2.0",
        "h3": "HTTP/3.0",
        "http/3": "HTTP/3.0",
    }
    if lower in known:
        return known[lower]
    return value.upper() if lower.startswith("http/") else value


def _origin(url: str | None) -> str | None:
    found = re.match(r"^([A-Za-z][\w+.-]*://[^/?#\s]+)", url) if url else None
    return found[1] if found else None


def _request_id(request: dict[str, str], response: dict[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        if response.get(name) or request.get(name):
            return response.get(name) or request.get(name)
    trace = response.get("traceparent") or request.get("traceparent")
    parts = trace.split("-") if trace else []
    return parts[1] if len(parts) >= 3 else None


def _initiator(value: Any) -> str | None:
    """``type url:line`` of who started the request (CDP call frames are 0-based)."""
    if not isinstance(value, dict):
        return None
    url = value.get("url")
    line = value.get("lineNumber")
    frames = _obj(value.get("stack")).get("callFrames")
    if not url and isinstance(frames, list) and frames and isinstance(frames[0], dict):
        url, line = frames[0].get("url"), frames[0].get("lineNumber")
    where = f" {url}:{int(line) + 1}" if url and isinstance(line, int) else (f" {url}" if url else "")
    return f"{value.get('type') or 'other'}{where}"


def _http_level(status: int | None, error: str | None) -> str:
    if error or status == 0 or (status or 0) >= 500:
        return "error"
    return "warn" if (status or 0) >= 400 else "info"


def _is_polling(url: str) -> bool:
    return "EIO=" in url and "transport=polling" in url


def _body(content: dict[str, Any]) -> str | None:
    """A small response body as text (base64 decoded); None for large or missing ones."""
    text = content.get("text")
    if not isinstance(text, str) or not text or len(text) > _MAX_BODY:
        return None
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=False).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
    return text


def _engine_error(body: str) -> dict[str, Any] | None:
    """Engine.IO's JSON error answer: ``{"code":1,"message":"Session ID unknown"}``."""
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "code" in value and "message" in value else None


def _attrs(values: dict[str, Any]) -> str | None:
    kept = {k: v for k, v in values.items() if v is not None and v != []}
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":")) if kept else None
