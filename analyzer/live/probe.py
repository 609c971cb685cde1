"""``wsdiag probe URL``: speak Engine.IO / Socket.IO (or plain WebSocket) through the proxy, step by step.

Socket.IO, as socket.io-client does it: the polling handshake (``GET …?EIO=4&transport=polling`` →
``0{"sid":…}``), a POST on the session (``40``, the namespace connect in v4; a ping in v3), the poll that
brings the namespace's answer (``40{"sid":…}``), the upgrade to WebSocket with the sid (``101``,
``2probe`` → ``3probe``, ``5``), one heartbeat. Plain WebSocket: the upgrade and a ping frame. Optional
checks: ``--origin`` (CORS and the origin check), ``--hold`` (an idle WebSocket, the cut timed),
``--payload-size``, ``--repeat`` (several sessions: sticky sessions). The first failing step is mapped to a
catalog rule and becomes a finding with the rule's title, severity and fix.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlencode, urlsplit

from websockets.exceptions import ConnectionClosed

from analyzer.errors import UsageError
from analyzer.findings import Evidence, Finding
from analyzer.live import eio, sio
from analyzer.live.answers import Answer, Diagnosis, answered_by, diagnose, fingerprint, is_proxy_404
from analyzer.live.model import LogsSeen, ProbeOptions, ProbeResult, Step
from analyzer.live.transport import Budget, BudgetSpent, Client, NetworkError, UpgradeRefused

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

    from analyzer.rules import Rule

_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}


@dataclass(frozen=True)
class Target:
    """Where the probe goes: the HTTP origin, the Engine.IO path, the namespace or WebSocket path."""

    origin: str  # http(s)://host:port
    mode: Literal["socketio", "websocket"]
    path: str  # Engine.IO path (``/socket.io/``) or the WebSocket's path with its query
    namespace: str = "/"

    def http_url(self, query: dict[str, str]) -> str:
        return f"{self.origin}{self.path}?{urlencode(query)}"

    def ws_url(self, query: dict[str, str] | None = None) -> str:
        scheme = "wss" if self.origin.startswith("https") else "ws"
        rest = self.origin.split("://", 1)[1]
        if query is None:
            return f"{scheme}://{rest}{self.path}"
        return f"{scheme}://{rest}{self.path}?{urlencode(query)}"


def target(options: ProbeOptions) -> Target:
    """The probe's target from the URL and ``--path`` / ``--mode``; :class:`UsageError` for a bad URL."""
    parts = urlsplit(options.url)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES or not parts.hostname:
        raise UsageError(
            f"probe expects an http://, https://, ws:// or wss:// URL with a host, got {options.url!r}"
        )
    try:
        port = parts.port
    except ValueError:
        raise UsageError(f"bad port in {options.url!r}") from None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    origin = f"{_SCHEMES[scheme]}://{host}" + (f":{port}" if port else "")
    path = parts.path or "/"
    mode = options.mode
    if mode == "auto":
        plain = scheme in ("ws", "wss") and path not in ("/", "") and "socket.io" not in path
        mode = "websocket" if plain and options.path is None else "socketio"
    if mode == "websocket":
        return Target(origin, "websocket", path + (f"?{parts.query}" if parts.query else ""))
    engine = options.path or "/socket.io/"
    if not engine.startswith("/"):
        engine = "/" + engine
    if not engine.endswith("/"):
        engine += "/"
    namespace = "/" if path in ("", "/") or path.rstrip("/") == engine.rstrip("/") else path.rstrip("/")
    return Target(origin, "socketio", engine, namespace)


