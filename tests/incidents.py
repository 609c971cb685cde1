"""Small, realistic incidents as the three sources record them, for report tests.

``headers_stripped()``: two minutes of healthy Socket.IO sessions behind Traefik, then a deploy that
blanks the ``Upgrade`` / ``Connection`` headers: every WebSocket is answered 400, the backend logs
engine.io's ``TRANSPORT_MISMATCH`` and the browser reports the WebSocket failed, and clients stay on
long-polling. The browser's clock runs 3.2 s ahead and the backend's 1.5 s behind the proxy's. With
``hostile=True`` a User-Agent, a URL and a console line carry markup, and URLs carry a ``token=``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from analyzer.analysis import Analysis, AnalyzeOptions, analyze_ingested, select_rules
from analyzer.ingest import Ingested, InputInfo
from analyzer.model import conform

T0 = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
BROWSER_SKEW_S = 3.2
BACKEND_SKEW_S = -1.5
SECRET = "s3cr3tT0k3nValue"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
PROXY_LOG = "traefik/access.log"
BACKEND_LOG = "backend/chat.log"
BROWSER_LOG = "browser/console.log"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _clf(ts: datetime, client: str, method: str, url: str, status: int, ms: float, ua: str, n: int,
         router: str = "chat@docker") -> str:  # fmt: skip
    stamp = ts.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return (
        f'{client} - - [{stamp}] "{method} {url} HTTP/1.1" {status} 64 "-" "{ua}" {n} "{router}"'
        f' "http://172.18.0.4:3000" {ms:.0f}ms'
    )


def _nest(ts: datetime, level: str, context: str, message: str) -> str:
    return f"[Nest] 1  - {ts.strftime('%m/%d/%Y, %I:%M:%S %p')}   {level.upper():>5} [{context}] {message}"


class _Capture:
    """Rows of the event table as the three parsers would emit them, numbered per file."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.lines = {PROXY_LOG: 0, BACKEND_LOG: 0, BROWSER_LOG: 0}

    def add(self, file: str, source: str, fmt: str, **row: Any) -> None:
        self.lines[file] += 1
        self.rows.append({"file": file, "source": source, "format": fmt, "line": self.lines[file], **row})

    def proxy(self, t: float, method: str, query: str, status: int, ms: float, *, client: str, ua: str = _UA,
              path: str = "/socket.io/", router: str = "chat@docker") -> None:  # fmt: skip
        url = f"{path}?{query}" if query else path
        params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        ts = at(t)
        self.add(
            PROXY_LOG, "proxy", "traefik-clf", ts=ts, ts_end=ts + timedelta(milliseconds=ms),
            kind="ws_upgrade" if params.get("transport") == "websocket" else "http_request",
            method=method, path=path, query=query or None, status=status, duration_ms=ms, client=client,
            user_agent=ua, router=router, upstream="http://172.18.0.4:3000", host="chat.example.test",
            eio=int(params["EIO"]) if "EIO" in params else None, transport=params.get("transport"),
            sid=params.get("sid"), t=params.get("t"),
            raw=_clf(ts, client, method, url, status, ms, ua, self.lines[PROXY_LOG] + 1, router),
        )  # fmt: skip

    def backend(self, t: float, kind: str, message: str, *, level: str = "log", **row: Any) -> None:
        ts = at(t + BACKEND_SKEW_S)
        self.add(BACKEND_LOG, "backend", "nestjs", ts=ts, kind=kind, level="error" if level == "error" else "info",
                 message=message, raw=_nest(ts, level, "EventsGateway", message), **row)  # fmt: skip

    def browser(self, t: float, kind: str, message: str, *, level: str = "info", **row: Any) -> None:
        ts = at(t + BROWSER_SKEW_S)
        self.add(BROWSER_LOG, "browser", "chrome-console", ts=ts, kind=kind, level=level, message=message,
                 raw=f"{ts.strftime('%H:%M:%S.%f')[:-3]} {message}", **row)  # fmt: skip


