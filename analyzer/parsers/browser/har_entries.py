"""HAR entries as rows of the event table: HTTP requests, WebSocket handshakes, frames, Socket.IO packets.

Every HTTP entry is an ``http_request`` (``handshake`` when its body is an Engine.IO open packet, which
gives the ``sid``); every WebSocket entry is a ``ws_upgrade`` plus ``ws_open`` / ``ws_failure``, one
``ws_frame`` summary, ``ws_error`` for later error frames, the Socket.IO packets that matter and
``ws_close`` at the end the HAR saw. Rows are gathered in Python lists (a HAR is a list of objects) and
the frame is built once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from analyzer.model import UTC_US
from analyzer.parsers.browser import eio
from analyzer.parsers.browser import har_values as v
from analyzer.urls import sio_columns, split_url

_SENT: Final = frozenset({"send", "sent", "request", "outgoing", "client"})
_RECEIVED: Final = frozenset({"receive", "received", "response", "incoming", "server"})
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
#: Frame times further than this from the entry's start are not epoch times of this capture.
_PLAUSIBLE_US: Final = 2 * 86_400 * v.SECOND

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


class Rows:
    """Column lists filled entry by entry, turned into one frame at the end."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
        #: Index in ``log.entries`` of the entry being added: one-line HARs put every entry on line 1,
        #: so each event carries it as ``attrs.entry`` for reports to cite.
        self.entry: int | None = None

    def add(self, **values: Any) -> None:
        if self.entry is not None:
            values["attrs"] = v.attrs({"entry": self.entry, **json.loads(values.get("attrs") or "{}")})
        for name in ("ts_us", "ts_end_us"):
            # a time no browser could have written (a corrupt or foreign number) is no time
            if values.get(name) is not None and not 0 <= values[name] < v.MAX_US:
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


def add_entry(rows: Rows, entry: dict[str, Any], line: int, pages: dict[str, str], writer: str) -> None:
    request = v.obj(entry.get("request"))
    response = v.obj(entry.get("response"))
    url = str(request.get("url") or "")
    method = v.string(request.get("method"))
    req_headers = v.headers(request.get("headers"))
    resp_headers = v.headers(response.get("headers"))
    started = v.iso_us(entry.get("startedDateTime"))
    duration = v.number(entry.get("time"))
    duration = duration if duration is not None and duration >= 0 else None
    har_status = v.integer(response.get("status"))
    error = v.error_text(entry, response)
    status = 0 if har_status is not None and har_status < 0 else har_status
    if not status and error and (code := v.RESPONSE_CODE.search(error)):
        status = int(code[1])
    page = pages.get(str(entry.get("pageref")))
    attrs = {
        "resource_type": entry.get("_resourceType"),
        "server_ip": entry.get("serverIPAddress") or None,
        "connection": entry.get("connection") or entry.get("_connectionId") or None,
        "initiator": v.initiator(entry.get("_initiator")),
        "page": page,
        "status_text": response.get("statusText") or None,
        "har_status": har_status if har_status != status else None,
        **{name: resp_headers.get(name) or req_headers.get(name) for name in _ATTR_HEADERS},
    }
    content = v.obj(response.get("content"))
    common = {
        "line": line,
        "method": method,
        "url": url,
        "protocol": v.protocol(response.get("httpVersion") or request.get("httpVersion")),
        "user_agent": req_headers.get("user-agent"),
        "origin": req_headers.get("origin") or v.origin(req_headers.get("referer")) or v.origin(page),
        "upgrade_header": req_headers.get("upgrade"),
        "connection_header": req_headers.get("connection"),
        "request_id": v.request_id(req_headers, resp_headers),
    }
    synopsis = " ".join(
        str(part) for part in (method, url, har_status, response.get("statusText") or None, error) if part
    )
    is_ws = entry.get("_resourceType") == "websocket" or url.lower().startswith(("ws://", "wss://"))
    ctx = _Entry(started, url, common, writer)
    if is_ws:
        _add_websocket(rows, entry, ctx, status, error, duration, attrs, synopsis)
        return
    body = v.body(content) if v.is_polling(url) else None
    packets = [p for p in (eio.decode(t) for t in eio.split_payload(body)) if p] if body else []
    opened = next((d for p in packets if (d := eio.open_data(p))), None)
    engine_error = v.engine_error(body) if body and status and status >= 400 else None
    if opened:
        attrs |= {k: opened.get(k) for k in ("pingInterval", "pingTimeout", "upgrades", "maxPayload")}
    rows.add(
        **common,
        ts_us=started,
        ts_end_us=v.plus_ms(started, duration),
        kind="handshake" if opened else "http_request",
        level=v.http_level(status, error or (engine_error or {}).get("message")),
        message=synopsis,
        status=status,
        size=v.size(content.get("size"), response.get("bodySize")),
        request_size=v.size(request.get("bodySize")),
        duration_ms=duration,
        sid_body=opened.get("sid") if opened else None,
        error_code=v.integer((engine_error or {}).get("code")),
        error=error or (engine_error or {}).get("message"),
        reason=None,
        attrs=v.attrs(attrs),
        raw=synopsis,
    )
    end = v.plus_ms(started, duration)
    for packet in packets:
        _add_socket_packet(rows, ctx, packet, end, "receive", estimated=False)