@dataclass
class _Run:
    options: ProbeOptions
    target: Target
    client: Client
    rules: dict[str, Rule]
    steps: list[Step] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    stopped: str | None = None
    unreachable: bool = False
    #: The last handshake's open packet.
    info: eio.OpenInfo | None = None
    sids: list[str] = field(default_factory=list)

    # -- recording ----------------------------------------------------------------------------------

    def step(self, name: str, title: str, **fields: object) -> Step:
        step = Step(name, title, at=datetime.now(UTC), **fields)  # type: ignore[arg-type]
        self.steps.append(step)
        return step

    def fail(self, step: Step, diagnosis: Diagnosis) -> None:
        step.outcome = "failed"
        step.detail = diagnosis.why
        step.rule = diagnosis.rule
        if diagnosis.rule:
            self.finding(diagnosis.rule, diagnosis.why, step)

    def finding(self, rule_id: str, why: str, step: Step) -> None:
        if any(f.rule == rule_id for f in self.findings):
            return
        rule = self.rules.get(rule_id)
        title = rule.title if rule else rule_id
        fix = (rule.doc.get("remediation") or "").strip() if rule else ""
        text = f"{step.sent} → {step.received}".strip(" →")
        who = ", ".join(f"{k}: {v}" for k, v in step.headers.items())
        evidence = [
            Evidence(
                source="probe",
                path=self.options.url,
                line=None,
                ts=step.at,
                text=text + (f" ({who})" if who else ""),
            )
        ]
        finding = Finding(
            rule=rule_id,
            title=title,
            severity=rule.severity if rule else "high",
            count=1,
            explanation=f"Step `{step.title}` failed: {why}.",
            remediation=" ".join(fix.split()),
            first_seen=step.at,
            last_seen=step.at,
            keys={"step": step.name, "url": self.options.url},
            evidence=evidence,
            tags=["probe"],
        )
        self.findings.append(finding)

    def answered(self, step: Step, answer: Answer, elapsed_ms: float) -> None:
        step.status = answer.status
        step.headers = answer.who_headers()
        step.elapsed_ms = round(elapsed_ms, 1)
        step.received = f"{answer.status} {answer.body_text()}".strip()

    def network(self, step: Step, exc: NetworkError) -> None:
        """A step that got no HTTP answer: DNS and TLS have rules; the rest means the probe could not run."""
        step.outcome = "failed"
        step.received = f"no answer: {exc}"
        if exc.kind == "dns":
            self.fail(step, Diagnosis("dns-failure", f"the host name does not resolve ({exc})"))
        elif exc.kind == "tls":
            self.fail(step, Diagnosis("tls-failure", f"{exc}{tls_details(self.client, exc.tls)}"))
        elif exc.kind in ("timeout", "closed") and step.name in ("upgrade", "websocket"):
            self.fail(
                step,
                Diagnosis(
                    "upgrade-never-completes",
                    f"the WebSocket upgrade was sent and never answered ({exc}): a hop between the probe "
                    "and the server holds or drops upgrades",
                ),
            )
        else:
            step.detail = str(exc)
            if not any(s.status for s in self.steps):
                self.unreachable = True

    # -- the steps ----------------------------------------------------------------------------------

    def guarded(self, fn: Callable[[], object]) -> bool:
        """Run a step function; False when the budget is spent (the rest is skipped)."""
        try:
            fn()
        except BudgetSpent as exc:
            self.stopped = str(exc)
            self.step("budget", "limits", outcome="skipped", detail=f"stopped: {exc}")
            return False
        return True

    def polling_session(self, label: str = "") -> str | None:
        """Handshake, POST, poll: the sid when all three passed."""
        opts, tgt = self.options, self.target
        rid, t = self.client.next_ids()
        query = {"EIO": str(opts.eio), "transport": "polling", "t": t}
        url = tgt.http_url(query)
        # as a browser page does: Origin on a cross-origin GET; on POSTs and upgrades always (the page's own
        # origin when --origin is not given)
        sent_headers = {"Origin": opts.origin} if opts.origin else {}
        page_origin = {"Origin": opts.origin or tgt.origin}
        step = self.step(
            "handshake", f"polling handshake{label}", outcome="ok", sent=f"GET {tgt.path}?{urlencode(query)}"
        )
        try:
            answer, ms = self.client.request("GET", url, request_id=rid, headers=sent_headers)
        except NetworkError as exc:
            self.network(step, exc)
            return None
        self.answered(step, answer, ms)
        info = None
        if answer.status == 200:
            try:
                packets = eio.decode_payload(
                    answer.body, eio=opts.eio, content_type=answer.headers.get("content-type")
                )
                info = eio.parse_open(packets[0])
            except (eio.DecodeError, IndexError) as exc:
                if opts.eio == 4 and answer.body[:4].split(b":")[0].isdigit() and b":0{" in answer.body[:12]:
                    self.fail(
                        step,
                        Diagnosis(
                            "protocol-version-mismatch",
                            "the server answered an EIO=4 handshake in the v3 framing (`97:0{…}`): it runs "
                            "engine.io 3 (socket.io 2); probe with --eio 3 or upgrade the server",
                        ),
                    )
                    return None
                step.detail = f"not an Engine.IO open packet ({exc})"
        if info is None:
            same = self.same_elsewhere(answer) if answer.status == 404 and not is_proxy_404(answer) else None
            self.fail(step, diagnose(answer, "handshake", same_as_elsewhere=same))
            return None
        step.detail = (
            f"sid {info.sid}, upgrades {list(info.upgrades)}, pingInterval {info.ping_interval_ms} ms, "
            f"pingTimeout {info.ping_timeout_ms} ms"
            + (f", maxPayload {info.max_payload}" if info.max_payload is not None else "")
            + f"; answered by {answered_by(answer)}"
        )
        cookie = answer.headers.get("set-cookie")
        if cookie:
            step.detail += (
                f"; sets cookie {cookie.split('=', 1)[0]} (kept for the session's requests: affinity)"
            )
        self.info = info
        self.sids.append(info.sid)
        if opts.origin and not self.cors_ok(step, answer):
            return None
        # the POST: v4 connects the namespace (what socket.io-client sends first); v3 sends a ping
        rid, t = self.client.next_ids()
        squery = {"EIO": str(opts.eio), "transport": "polling", "t": t, "sid": info.sid}
        if opts.eio == 4:
            body = eio.encode_payload([eio.Packet("message", sio.connect(tgt.namespace))], eio=4)
        else:
            packets = [eio.Packet("ping")]
            if tgt.namespace != "/":
                packets.append(eio.Packet("message", sio.connect(tgt.namespace)))
            body = eio.encode_payload(packets, eio=3)
        step = self.step(
            "post",
            f"POST on the session{label}",
            outcome="ok",
            sent=f"POST {tgt.path}?{urlencode(squery)} {body!r}",
        )
        try:
            answer, ms = self.client.request(
                "POST",
                tgt.http_url(squery),
                request_id=rid,
                content=body.encode(),
                headers={"Content-Type": "text/plain;charset=UTF-8", **page_origin},
            )
        except NetworkError as exc:
            self.network(step, exc)
            return None
        self.answered(step, answer, ms)
        if answer.status != 200 or answer.body.strip().lower() != b"ok":  # python-engineio: "OK"
            self.fail(step, diagnose(answer, "post"))
            return None
        # the poll that carries the namespace's answer
        rid, t = self.client.next_ids()
        pquery = {"EIO": str(opts.eio), "transport": "polling", "t": t, "sid": info.sid}
        step = self.step(
            "namespace",
            f"namespace {tgt.namespace} connect{label}",
            outcome="ok",
            sent=f"GET {tgt.path}?{urlencode(pquery)}",
        )
        try:
            answer, ms = self.client.request(
                "GET", tgt.http_url(pquery), request_id=rid, headers=sent_headers
            )
        except NetworkError as exc:
            self.network(step, exc)
            return None
        self.answered(step, answer, ms)
        if answer.status != 200:
            self.fail(step, diagnose(answer, "poll"))
            return None
        try:
            packets = eio.decode_payload(
                answer.body, eio=opts.eio, content_type=answer.headers.get("content-type")
            )
        except eio.DecodeError as exc:
            self.fail(step, Diagnosis(None, f"the poll's answer is not an Engine.IO payload ({exc})"))
            return None
        connected = self.namespace_answer(step, packets)
        return info.sid if connected else None

    def socketio(self) -> None:
        """``--repeat`` sessions (polling, then the upgrade; the heartbeat and ``--hold`` on the last), then
        the payload check. A session lost to another replica does not end the run: how many of the
        sessions were lost is what tells a missing sticky session."""
        repeat = max(1, self.options.repeat)
        lost = 0
        for i in range(repeat):
            sid = self.polling_session(f" #{i + 1}" if repeat > 1 else "")
            ok = sid is not None and self.upgrade(sid, last=i == repeat - 1)
            if ok:
                continue
            if self.steps[-1].rule != "sticky-session-missing":
                break
            lost += 1
        sticky = next((f for f in self.findings if f.rule == "sticky-session-missing"), None)
        if sticky is not None and repeat > 1:
            sticky.count = lost
            sticky.explanation += (
                f" {lost} of {repeat} sessions were lost to a server that did not know them."
            )
        if self.options.payload_size and not self.unreachable:
            self.payload(self.options.payload_size)

    def namespace_answer(self, step: Step, packets: list[eio.Packet]) -> bool:
        for packet in packets:
            if packet.type != "message" or not isinstance(packet.data, str):
                continue
            decoded = sio.decode(packet.data)
            if decoded is None or decoded.nsp != self.target.namespace:
                continue
            if decoded.type == "CONNECT":
                step.detail = f"connected ({packet.text()})"
                return True
            reason = sio.error_message(decoded)
            if reason is not None:
                self.fail(
                    step, Diagnosis(None, f"the server refused namespace {self.target.namespace}: {reason!r}")
                )
                return False
        if any(p.type == "close" for p in packets):
            self.fail(
                step, Diagnosis(None, "the server closed the session instead of connecting the namespace")
            )
            return False
        step.outcome = "warning"
        step.detail = "no namespace answer in this poll: " + " ".join(p.text()[:40] for p in packets)
        return True

    def same_elsewhere(self, answer: Answer) -> bool | None:
        """Whether a path outside the Socket.IO prefix gets the same 404 (one extra request)."""
        rid, _ = self.client.next_ids()
        path = f"/wsdiag-probe-{self.client.run_id}"
        step = self.step(
            "control", "control request outside the Socket.IO path", outcome="ok", sent=f"GET {path}"
        )
        try:
            other, ms = self.client.request("GET", f"{self.target.origin}{path}", request_id=rid)
        except (NetworkError, BudgetSpent) as exc:
            step.outcome = "skipped"
            step.detail = str(exc)
            return None
        self.answered(step, other, ms)
        same = fingerprint(other) == fingerprint(answer)
        step.detail = f"answered by {answered_by(other)}: " + (
            "the same service answers there" if same else "a different answer than the handshake's"
        )
        return same

    def cors_ok(self, step: Step, answer: Answer) -> bool:
        origin = self.options.origin or ""
        allowed = answer.headers.get("access-control-allow-origin")
        cstep = self.step(
            "cors",
            "CORS for the origin",
            outcome="ok",
            sent=f"Origin: {origin}",
            received=f"Access-Control-Allow-Origin: {allowed}"
            if allowed
            else "no Access-Control-Allow-Origin",
            status=answer.status,
        )
        if allowed in (origin, "*"):
            cstep.detail = "a browser on this origin may read the handshake"
            return self.preflight(cstep) if self.options.headers else True
        self.fail(
            cstep,
            Diagnosis(
                "cors-blocked",
                f"the handshake answer carries {('Access-Control-Allow-Origin: ' + allowed) if allowed else 'no Access-Control-Allow-Origin'}"
                f": a browser on {origin} blocks it",
            ),
        )
        return False

    def preflight(self, cors: Step) -> bool:
        """With ``--header``: the OPTIONS preflight a browser sends before a request with those headers."""
        names = ", ".join(name.lower() for name, _ in self.options.headers)
        rid, t = self.client.next_ids()
        query = {"EIO": str(self.options.eio), "transport": "polling", "t": t}
        step = self.step(
            "preflight",
            "CORS preflight for the headers",
            outcome="ok",
            sent=f"OPTIONS {self.target.path}?{urlencode(query)} Access-Control-Request-Headers: {names}",
        )
        headers = {
            "Origin": self.options.origin or "",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": names,
        }
        try:
            answer, ms = self.client.request(
                "OPTIONS", self.target.http_url(query), request_id=rid, headers=headers
            )
        except NetworkError as exc:
            self.network(step, exc)
            return False
        self.answered(step, answer, ms)
        allowed = {
            h.strip().lower() for h in answer.headers.get("access-control-allow-headers", "").split(",")
        }
        missing = [n for n, _ in self.options.headers if n.lower() not in allowed and "*" not in allowed]
        origin_ok = answer.headers.get("access-control-allow-origin") in (self.options.origin, "*")
        if answer.status < 300 and origin_ok and not missing:
            return True
        why = (
            f"{answer.status} without Access-Control-Allow-Origin for {self.options.origin}"
            if not origin_ok or answer.status >= 300
            else f"Access-Control-Allow-Headers lacks {', '.join(missing)}"
        )
        self.fail(
            step, Diagnosis("cors-blocked", f"the preflight is refused ({why}): a browser sends no request")
        )
        return False

    def upgrade(self, sid: str, *, last: bool = True) -> bool:
        """The upgrade of session ``sid``; on the last session also the heartbeat and ``--hold``.
        False when a step failed."""
        first = len(self.steps)
        opts, tgt = self.options, self.target
        info = self.info
        assert info is not None
        if "websocket" not in info.upgrades:
            step = self.step(
                "upgrade",
                "upgrade to WebSocket",
                outcome="skipped",
                detail=f"the handshake offers upgrades {list(info.upgrades)}",
            )
            self.finding(
                "stuck-on-polling",
                f"the server offers no WebSocket upgrade (`upgrades: {list(info.upgrades)}`): sessions stay on "
                "long-polling",
                step,
            )
            return False
        rid, t = self.client.next_ids()
        query = {"EIO": str(opts.eio), "transport": "websocket", "sid": sid, "t": t}
        step = self.step(
            "upgrade",
            "upgrade to WebSocket",
            outcome="ok",
            sent=f"GET {tgt.path}?{urlencode(query)} Upgrade: websocket",
        )
        try:
            with self.client.websocket(
                tgt.ws_url(query), request_id=rid, origin=opts.origin or tgt.origin
            ) as (ws, ms):
                step.status, step.elapsed_ms = 101, round(ms, 1)
                step.received = "101 Switching Protocols"
                if ws.response is not None:
                    raw = ws.response.headers.raw_items()
                    step.headers = {k.lower(): v for k, v in raw if k.lower() in ("server", "x-powered-by")}
                self.on_websocket(ws, last=last)
        except ConnectionClosed as exc:  # closed under a send
            self.closed(self.steps[-1], exc, time.monotonic())
        except UpgradeRefused as exc:
            self.answered(step, exc.answer, exc.elapsed_ms)
            self.fail(step, diagnose(exc.answer, "upgrade"))
        except NetworkError as exc:
            self.network(step, exc)
        return not any(s.outcome == "failed" for s in self.steps[first:])

    def on_websocket(self, ws: ClientConnection, *, last: bool = True) -> None:
        opts = self.options
        step = self.step("probe", "2probe / 3probe", outcome="ok", sent="2probe")
        if not self.exchange(ws, step, "2probe", lambda p: p.type == "pong" and p.data == "probe"):
            return
        step = self.step(
            "upgrade-packet", "upgrade packet", outcome="ok", sent="5", received="(no answer expected)"
        )
        ws.send("5")
        if not last:
            return
        if opts.heartbeat and not self.heartbeat(ws):
            return
        if opts.hold:
            self.hold(ws, opts.hold)

    def exchange(
        self,
        ws: ClientConnection,
        step: Step,
        send: str | None,
        want: Callable[[eio.Packet], bool],
        wait: float | None = None,
    ) -> bool:
        """Send a frame (if any) and read until a packet ``want`` accepts (others are noted, pings answered)."""
        began = time.monotonic()
        if send is not None:
            ws.send(send)
        limit = min(wait or self.options.timeout, max(0.1, self.client.budget.remaining()))
        seen: list[str] = []
        while True:
            left = limit - (time.monotonic() - began)
            if left <= 0:
                step.outcome = "failed"
                step.received = ("got " + " ".join(seen)) if seen else "nothing"
                step.detail = f"no answer within {limit:.1f} s"
                return False
            try:
                frame = ws.recv(timeout=left)
            except TimeoutError:
                continue
            except Exception as exc:  # the connection closed: name the close code
                self.closed(step, exc, began)
                return False
            try:
                packet = eio.decode_packet(frame, eio=self.options.eio)
            except eio.DecodeError:
                seen.append(repr(frame)[:40])
                continue
            if want(packet):
                step.received = packet.text()[:120]
                step.elapsed_ms = round((time.monotonic() - began) * 1000, 1)
                return True
            seen.append(packet.text()[:40])
            if packet.type == "ping" and self.options.eio == 4:
                ws.send("3")

    def closed(self, step: Step, exc: Exception, began: float) -> None:
        rcvd = getattr(exc, "rcvd", None)
        code = getattr(rcvd, "code", None)
        reason = getattr(rcvd, "reason", "")
        after = time.monotonic() - began
        step.received = f"closed{f' with code {code}' if code else ' without a close frame'}{f' {reason!r}' if reason else ''} after {after:.1f} s"
        if code == 1009:
            self.fail(
                step,
                Diagnosis("payload-too-large", "the server closed the WebSocket with 1009 (message too big)"),
            )
        else:
            step.outcome = "failed"
            step.detail = "the WebSocket closed"

    def heartbeat(self, ws: ClientConnection) -> bool:
        """One heartbeat; False when the WebSocket did not survive it."""
        info = self.info
        assert info is not None
        if self.options.eio == 3:
            step = self.step("heartbeat", "ping / pong (client pings, v3)", outcome="ok", sent="2")
            return self.exchange(ws, step, "2", lambda p: p.type == "pong")
        wait = (info.ping_interval_ms or 25000) / 1000 + 2
        if wait > self.client.budget.remaining() - 1:
            self.step(
                "heartbeat",
                "ping / pong (server pings, v4)",
                outcome="skipped",
                detail=f"the server pings every {wait - 2:g} s; that does not fit in --max-time",
            )
            return True
        step = self.step(
            "heartbeat", "ping / pong (server pings, v4)", outcome="ok", sent="(waiting for the server's 2)"
        )
        began = time.monotonic()
        if self.exchange(ws, step, None, lambda p: p.type == "ping", wait=wait):
            ws.send("3")
            step.sent = "3 (pong)"
            return True
        if step.received.startswith("closed") and step.rule is None:
            self.fail(
                step,
                Diagnosis(
                    "idle-timeout-cut",
                    f"the WebSocket was cut after {time.monotonic() - began:.1f} s of silence, before the "
                    f"server's first ping (pingInterval {wait - 2:g} s): a hop's idle timeout is shorter "
                    "than the heartbeat",
                ),
            )
        return False

    def hold(self, ws: ClientConnection, seconds: float) -> None:
        step = self.step(
            "hold", f"idle WebSocket held {seconds:g} s", outcome="ok", sent="(nothing but pongs)"
        )
        began = time.monotonic()
        limit = min(seconds, self.client.budget.remaining() - 0.5)
        while time.monotonic() - began < limit:
            try:
                frame = ws.recv(timeout=limit - (time.monotonic() - began))
            except TimeoutError:
                break
            except Exception as exc:
                after = time.monotonic() - began
                self.closed(step, exc, began)
                if step.rule is None:
                    self.fail(
                        step,
                        Diagnosis(
                            "idle-timeout-cut",
                            f"the idle WebSocket was cut after {after:.1f} s although the probe answered every "
                            "ping: a hop's idle timeout is shorter than the heartbeat",
                        ),
                    )
                return
            if self.target.mode == "socketio":
                try:
                    packet = eio.decode_packet(frame, eio=self.options.eio)
                except eio.DecodeError:
                    continue
                if packet.type == "ping" and self.options.eio == 4:
                    ws.send("3")
                elif packet.type == "close":
                    step.outcome = "failed"
                    step.received = f"close packet after {time.monotonic() - began:.1f} s"
                    return
        step.received = f"still open after {time.monotonic() - began:.1f} s"
        if limit < seconds:
            step.outcome = "warning"
            step.detail = f"held only {limit:.0f} s of {seconds:g} s (--max-time)"

    def payload(self, size: int) -> None:
        """One message of ``size`` bytes POSTed on a session of its own."""
        opts, tgt = self.options, self.target
        rid, t = self.client.next_ids()
        step = self.step("payload", f"message of {size} bytes", outcome="ok")
        query = {"EIO": str(opts.eio), "transport": "polling", "t": t}
        try:
            answer, _ = self.client.request("GET", tgt.http_url(query), request_id=rid)
            packets = eio.decode_payload(
                answer.body, eio=opts.eio, content_type=answer.headers.get("content-type")
            )
            sid = eio.parse_open(packets[0]).sid
        except (NetworkError, eio.DecodeError, IndexError) as exc:
            step.outcome = "skipped"
            step.detail = f"no session for the payload check ({exc})"
            return
        event = '2["wsdiag-probe","' + "x" * max(0, size - 22) + '"]'
        body = eio.encode_payload([eio.Packet("message", event)], eio=opts.eio).encode()
        rid, t = self.client.next_ids()
        pquery = {"EIO": str(opts.eio), "transport": "polling", "t": t, "sid": sid}
        step.sent = f"POST {tgt.path}?{urlencode(pquery)} ({len(body)} bytes)"
        try:
            answer, ms = self.client.request(
                "POST",
                tgt.http_url(pquery),
                request_id=rid,
                content=body,
                headers={"Content-Type": "text/plain;charset=UTF-8"},
            )
        except NetworkError as exc:
            self.network(step, exc)
            return
        self.answered(step, answer, ms)
        if answer.status != 200:
            self.fail(step, diagnose(answer, "payload"))

    def ws_payload(self, ws: ClientConnection, size: int) -> None:
        """One text message of ``size`` bytes; a server over its limit closes with 1009 (RFC 6455 7.4.1)."""
        step = self.step(
            "payload", f"message of {size} bytes", outcome="ok", sent=f"text frame of {size} bytes"
        )
        began = time.monotonic()
        ws.send("x" * size)
        try:
            ws.recv(timeout=min(2.0, max(0.1, self.client.budget.remaining())))
            step.received = "answered, still open"
        except TimeoutError:
            step.received = "no close within 2 s"
        except ConnectionClosed as exc:
            self.closed(step, exc, began)

    def websocket_only(self) -> None:
        tgt, opts = self.target, self.options
        rid, _ = self.client.next_ids()
        step = self.step(
            "websocket", "WebSocket upgrade", outcome="ok", sent=f"GET {tgt.path} Upgrade: websocket"
        )
        try:
            with self.client.websocket(tgt.ws_url(), request_id=rid, origin=opts.origin or tgt.origin) as (
                ws,
                ms,
            ):
                step.status, step.elapsed_ms, step.received = 101, round(ms, 1), "101 Switching Protocols"
                ping = self.step("ping", "ping frame / pong frame", outcome="ok", sent="ping frame")
                began = time.monotonic()
                try:
                    ws.ping(b"wsdiag").wait(min(opts.timeout, max(0.1, self.client.budget.remaining())))
                    ping.received = "pong frame"
                    ping.elapsed_ms = round((time.monotonic() - began) * 1000, 1)
                except TimeoutError:
                    ping.outcome = "failed"
                    ping.detail = "no pong within the timeout"
                except Exception as exc:
                    self.closed(ping, exc, began)
                if opts.payload_size and ping.outcome == "ok":
                    self.ws_payload(ws, opts.payload_size)
                if opts.hold and ping.outcome == "ok" and self.steps[-1].outcome == "ok":
                    self.hold(ws, opts.hold)
        except ConnectionClosed as exc:
            self.closed(self.steps[-1], exc, time.monotonic())
        except UpgradeRefused as exc:
            self.answered(step, exc.answer, exc.elapsed_ms)
            same = (
                self.same_elsewhere(exc.answer)
                if exc.answer.status == 404 and not is_proxy_404(exc.answer)
                else None
            )
            self.fail(step, diagnose(exc.answer, "websocket", same_as_elsewhere=same))
        except NetworkError as exc:
            self.network(step, exc)