def _session(cap: _Capture, i: int, start: float, *, broken: bool, ua: str, token: bool) -> None:
    sid = f"Ses{i:03d}-AbCdEfGhIjKlMn"
    client = f"203.0.113.{10 + i % 40}"
    q = "EIO=4&transport=polling"
    cap.proxy(start, "GET", f"{q}&t=Phs{i:03d}", 200, 3, client=client, ua=ua)
    cap.backend(start + 0.004, "handshake", f"engine.io handshake sid={sid}", sid=sid)
    cap.proxy(start + 0.03, "POST", f"{q}&t=Ppo{i:03d}&sid={sid}", 200, 2, client=client, ua=ua)
    cap.proxy(start + 0.05, "GET", f"{q}&t=Pge{i:03d}&sid={sid}", 200, 2, client=client, ua=ua)
    ws_query = f"EIO=4&transport=websocket&sid={sid}" + (f"&token={SECRET}" if token else "")
    if not broken:
        life = 30.0 + (37 * i) % 240  # seconds: users leave whenever they like
        cap.proxy(start + 0.08, "GET", ws_query, 0, life * 1000, client=client, ua=ua)
        cap.backend(
            start + 0.085, "upgrade", f"client {sid} upgraded to websocket", sid=sid, transport="websocket"
        )
        cap.browser(start + 0.09, "ws_open", "socket connected", sid=sid, transport="websocket")
        cap.backend(start + 0.08 + life, "disconnect", f"client {sid} disconnected: transport close", sid=sid,
                    reason="transport close")  # fmt: skip
        return
    cap.proxy(start + 0.08, "GET", ws_query, 400, 2, client=client, ua=ua)
    cap.backend(start + 0.081, "error", f'TRANSPORT_MISMATCH bad request: unexpected transport without upgrade {{"code":3,"sid":"{sid}"}}',
                level="error", sid=sid, transport="websocket", error="TRANSPORT_MISMATCH", error_code=3)  # fmt: skip
    url = f"wss://chat.example.test/socket.io/?{ws_query}"
    tail = f" {IMG}{SCRIPT}" if token else ""
    cap.browser(start + 0.083, "ws_failure", f"WebSocket connection to '{url}' failed:{tail}", level="error",
                sid=sid, transport="websocket", host="chat.example.test", path="/socket.io/")  # fmt: skip
    for k in range(1, 5):  # the client keeps long-polling
        cap.proxy(
            start + 0.05 + 25 * k, "GET", f"{q}&t=Plp{i:03d}{k}&sid={sid}", 200, 25_000, client=client, ua=ua
        )


def headers_stripped(*, hostile: bool = True) -> Ingested:
    """The incident's events and inputs, as the ingest stage would hand them over."""
    cap = _Capture()
    for i in range(20):
        ua = f"{_UA} {SCRIPT}" if hostile and i == 2 else _UA
        _session(cap, i, 6.0 * i, broken=False, ua=ua, token=False)
    for i in range(20, 50):
        _session(cap, i, 120 + 4.0 * (i - 20), broken=True, ua=_UA, token=hostile and i == 21)
    for k in range(60):  # REST traffic that has nothing to do with WebSockets
        path = f"/api/v1/rooms/{k}" if not (hostile and k == 7) else f"/api/v1/rooms/{IMG}"
        cap.proxy(3.0 * k + 1.3, "GET", "", 502 if k == 50 else 200, 12, client="198.51.100.7", path=path,
                  router="api@docker")  # fmt: skip
    events = conform(pl.DataFrame(cap.rows, infer_schema_length=None))
    events = events.sort("file", "line")
    inputs = []
    for (path, source, fmt), group in events.group_by(["file", "source", "format"], maintain_order=True):
        inputs.append(
            InputInfo(str(path), source=str(source), format=str(fmt), events=group.height,
                      first_ts=group["ts"].min(), last_ts=group["ts"].max())  # type: ignore[arg-type]
        )  # fmt: skip
    inputs.append(InputInfo("browser/notes.txt", error="no known log format recognized"))
    return Ingested(events, inputs)


def analysis_of(ingested: Ingested, *, redact: bool = True) -> Analysis:
    """Correlate and run the shipped rules, as ``wsdiag analyze`` does after reading."""
    options = AnalyzeOptions(redact=redact)
    return analyze_ingested(ingested, select_rules(options), options)


def proxy_log(ingested: Ingested) -> str:
    """The incident's Traefik access log as the proxy wrote it (CLF lines)."""
    lines = ingested.events.filter(pl.col("file") == PROXY_LOG).sort("line")["raw"]
    return "\n".join(lines) + "\n"