def _add_websocket(
    rows: Rows,
    entry: dict[str, Any],
    ctx: _Entry,
    status: int | None,
    error: str | None,
    duration: float | None,
    attrs: dict[str, Any],
    synopsis: str,
) -> None:
    """One WebSocket entry: the handshake, its outcome, its frames, its end."""
    entry_status = v.integer(v.obj(entry.get("response")).get("status"))
    frames = _frames(entry.get("_webSocketMessages"), ctx.started)
    # DevTools keeps a WebSocket's entry open until it closes, so ``time`` is its lifetime and covers every
    # frame; Playwright's and Firefox's ``time`` is the handshake alone: their lifetime is unknown
    last_frame = max((f.time for f in frames if f.time is not None), default=None)
    end = v.plus_ms(ctx.started, duration)
    if end is None:
        lifetime_known = False
    elif last_frame is not None:
        lifetime_known = end >= last_frame - v.SECOND // 1000  # 1 ms of rounding
    else:
        lifetime_known = ctx.writer == "WebInspector"
    if not lifetime_known:
        attrs = {**attrs, "handshake_ms": duration}
        duration = None
    error_frames = [f for f in frames if f.direction == "error"]
    if error is None and error_frames:
        error = error_frames[0].data or None
    if not status and error and (code := v.RESPONSE_CODE.search(error)):
        status = int(code[1])
        attrs = {**attrs, "har_status": entry_status}
    opened = status == 101
    end = v.plus_ms(ctx.started, duration)
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
        error=v.net_error(error) or error,
        reason=error,
        attrs=v.attrs(attrs),
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
            error=v.net_error(error) or error,
            reason=error,
            attrs=v.attrs(attrs),
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
            status=v.response_code(extra.data),
            error=v.net_error(extra.data) or extra.data or None,
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
    numbers = [t for m in items if (t := v.number(m.get("time"))) is not None]
    monotonic_base = min(numbers) if numbers else None
    out = []
    for m in items:
        opcode = v.integer(m.get("opcode"))
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
    if isinstance(value, str) and not v.is_number(value):
        return v.iso_us(value), False
    number = v.number(value)
    if number is None:
        return None, False
    us = number * 1000 if number > 1e11 else number * v.SECOND  # epoch ms (Playwright) or s (DevTools)
    if not -v.MAX_US < us < v.MAX_US:
        return None, False
    if started is None or abs(us - started) <= _PLAUSIBLE_US:
        return int(us), False
    # a monotonic clock: seconds since the first frame, counted from the handshake
    return int(started + (number - (base or number)) * v.SECOND), True


def _add_frame_summary(rows: Rows, ctx: _Entry, frames: list[_Frame]) -> None:
    """One ``ws_frame`` row per WebSocket, plus the Engine.IO / Socket.IO packets that change its story."""
    socketio = "EIO=" in ctx.url
    sent = [f for f in frames if f.direction == "sent"]
    received = [f for f in frames if f.direction == "received"]
    pings = messages = 0
    sid = None
    for frame in frames:
        packet = eio.decode(frame.data) if socketio and frame.opcode != 2 else None
        if packet is None:
            continue
        if packet.engine in ("ping", "pong") and packet.data != "probe":
            pings += 1
        elif packet.socket in ("event", "ack", "binary_event", "binary_ack"):
            messages += 1
        elif (opened := eio.open_data(packet)) is not None:
            sid = opened.get("sid")
            rows.add(
                **ctx.common,
                ts_us=frame.time,
                ts_estimated=frame.estimated,
                kind="handshake",
                level="info",
                message=f"Engine.IO open over WebSocket: {frame.data[:200]}",
                sid_body=sid,
                attrs=v.attrs(
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
        attrs=v.attrs(
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
    rows: Rows,
    ctx: _Entry,
    packet: eio.Packet,
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
        message = eio.connect_error_message(packet)
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