def tls_details(client: Client, error: ssl.SSLError | None) -> str:
    """What the certificate says (subject, names, issuer, expiry), read again without verification."""
    if error is None or not client.secure:
        return ""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((client.address or client.host, client.port), timeout=3) as raw,
            context.wrap_socket(raw, server_hostname=client.host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except OSError:
        return ""
    if not der:
        return ""
    described = describe_certificate(der)
    return f"; the server's certificate: {described}" if described else ""


def describe_certificate(der: bytes) -> str:
    """Subject, alternative names, issuer and validity of a DER certificate (needs ``cryptography``)."""
    try:
        from cryptography import x509
    except ImportError:
        return "sha256 " + base64.b64encode(hashlib.sha256(der).digest()).decode()[:16]
    cert = x509.load_der_x509_certificate(der)
    try:
        names = cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    return (
        f"subject {cert.subject.rfc4514_string()}, names {names or 'none'}, issuer {cert.issuer.rfc4514_string()}, "
        f"valid {cert.not_valid_before_utc:%Y-%m-%d} → {cert.not_valid_after_utc:%Y-%m-%d}"
    )


def probe(options: ProbeOptions, rules: list[Rule]) -> ProbeResult:
    """Run the probe's steps against ``options.url`` and name the failing step's rule."""
    tgt = target(options)
    started = datetime.now(UTC)
    client = Client(
        tgt.origin,
        Budget(options.max_time, options.max_requests),
        timeout=options.timeout,
        insecure=options.insecure,
        headers=options.headers,
        resolve=options.resolve,
    )
    run = _Run(options, tgt, client, {r.id: r for r in rules})
    try:
        run.guarded(run.websocket_only if tgt.mode == "websocket" else run.socketio)
    finally:
        client.close()
    return ProbeResult(
        url=options.url,
        mode=tgt.mode,
        eio=options.eio if tgt.mode == "socketio" else None,
        started=started,
        finished=datetime.now(UTC),
        steps=run.steps,
        findings=run.findings,
        requests=client.budget.used,
        stopped=run.stopped,
        unreachable=run.unreachable,
        run_id=client.run_id,
        sids=run.sids,
    )


def with_logs(result: ProbeResult, folder: str, *, settle: float = 2.0) -> ProbeResult:
    """Analyse the logs under ``folder`` written since the probe started, and count the probe's own lines.

    The logs' root causes come first among the findings: they see which router and upstream answered,
    which the probe cannot tell apart from outside (two Express apps, a cluster behind one upstream).
    """
    from datetime import timedelta

    import polars as pl

    from analyzer.analysis import AnalyzeOptions, analyze
    from analyzer.errors import WsdiagError

    time.sleep(settle)  # proxies and backends write a line when a request ends, some a little later
    since = result.started - timedelta(seconds=1)
    try:
        analysis = analyze([folder], AnalyzeOptions(since=since))
    except WsdiagError as exc:
        result.logs = LogsSeen(folder, 0, error=str(exc))
        return result
    events = analysis.events
    marks = pl.lit(False)
    if "request_id" in events.columns:
        marks = marks | pl.col("request_id").str.starts_with(f"wsdiag-probe-{result.run_id}-").fill_null(
            False
        )
    if "t" in events.columns:
        marks = marks | pl.col("t").str.starts_with(f"wsdiag{result.run_id}").fill_null(False)
    marked = events.filter(marks).height if events.height else 0
    causes = analysis.root_causes
    for finding in causes:
        finding.tags = [*finding.tags, "logs"]
    result.logs = LogsSeen(folder, marked, findings=list(analysis.findings))
    seen = {f.rule for f in causes}
    result.findings = [*causes, *(f for f in result.findings if f.rule not in seen)]
    if causes:
        # the probe's own reading of an ambiguous answer gives way to what the logs prove
        ambiguous = {
            "handshake-wrong-router",
            "path-mismatch",
            "sticky-session-missing",
            "session-id-unknown",
        }
        if seen & ambiguous:
            result.findings = [f for f in result.findings if "logs" in f.tags or f.rule not in ambiguous]
    return result


def parse_resolve(values: tuple[str, ...]) -> tuple[tuple[str, int, str], ...]:
    """``--resolve HOST:PORT:ADDRESS`` values (curl's syntax); PORT may be ``*``."""
    out = []
    for value in values:
        host, sep1, rest = value.partition(":")
        port, sep2, address = rest.partition(":")
        if not (sep1 and sep2 and host and address) or not (port.isdigit() or port == "*"):
            raise UsageError(
                f"--resolve expects HOST:PORT:ADDRESS (e.g. chat.example.com:443:10.0.0.5), got {value!r}"
            )
        out.append((host, 0 if port == "*" else int(port), address.strip("[]")))
    return tuple(out)
