"""The scenarios: what runs, what changes during the run, and the root cause each one is built to show.

A scenario is a function of a :class:`Harness` plus its metadata. Times inside a scenario are fractions of
``h.seconds`` where the story allows, so ``--seconds`` shortens or lengthens a capture without changing it.
All pages are served by the web app on ``chat.localhost``; Chromium resolves ``*.localhost`` to loopback.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness import Certificate, Harness, free_port

CHAT = "chat.localhost"
API = "api.localhost"
#: A socket host that is not *.localhost (Chromium treats *.localhost as potentially trustworthy, so
#: ws://api.localhost from an https page is not mixed content); Chromium maps it to 127.0.0.1 itself.
RT = "realtime.example.test"
#: A host name that resolves nowhere (RFC 6761 reserves .invalid).
NXHOST = "chat-api.invalid"


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[Harness], None]
    seconds: float
    access_format: str  # Traefik accessLog.format: common | json
    first_rule: str | None  # the contract's rule id that must come first; None = healthy
    root_cause: str
    also: tuple[str, ...] = ()  # other findings that may legitimately appear after the first
    notes: tuple[str, ...] = field(default_factory=tuple)
    proxy: str = "traefik"  # the proxy in front: traefik | nginx (access_format is then a log_format name)


SCENARIOS: dict[str, Scenario] = {}


def scenario(**meta: Any) -> Callable[[Callable[[Harness], None]], Callable[[Harness], None]]:
    def register(fn: Callable[[Harness], None]) -> Callable[[Harness], None]:
        name = fn.__name__.replace("_", "-")
        SCENARIOS[name] = Scenario(name=name, run=fn, **meta)
        return fn

    return register


# -- building blocks ----------------------------------------------------------------------------------------

PAGE = {"chatEveryMs": 5000, "restEveryMs": 10000}
REST = ["GET /api/health", "GET /api/rooms", "GET /api/me", "POST /api/rooms"]


def service(*ports: int, sticky: bool = False) -> dict[str, Any]:
    lb: dict[str, Any] = {"servers": [{"url": f"http://127.0.0.1:{p}"} for p in ports]}
    if sticky:
        lb["sticky"] = {"cookie": {"name": "sio_affinity"}}
    return {"loadBalancer": lb}


def router(
    rule: str,
    svc: str,
    *,
    priority: int | None = None,
    middlewares: list[str] | None = None,
    entry: str = "web",
) -> dict[str, Any]:
    """A file-provider router; on the `websecure` entry point it terminates TLS (`tls: {}`)."""
    out: dict[str, Any] = {"rule": rule, "entryPoints": [entry], "service": svc}
    if priority is not None:
        out["priority"] = priority
    if middlewares:
        out["middlewares"] = middlewares
    if entry == "websecure":
        out["tls"] = {}
    return out


def chat_site(
    web: int,
    sio: list[int],
    *,
    ws_rule: str = f"Host(`{CHAT}`) && PathPrefix(`/socket.io`)",
    web_priority: int | None = None,
    ws_middlewares: list[str] | None = None,
    middlewares: dict[str, Any] | None = None,
    sticky: bool = False,
) -> dict[str, Any]:
    """The usual layout: the front-end on Host(chat.localhost), Socket.IO on its /socket.io prefix."""
    http: dict[str, Any] = {
        "routers": {
            "web": router(f"Host(`{CHAT}`)", "web", priority=web_priority),
            "socketio": router(ws_rule, "socketio", middlewares=ws_middlewares),
        },
        "services": {"web": service(web), "socketio": service(*sio, sticky=sticky)},
    }
    if middlewares:
        http["middlewares"] = middlewares
    return {"http": http}


def open_pages(
    h: Harness, n: int, *, start: int = 1, port: int | None = None, gap: float = 0.7, scheme: str = "http"
) -> None:
    for i in range(start, start + n):
        h.open(f"p{i}", f"{scheme}://{CHAT}:{port or h.port}/?page={i}")
        h.sleep(gap)


# -- healthy ------------------------------------------------------------------------------------------------


@scenario(
    seconds=45,
    access_format="json",
    first_rule=None,
    root_cause="Nothing is wrong: three tabs chat over WebSocket through Traefik, one tab is closed, a script "
    "polls the REST API. Traefik logs each WebSocket with status 0 when it closes.",
)
def healthy_websocket(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.node_sio("chat", sio)
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds * 0.65)
    h.close("p3")
    h.until(h.seconds)


@scenario(
    seconds=60,
    access_format="common",
    first_rule=None,
    root_cause="Nothing is wrong, with real-world noise: REST 404s (an old client still calls /api/v1/rooms), "
    "tabs closing and opening, and a blue/green redeploy of the Socket.IO backend mid-run (new process on a "
    "new port, Traefik switched to it, old process stopped: its WebSockets close and reconnect to the new "
    "one). Clocks are skewed on purpose: the backend runs 2 s ahead, the browser console 7 s behind.",
    notes=(
        "Clock skew, made on purpose: the Node Socket.IO servers ran with `--require clock-skew.js` and "
        "WSDIAG_CLOCK_OFFSET_MS=2000, which shifts `Date` (and so every `debug` timestamp) by +2 s; the "
        "console exports were rendered with a browser clock offset of -7 s (every console timestamp = CDP "
        "event time - 7 s). Traefik, the REST app's pino log, chrome_debug.log and the HAR are on the "
        "machine's real clock.",
    ),
)
def healthy_deploy_noise(h: Harness) -> None:
    web, blue, green = free_port(), free_port(), free_port()
    h.traefik(chat_site(web, [blue]))
    old = h.node_sio("chat-blue", blue, log="chat-blue", clock_offset_ms=2000)
    page = {**PAGE, "restPaths": ["/api/rooms", "/api/v1/rooms", "/api/me"]}
    h.web_app("web", web, page=page)
    h.browser(clock_offset_ms=-7000)
    h.rest_traffic(CHAT, [*REST, "GET /api/v1/rooms", "GET /robots.txt"])
    open_pages(h, 3)
    h.until(h.seconds * 0.25)
    h.close("p2")
    h.until(h.seconds * 0.35)
    h.node_sio("chat-green", green, log="chat-green", clock_offset_ms=2000)
    h.reconfigure(chat_site(web, [green]), "socketio service switched to the new (green) backend")
    h.sleep(4)
    h.say("old (blue) backend stopped after the switch")
    h.stop(old)
    h.until(h.seconds * 0.6)
    open_pages(h, 2, start=4)
    h.until(h.seconds * 0.8)
    h.reload("p1")
    h.until(h.seconds)


@scenario(
    seconds=45,
    access_format="json",
    first_rule=None,
    root_cause="Nothing is wrong: a python-socketio server on uvicorn (cors_allowed_origins='*'), three tabs, "
    "one of them WebSocket-only (transports: ['websocket']), one tab closed.",
)
def healthy_python(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.py_sio("chat-py", sio, cors="*")
    page = {**PAGE, "perPage": {"3": {"options": {"transports": ["websocket"]}}}}
    h.web_app("web", web, page=page)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds * 0.7)
    h.close("p2")
    h.until(h.seconds)


# -- failures -----------------------------------------------------------------------------------------------


@scenario(
    seconds=40,
    access_format="common",
    first_rule="handshake-wrong-router",
    root_cause="Router priority conflict: healthy at first (socketio router `Host(chat.localhost) && "
    "PathPrefix(/socket.io)`, default priority 41, beats the web router `Host(chat.localhost)`, 22). Then the "
    "web router is given `priority: 100`: from then on every new Socket.IO handshake is matched by web@file "
    "and the front-end's Express app answers `404 Cannot GET /socket.io/...`. WebSockets already open keep "
    "working on the old route (hijacked TCP streams); the new tab and the reloaded tab never connect.",
    also=("reconnect-storm", "upgrade-never-completes"),
)
def traefik_priority_conflict(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.node_sio("chat", sio)
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds * 0.3)
    h.reconfigure(
        chat_site(web, [sio], web_priority=100),
        "web router given priority: 100 (outranks the socketio router's default 41)",
    )
    h.sleep(3)
    open_pages(h, 1, start=3)
    h.until(h.seconds * 0.55)
    h.reload("p2")
    h.until(h.seconds)


@scenario(
    seconds=30,
    access_format="json",
    first_rule="sticky-session-missing",
    root_cause="Two Socket.IO replicas behind one Traefik service without sticky sessions: the polling "
    "handshake lands on one replica, the next request of the same session on the other, which answers "
    '`400 {"code":1,"message":"Session ID unknown"}`; clients loop on new handshakes.',
    also=("session-id-unknown", "reconnect-storm", "upgrade-never-completes"),
)
def sticky_session_missing(h: Harness) -> None:
    web, a, b = free_port(), free_port(), free_port()
    h.traefik(chat_site(web, [a, b]))
    h.node_sio("chat-1", a)
    h.node_sio("chat-2", b)
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="common",
    first_rule="backend-unreachable",
    root_cause="Stale upstream after a redeploy: the Socket.IO backend is redeployed on a new port but "
    "Traefik's file-provider config still points at the old one. Open WebSockets close when the old "
    "process stops; every reconnect gets `502 Bad Gateway` (`connect: connection refused` in Traefik's "
    "DEBUG log).",
    also=("reconnect-storm", "upgrade-never-completes"),
)
def backend_unreachable(h: Harness) -> None:
    web, old_port, new_port = free_port(), free_port(), free_port()
    h.traefik(chat_site(web, [old_port]))
    old = h.node_sio("chat", old_port, log="chat")
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds * 0.3)
    h.say("redeploy: old backend stopped, new backend started on a new port; Traefik config not updated")
    h.stop(old)
    h.node_sio("chat", new_port, log="chat")
    h.sleep(2)
    open_pages(h, 1, start=3)
    h.until(h.seconds)


@scenario(
    seconds=35,
    access_format="json",
    first_rule="upgrade-headers-stripped",
    root_cause="A Traefik `headers` middleware on the socketio router blanks `Connection` and `Upgrade` "
    '(`customRequestHeaders: {Connection: "", Upgrade: ""}`, meant to \'clean\' hop-by-hop headers). '
    "Long-polling works; every WebSocket upgrade reaches engine.io without them and is answered "
    '`400 {"code":3,"message":"Bad request"}`. Sessions stay on polling.',
    also=("stuck-on-polling", "upgrade-never-completes"),
    notes=(
        "Traefik logs no `request_Upgrade` / `request_Connection` for these requests even though both headers "
        "are kept: the access logger reads the header map after the middleware emptied it.",
    ),
)
def upgrade_headers_stripped(h: Harness) -> None:
    web, sio = free_port(), free_port()
    strip = {"strip-hop-headers": {"headers": {"customRequestHeaders": {"Connection": "", "Upgrade": ""}}}}
    h.traefik(chat_site(web, [sio], ws_middlewares=["strip-hop-headers"], middlewares=strip))
    h.node_sio("chat", sio)
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds)


def api_site(web: int, sio: int) -> dict[str, Any]:
    """The page on chat.localhost, Socket.IO on its own host api.localhost (cross-origin)."""
    return {
        "http": {
            "routers": {
                "web": router(f"Host(`{CHAT}`)", "web"),
                "api": router(f"Host(`{API}`)", "socketio"),
            },
            "services": {"web": service(web), "socketio": service(sio)},
        }
    }


@scenario(
    seconds=40,
    access_format="common",
    first_rule="cors-blocked",
    root_cause="The page on http://chat.localhost connects to Socket.IO on http://api.localhost, whose server "
    "has no `cors` option: the polling handshake is answered 200 without `Access-Control-Allow-Origin` and "
    "Chromium blocks it (`has been blocked by CORS policy`); the client retries forever (description 0).",
    also=("reconnect-storm", "upgrade-never-completes"),
)
def cors_blocked(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(api_site(web, sio))
    h.node_sio("chat", sio)
    h.web_app("web", web, page={**PAGE, "url": f"http://{API}:{h.port}"})
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="common",
    first_rule="origin-rejected",
    root_cause="Socket.IO on http://api.localhost allows CORS but its `allowRequest` origin allow-list only "
    "holds the production origin (https://chat.example.com): every handshake from http://chat.localhost is "
    'answered `403 {"code":4,"message":"Forbidden"}`.',
    also=("reconnect-storm", "upgrade-never-completes"),
)
def origin_rejected(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(api_site(web, sio))
    h.node_sio("chat", sio, cors=True, allowOrigins=["https://chat.example.com"])
    h.web_app("web", web, page={**PAGE, "url": f"http://{API}:{h.port}"})
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds)


@scenario(
    seconds=70,
    access_format="common",
    first_rule="ping-timeout",
    root_cause="Heartbeats stop getting through, both ways, with pingInterval 5 s and pingTimeout 4 s. First the "
    "Socket.IO backend stops answering (its process is frozen for 18 s with SIGSTOP, as a long GC pause or a "
    "blocked event loop would): every client drops with `ping timeout` and its reconnect hangs in Traefik "
    "until the process resumes (the server, resuming, sees the clients' closes first and logs `transport "
    "error` / `transport close`). Later one tab's main thread is kept busy for 14 s (a synchronous loop, as "
    "a long render would): it answers no ping and the server closes it with reason `ping timeout`.",
    also=("reconnect-storm",),
)
def ping_timeout(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    backend = h.node_sio("chat", sio, pingInterval=5000, pingTimeout=4000)
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds * 0.3)
    h.say(f"backend frozen (SIGSTOP to pid {backend.pid})")
    os.kill(backend.pid, signal.SIGSTOP)
    h.sleep(18)
    os.kill(backend.pid, signal.SIGCONT)
    h.say(f"backend resumed (SIGCONT to pid {backend.pid})")
    h.until(h.seconds * 0.62)
    h.block("p2", 14)
    h.until(h.seconds)


@scenario(
    seconds=70,
    access_format="common",
    first_rule="ping-timeout",
    root_cause="The `ping-timeout` story (pingInterval 5 s, pingTimeout 4 s; the backend frozen 18 s with "
    "SIGSTOP, later one tab's main thread busy 14 s), ended the way real captures end: the Socket.IO backend "
    "is stopped 1.5 s before the browser closes, so the tabs' reconnects reach a dead upstream and Traefik "
    "answers a stray `502 Bad Gateway` or two. Those 502s belong to the teardown, not to the failure.",
    also=("reconnect-storm", "backend-unreachable"),
    notes=(
        "Recorded for issue 15: one stray teardown 502 must not outrank dozens of ping-timeout disconnects.",
        "What the teardown did here: Node exited on SIGTERM at once, each tab's reconnect 0.5–1.5 s later was "
        "answered `502` by Traefik (3 `GET /socket.io/?EIO=4&transport=polling` lines, all in the capture's "
        'last second, `0ms`), and `traefik.log` has three `502 Bad Gateway error="dial tcp …: connect: '
        'connection refused"` lines at DEBUG.',
    ),
)
def ping_timeout_teardown(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    backend = h.node_sio("chat", sio, pingInterval=5000, pingTimeout=4000)
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds * 0.3)
    h.say(f"backend frozen (SIGSTOP to pid {backend.pid})")
    os.kill(backend.pid, signal.SIGSTOP)
    h.sleep(18)
    os.kill(backend.pid, signal.SIGCONT)
    h.say(f"backend resumed (SIGCONT to pid {backend.pid})")
    h.until(h.seconds * 0.62)
    h.block("p2", 14)
    h.until(h.seconds - 1.5)
    h.say(f"backend stopped (SIGTERM to pid {backend.pid}) while the tabs are still open, as a teardown does")
    h.stop(backend)
    h.until(h.seconds)


@scenario(
    seconds=60,
    access_format="common",
    first_rule="ping-timeout",
    root_cause="The tabs' main threads are kept busy again and again (11 s of synchronous work, 3 s free, as "
    "a page that re-renders a huge list on every update would), with pingInterval 5 s and pingTimeout 4 s: a "
    "tab that is busy when the server's ping comes never answers it, and the server closes the session for "
    "`ping timeout` 4 s later. Every WebSocket therefore lives n × pingInterval + pingTimeout (9 s, 14 s, "
    "…): its lifetimes pile up like an idle timeout's, and no hop cuts anything.",
    also=("reconnect-storm",),
    notes=(
        "Recorded for issue 15: lifetimes at n × pingInterval + pingTimeout with ping-timeout reasons are "
        "heartbeats, not an idle cut.",
        "What the producers did here: the server's closes are logged as `socket.io:client client close with "
        "reason ping timeout` / `socket.io:socket closing socket - reason ping timeout`, with no sid, so no "
        "connection carries its reason; Traefik logged 12 WebSockets, 7 of them lived 8.98–9.11 s "
        "(pingInterval + pingTimeout) and 2 about 14 s (2 × pingInterval + pingTimeout).",
    ),
)
def heartbeat_lifetimes(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.node_sio("chat", sio, pingInterval=5000, pingTimeout=4000)
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    at = h.seconds * 0.12
    while at + 14 <= h.seconds - 2:
        h.until(at)
        for page in ("p1", "p2", "p3"):
            h.block(page, 11)
        at += 14
    h.until(h.seconds)


@scenario(
    seconds=50,
    access_format="json",
    first_rule="idle-timeout-cut",
    root_cause="An idle-cutting TCP hop (a load balancer with a 12 s idle timeout) sits in front of Traefik, "
    "and Socket.IO's heartbeat (pingInterval 25 s) is longer than that: every quiet WebSocket is cut ~12 s "
    "after its last frame with a plain FIN; Chromium reports 1006 and the client `transport close`, then "
    "reconnects. Traefik's WebSocket lifetimes pile up at ~12 s.",
    also=("reconnect-storm",),
    notes=(
        "The idle-cutting hop is a small asyncio TCP proxy (capture/servers/idle_proxy.py); like most real "
        "balancers it leaves no log in the scenario folder.",
    ),
)
def idle_timeout(h: Harness) -> None:
    web, sio, lb = free_port(), free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.node_sio("chat", sio)
    h.web_app("web", web, page={"restEveryMs": 0})
    h.idle_proxy(lb, h.port, 12)
    h.browser()
    h.rest_traffic(CHAT, REST, every=3)
    open_pages(h, 3, port=lb)
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="json",
    first_rule="payload-too-large",
    root_cause="The server lowered `maxHttpBufferSize` to 16 kB and each tab sends one 40 kB attachment: "
    "over long-polling the POST is answered `413` (engine.io writes no line about it); over WebSocket `ws` "
    "closes the connection with 1009 and the client reports `transport close` and reconnects.",
    also=("reconnect-storm",),
)
def payload_too_large(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.node_sio("chat", sio, maxHttpBufferSize=16_000)
    page = {
        **PAGE,
        "bigPayloadBytes": 40_000,
        "bigAfterMs": 3000,
        "perPage": {
            "1": {"options": {"transports": ["polling"]}},
            "2": {"options": {"transports": ["polling"]}},
        },
    }
    h.web_app("web", web, page=page)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="common",
    first_rule="path-mismatch",
    root_cause="The Socket.IO server was configured with `path: '/realtime'` while the client keeps the default "
    "`/socket.io`: Traefik routes `/socket.io/` correctly to the Socket.IO service, whose Express app answers "
    "`404 Cannot GET /socket.io/...`; the client never upgrades and retries forever.",
    also=("reconnect-storm", "upgrade-never-completes"),
)
def path_mismatch(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.node_sio("chat", sio, path="/realtime")
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds)


@scenario(
    seconds=30,
    access_format="json",
    first_rule="socketio-js-captured",
    root_cause="`PathPrefix(/socket.io)` is a plain string prefix: the socketio router (priority 24) also "
    "captures `/socket.io.js`, the client bundle the web app serves at the site root (web router "
    "`Host(chat.localhost)`, priority 22). The Socket.IO service answers 404, the page throws "
    "`Uncaught ReferenceError: io is not defined` and no Socket.IO request is ever made.",
    notes=(
        "The contract's catalog has no rule id for this misconfiguration; wsdiag adds `socketio-js-captured`.",
    ),
)
def socketio_js_captured(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio], ws_rule="PathPrefix(`/socket.io`)"))
    h.node_sio("chat", sio)
    h.web_app("web", web, page={**PAGE, "clientScript": "/socket.io.js"}, bundle_at="/socket.io.js")
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds * 0.6)
    h.reload("p1")
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="json",
    first_rule="origin-rejected",
    root_cause="python-socketio behind Traefik with its default same-origin check (`cors_allowed_origins` "
    "unset): Traefik sends `X-Forwarded-Proto: ws` on WebSocket upgrades, python-engineio takes it as the "
    "scheme, so `http://chat.localhost:PORT` is 'not an accepted origin' for every WebSocket (uvicorn logs "
    "`403`), while the polling handshake (no Origin on same-origin GETs, proto http on POSTs) works. "
    "Sessions silently stay on long-polling.",
    also=("stuck-on-polling", "upgrade-never-completes"),
)
def python_origin_ws_proto(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.py_sio("chat-py", sio)
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds)


# -- TLS, mixed content, DNS: failures only the browser sees --------------------------------------------------


def tls_site(
    web: int, sio: int, cert: Certificate, *, api_entry: str = "websecure", api_host: str = API
) -> dict[str, Any]:
    """The page on https://chat.localhost (websecure, its own certificate), Socket.IO on its own host.

    The front-end is also routed on the plain `web` entry point (the REST script uses it); the file
    provider's `tls.certificates` holds one certificate, made for chat.localhost only.
    """
    return {
        "http": {
            "routers": {
                "web": router(f"Host(`{CHAT}`)", "web", entry="websecure"),
                "web-http": router(f"Host(`{CHAT}`)", "web"),
                "api": router(f"Host(`{api_host}`)", "socketio", entry=api_entry),
            },
            "services": {"web": service(web), "socketio": service(sio)},
        },
        "tls": {"certificates": [{"certFile": str(cert.cert), "keyFile": str(cert.key)}]},
    }


TRUSTED_PAGE_NOTE = (
    "The page's own certificate (self-signed for chat.localhost, made with openssl at record time; its key "
    "stayed in the harness's temporary folder, so `config/dynamic.yml` names files that no longer exist) "
    "stands in for a certificate from a public CA: Chromium was started with "
    "`--ignore-certificate-errors-spki-list=<its SPKI hash>`, which trusts that one key and nothing else. "
    "No `--ignore-certificate-errors` was used."
)


@scenario(
    seconds=30,
    access_format="json",
    first_rule="tls-failure",
    root_cause="The page is served over HTTPS on chat.localhost and connects to Socket.IO on "
    "https://api.localhost. Traefik's `api` router has `tls: {}` but no certificate covers api.localhost "
    "(the only stored certificate is chat.localhost's; in production: the ACME resolver failed for that "
    "name), so Traefik serves its self-signed `TRAEFIK DEFAULT CERT` for it. Chromium refuses it with "
    "`net::ERR_CERT_AUTHORITY_INVALID` before any HTTP request exists: the polling handshake fails (`xhr "
    "poll error`), and so does the WebSocket-only tab (`websocket error`), for ever; the Socket.IO server "
    "never sees a request.",
    also=("reconnect-storm", "upgrade-never-completes"),
    notes=(TRUSTED_PAGE_NOTE,),
)
def tls_failure(h: Harness) -> None:
    web, sio, tls = free_port(), free_port(), free_port()
    cert = h.certificate(CHAT)
    h.traefik(tls_site(web, sio, cert), tls_port=tls)
    h.node_sio("chat", sio, cors=True)
    page = {
        **PAGE,
        "url": f"https://{API}:{tls}",
        "perPage": {"2": {"options": {"transports": ["websocket"]}}},
    }
    h.web_app("web", web, page=page)
    h.browser(args=(f"--ignore-certificate-errors-spki-list={cert.spki}",))
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2, port=tls, scheme="https")
    h.until(h.seconds)


@scenario(
    seconds=25,
    access_format="common",
    first_rule="mixed-content-blocked",
    root_cause="The page moved to HTTPS (https://chat.localhost) but its Socket.IO URL is still "
    f"`ws://{RT}:PORT` (the plain-HTTP entry point, where a router for that host works). Chromium blocks "
    "every polling XHR to `http://…` and the WebSocket to `ws://…` as Mixed Content: nothing reaches "
    "Traefik or the Socket.IO server. The default tab retries for ever (`xhr poll error`); the "
    "WebSocket-only tab never hears of its blocked WebSocket and waits for the client's 20 s connect "
    "timeout (`connect_error: timeout`) before each new attempt.",
    notes=(
        TRUSTED_PAGE_NOTE,
        f"The socket host is `{RT}`, not `*.localhost`: in a trial run, `ws://api.localhost:PORT` from the "
        "https page was **not** blocked (Chromium treats `*.localhost` as potentially trustworthy, so it is "
        "not mixed content) and the tabs connected. Chromium was given "
        f"`--host-resolver-rules=MAP {RT} 127.0.0.1` so that the name would resolve to Traefik if it were "
        "ever requested — it never was.",
    ),
)
def mixed_content_blocked(h: Harness) -> None:
    web, sio, tls = free_port(), free_port(), free_port()
    cert = h.certificate(CHAT)
    h.traefik(tls_site(web, sio, cert, api_entry="web", api_host=RT), tls_port=tls)
    h.node_sio("chat", sio, cors=True)
    page = {
        **PAGE,
        "url": f"ws://{RT}:{h.port}",
        "perPage": {"2": {"options": {"transports": ["websocket"]}}},
    }
    h.web_app("web", web, page=page)
    h.browser(
        args=(
            f"--ignore-certificate-errors-spki-list={cert.spki}",
            f"--host-resolver-rules=MAP {RT} 127.0.0.1",
        )
    )
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2, port=tls, scheme="https")
    h.until(h.seconds)


@scenario(
    seconds=25,
    access_format="common",
    first_rule="dns-failure",
    root_cause=f"The page on http://chat.localhost connects to Socket.IO on `http://{NXHOST}:PORT`, a host "
    "name that resolves nowhere (a typo / a DNS record never created; `.invalid` is reserved by RFC 6761). "
    "Chromium fails every request with `net::ERR_NAME_NOT_RESOLVED` within milliseconds: the polling tab "
    "reports `xhr poll error (status 0)`, the WebSocket-only tab `websocket error`, both retry for ever; "
    "Traefik and the Socket.IO server see nothing of it.",
    also=("reconnect-storm", "upgrade-never-completes"),
    notes=(
        "No network is needed for the failure: on this machine the system resolver answers at once "
        "(`getent hosts chat-api.invalid` fails in ~2 ms), and Chromium logged the error 5–50 ms after each "
        "request started.",
    ),
)
def dns_failure(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(api_site(web, sio))
    h.node_sio("chat", sio, cors=True)
    page = {
        **PAGE,
        "url": f"http://{NXHOST}:{h.port}",
        "perPage": {"2": {"options": {"transports": ["websocket"]}}},
    }
    h.web_app("web", web, page=page)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds)


# -- protocol, sessions, upgrades ---------------------------------------------------------------------------


@scenario(
    seconds=30,
    access_format="json",
    first_rule="protocol-version-mismatch",
    root_cause="The server was upgraded to Socket.IO 4 (Engine.IO 4, `allowEIO3` not set) but the page still "
    "loads the old socket.io-client 2.5 build, which speaks Engine.IO 3: every handshake "
    '`GET /socket.io/?EIO=3&transport=polling&t=…` is answered `400 {"code":5,"message":"Unsupported '
    'protocol version"}` and the two old tabs retry for ever. A third tab that got the new 4.x bundle '
    "connects normally.",
    also=("reconnect-storm",),
)
def protocol_version_mismatch(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.node_sio("chat", sio)
    page = {**PAGE, "clientBundle": "v2", "perPage": {"3": {"clientBundle": None}}}
    h.web_app("web", web, page=page)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds)


@scenario(
    seconds=25,
    access_format="common",
    first_rule="session-id-unknown",
    root_cause="The Socket.IO backend runs as a Node cluster of two workers sharing one port (what "
    "`pm2 start … -i 2` does) without a sticky-session layer (`@socket.io/sticky`). Traefik sees one "
    "upstream; the cluster's primary hands each new TCP connection to the next worker, so a session's "
    'requests reach a worker that never created it: `400 {"code":1,"message":"Session ID unknown"}` on '
    "polling, `400` on the WebSocket upgrade (engine.io `unknown sid`), and clients start over. Sessions "
    "whose requests happen to ride Traefik's kept-alive connections to the right worker keep polling.",
    also=("upgrade-never-completes", "stuck-on-polling", "reconnect-storm"),
    notes=(
        "Both workers write to `backend/chat.log` (as under pm2, one log per app): the `chat:app` lines name "
        "the worker (`[chat#1]`, `[chat#2]`), engine.io's own lines do not.",
    ),
)
def session_id_unknown(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.node_sio("chat", sio, workers=2)
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="json",
    first_rule="upgrade-never-completes",
    root_cause="A hop in front of Traefik (a load balancer / corporate proxy without WebSocket support) "
    "forwards plain HTTP but never answers a request carrying `Upgrade: websocket`: it holds it 12 s and "
    "drops the connection (a plain FIN, no HTTP answer). Long-polling works, so every tab connects; each "
    "upgrade probe hangs, then fails with `Connection closed before receiving a handshake response`, and "
    "the sessions stay on polling. Traefik never sees a WebSocket request.",
    also=("stuck-on-polling",),
    notes=(
        "The hop is a small asyncio TCP proxy (capture/servers/ws_hop.py, mode `hold`); like most real "
        "balancers it leaves no log in the scenario folder.",
        "In a trial with a hop that closed upgrade requests at once (mode `close`), wsdiag also named "
        "`upgrade-never-completes` first (`stuck-on-polling` after it): the browser reports the failed "
        "WebSocket either way.",
    ),
)
def upgrade_never_completes(h: Harness) -> None:
    web, sio, lb = free_port(), free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.node_sio("chat", sio)
    h.web_app("web", web, page=PAGE)
    h.ws_hop(lb, h.port, "hold", 12)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3, port=lb)
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="common",
    first_rule="stuck-on-polling",
    root_cause="The Socket.IO server was started with `transports: ['polling']` (left over from a workaround "
    'for a proxy long since replaced): every handshake offers `"upgrades":[]`, so no client ever tries a '
    "WebSocket. Nothing fails and nothing logs an error; every session long-polls for its whole life (a "
    "25 s GET held per client, one POST per message).",
)
def stuck_on_polling(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.node_sio("chat", sio, transports=["polling"])
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds)


@scenario(
    seconds=30,
    access_format="common",
    first_rule="server-disconnects-clients",
    also=("reconnect-storm", "upgrade-never-completes"),
    root_cause="The server checks each socket's session token when it connects and disconnects the ones it "
    "no longer accepts (`socket.disconnect(true)`, after telling the client `session_expired`); the page "
    "handles `disconnect` as the Socket.IO docs show — reason `io server disconnect` → `socket.connect()` "
    "(here after 3 s) — with the same stale token. Every tab loops: handshake 200, connect, kicked, "
    "reconnect, a new Engine.IO session every ~3 s per tab. No request fails at the HTTP level except the "
    "client's goodbye POST on the session the server just closed.",
    notes=(
        "The contract's catalog has no rule for a server that disconnects its clients on purpose; wsdiag "
        "adds `server-disconnects-clients`, which explains the `reconnect-storm` the logs show. The cause is "
        "readable in the console (`disconnected: io server disconnect`, the app's `session_expired` "
        "warning) and in the server's `chat:app` lines.",
    ),
)
def reconnect_storm(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.node_sio("chat", sio, acceptTokens=["s-2026-11-25-b41c"])
    page = {
        **PAGE,
        "options": {"auth": {"token": "s-2026-11-18-77e2"}},
        "reconnectAfterServerDisconnectMs": 3000,
    }
    h.web_app("web", web, page=page)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds)


@scenario(
    seconds=45,
    access_format="common",
    first_rule="handshake-wrong-router",
    root_cause="The original incident: every router has an explicit `priority: 10` (a team convention), so "
    "the web router `Host(chat.localhost)` and the socketio router `Host(chat.localhost) && "
    "PathPrefix(/socket.io)` tie. Traefik 3.7 breaks ties only by provider; within one provider the order "
    "is that in which the routers were added, from a Go map, so it can change at every configuration "
    "reload. Unrelated reloads (a `status` router added and removed) flip it: at times new handshakes reach "
    "Socket.IO, at times `web@file` answers `404 Cannot GET /socket.io/…`; open WebSockets keep working.",
    also=("router-priority-conflict", "reconnect-storm", "upgrade-never-completes"),
    notes=(
        "wsdiag names `handshake-wrong-router` first and `router-priority-conflict` after it, explained by "
        "it — by design (the wrong router is what breaks the handshakes; the tie is why). The flip is random "
        "at each reload (the map order), so another recording may flip at other reloads.",
    ),
)
def router_priority_conflict(h: Harness) -> None:
    web, sio, status = free_port(), free_port(), free_port()

    def site(with_status: bool) -> dict[str, Any]:
        conf = chat_site(web, [sio])
        http = conf["http"]
        http["routers"]["web"]["priority"] = 10
        http["routers"]["socketio"]["priority"] = 10
        if with_status:
            http["routers"]["status"] = router("Host(`status.localhost`)", "status", priority=10)
            http["services"]["status"] = service(status)
        return conf

    h.traefik(site(False))
    h.node_sio("chat", sio)
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    for k in range(1, 5):
        h.until(h.seconds * k / 5)
        change = "added" if k % 2 else "removed"
        h.reconfigure(site(k % 2 == 1), f"unrelated `status` router {change} (a reload)")
        h.sleep(3)
        h.reload(f"p{1 + k % 2}")
    h.until(h.seconds)


# -- Python and Go producers: Flask-SocketIO on werkzeug, Django Channels, gorilla/websocket and Gin ---------

#: The format of Flask's logging docs (`[%(asctime)s] %(levelname)s in %(module)s: %(message)s`).
FLASK_DOCS_FORMAT = "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"


def ws_site(web: int, backend: int, prefix: str = "/ws") -> dict[str, Any]:
    """The page on chat.localhost, plain WebSockets (and the backend's own REST paths) on a path prefix."""
    return chat_site(web, [backend], ws_rule=f"Host(`{CHAT}`) && PathPrefix(`{prefix}`)")


@scenario(
    seconds=40,
    access_format="json",
    first_rule=None,
    root_cause="Nothing is wrong: a Flask-SocketIO server on werkzeug's development server (`socketio.run(app, "
    "allow_unsafe_werkzeug=True)`, threading mode, simple-websocket), cors_allowed_origins='*', three tabs, "
    "one WebSocket-only, one tab closed. Logging is left at the libraries' defaults: werkzeug's request "
    "lines, python-engineio/socketio's bare messages.",
)
def healthy_flask_socketio(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.flask_sio("chat-flask", sio, cors="*")
    page = {**PAGE, "perPage": {"3": {"options": {"transports": ["websocket"]}}}}
    h.web_app("web", web, page=page)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds * 0.7)
    h.close("p2")
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="common",
    first_rule="handshake-wrong-router",
    root_cause="A Flask-SocketIO backend (werkzeug dev server) behind Traefik, healthy at first; then the web "
    "router `Host(chat.localhost)` is given `priority: 100`, which outranks the socketio router: every new "
    "Socket.IO handshake reaches the Express front-end, which answers `404 Cannot GET /socket.io/...`. "
    "WebSockets already open keep working; the new tab and the reloaded tab never connect, and the Flask "
    "log simply stops showing new sessions.",
    also=("reconnect-storm", "upgrade-never-completes"),
    notes=(
        f"The Flask app configures logging as Flask's docs show: `logging.basicConfig(format="
        f"'{FLASK_DOCS_FORMAT}')`, so werkzeug's request lines and engineio's messages carry that prefix.",
    ),
)
def flask_wrong_router(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.flask_sio("chat-flask", sio, cors="*", log_format=FLASK_DOCS_FORMAT)
    h.web_app("web", web, page=PAGE)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds * 0.3)
    h.reconfigure(
        chat_site(web, [sio], web_priority=100),
        "web router given priority: 100 (outranks the socketio router's default 41)",
    )
    h.sleep(3)
    open_pages(h, 1, start=3)
    h.until(h.seconds * 0.55)
    h.reload("p2")
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="json",
    first_rule=None,
    root_cause="Nothing is wrong: a Django Channels project (the tutorial's chat consumer behind "
    "AllowedHostsOriginValidator, ALLOWED_HOSTS ['*']) on daphne, plain WebSockets on /ws/chat/ and a JSON "
    "view on /rooms/; three tabs, one closed, one reloaded.",
    notes=(
        "daphne's own lines use the format its command line sets (`%(asctime)-15s %(levelname)-8s "
        "%(message)s`), its access log is on stdout; the application's `chat` logger uses the `verbose` "
        "formatter of Django's logging how-to (`{levelname} {asctime} {module} {process:d} {thread:d} "
        "{message}`).",
    ),
)
def healthy_django_daphne(h: Harness) -> None:
    web, dj = free_port(), free_port()
    h.traefik(chat_site(web, [dj], ws_rule=f"Host(`{CHAT}`) && (PathPrefix(`/ws`) || PathPrefix(`/rooms`))"))
    h.django("chat-django", dj, server="daphne")
    page = {**PAGE, "websocket": "/ws/chat/", "restPaths": ["/rooms/", "/api/me"]}
    h.web_app("web", web, page=page)
    h.browser()
    h.rest_traffic(CHAT, [*REST, "GET /rooms/"])
    open_pages(h, 3)
    h.until(h.seconds * 0.5)
    h.close("p2")
    h.until(h.seconds * 0.7)
    h.reload("p1")
    h.until(h.seconds)


@scenario(
    seconds=35,
    access_format="common",
    first_rule="origin-rejected",
    root_cause="The page on http://chat.localhost opens a WebSocket to a Django Channels API on its own host "
    "(ws://api.localhost/ws/chat/), run with `manage.py runserver` (daphne in INSTALLED_APPS). The consumer "
    "sits behind AllowedHostsOriginValidator and ALLOWED_HOSTS lists only the API's own host "
    "(`api.localhost`): the page's Origin `chat.localhost` is not in it, so Channels rejects every handshake "
    "(`WebSocket REJECT`, HTTP 403); the page retries for ever.",
    also=("reconnect-storm", "upgrade-never-completes"),
    notes=(
        "`DEBUG = True`, as `runserver` is run in development: daphne's runserver logs through the "
        "`django.channels.server` logger, which Django's default logging prints only when DEBUG is on.",
    ),
)
def django_origin_rejected(h: Harness) -> None:
    web, dj = free_port(), free_port()
    h.traefik(api_site(web, dj))
    h.django("chat-django", dj, server="runserver", allowed_hosts=[API], debug=True)
    page = {**PAGE, "websocket": f"ws://{API}:{h.port}/ws/chat/"}
    h.web_app("web", web, page=page)
    h.browser()
    h.rest_traffic(CHAT, REST)
    h.rest_traffic(API, ["GET /rooms/"], every=4)
    open_pages(h, 2)
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="json",
    first_rule=None,
    root_cause="Nothing is wrong: a Go chat server on Gin (`gin.Default()`, debug mode, its request logger) "
    "upgrading /ws with gorilla/websocket, the application logging with the standard `log` package; three "
    "tabs on plain WebSockets, one closed, one reloaded.",
)
def healthy_go_gin(h: Harness) -> None:
    web, go = free_port(), free_port()
    h.traefik(
        chat_site(web, [go], ws_rule=f"Host(`{CHAT}`) && (PathPrefix(`/ws`) || PathPrefix(`/api/rooms`))")
    )
    h.go_chat("chat-go", go, router="gin", log="std")
    h.web_app("web", web, page={**PAGE, "websocket": "/ws"})
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds * 0.5)
    h.close("p3")
    h.until(h.seconds * 0.7)
    h.reload("p1")
    h.until(h.seconds)


@scenario(
    seconds=35,
    access_format="common",
    first_rule="upgrade-headers-stripped",
    root_cause="A hop in front of Traefik (an HTTP/1.1 proxy that knows nothing of WebSockets) drops the "
    "hop-by-hop `Connection` and `Upgrade` headers, as RFC 9110 tells such a proxy to, and forwards the "
    "rest: every WebSocket handshake reaches the Go server (net/http + gorilla/websocket) as a plain GET, "
    "and gorilla answers `400 Bad Request` (`websocket: the client is not using the websocket protocol: "
    "'upgrade' token not found in 'Connection' header`). The tabs retry for ever; plain HTTP works.",
    also=("reconnect-storm", "upgrade-never-completes"),
    notes=(
        "The hop is a small asyncio TCP proxy (capture/servers/ws_hop.py, mode `strip`); like most real "
        "proxies it leaves no log in the scenario folder. The Go server logs with `log/slog`'s TextHandler.",
    ),
)
def go_upgrade_headers_stripped(h: Harness) -> None:
    web, go, lb = free_port(), free_port(), free_port()
    h.traefik(
        chat_site(web, [go], ws_rule=f"Host(`{CHAT}`) && (PathPrefix(`/ws`) || PathPrefix(`/api/rooms`))")
    )
    h.go_chat("chat-go", go, router="nethttp", log="slog-text")
    h.web_app("web", web, page={**PAGE, "websocket": "/ws"})
    h.ws_hop(lb, h.port, "strip")
    h.browser()
    h.rest_traffic(CHAT, REST, port=lb)
    open_pages(h, 2, port=lb)
    h.until(h.seconds)


@scenario(
    seconds=35,
    access_format="json",
    first_rule="origin-rejected",
    root_cause="The Go server (net/http + gorilla/websocket) checks each handshake's Origin against an "
    "allow-list (`Upgrader.CheckOrigin`) that holds only the production origin https://chat.example.com: "
    "the page on http://chat.localhost is refused with `403 Forbidden` (`websocket: request origin not "
    "allowed by Upgrader.CheckOrigin`) at every attempt.",
    also=("reconnect-storm", "upgrade-never-completes"),
    notes=("The Go server logs with `log/slog`'s JSONHandler.",),
)
def go_origin_rejected(h: Harness) -> None:
    web, go = free_port(), free_port()
    h.traefik(
        chat_site(web, [go], ws_rule=f"Host(`{CHAT}`) && (PathPrefix(`/ws`) || PathPrefix(`/api/rooms`))")
    )
    h.go_chat("chat-go", go, router="nethttp", log="slog-json", origins=["https://chat.example.com"])
    h.web_app("web", web, page={**PAGE, "websocket": "/ws"})
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds)


@scenario(
    seconds=30,
    access_format="json",
    first_rule="path-mismatch",
    root_cause="A Django Channels project whose INSTALLED_APPS lacks `daphne` (since Channels 4 the ASGI "
    "`runserver` comes from daphne, not from channels): `manage.py runserver` starts Django's own WSGI "
    "development server, which knows nothing of the ASGI routing. Every WebSocket handshake to /ws/chat/ "
    "is answered `404 Not Found` by Django's URL resolver (`Not Found: /ws/chat/`); HTTP views work.",
    also=("reconnect-storm", "upgrade-never-completes"),
    notes=("`DEBUG = True`, as `runserver` is run in development (its 404 pages are Django's debug pages).",),
)
def django_wsgi_runserver(h: Harness) -> None:
    web, dj = free_port(), free_port()
    h.traefik(chat_site(web, [dj], ws_rule=f"Host(`{CHAT}`) && (PathPrefix(`/ws`) || PathPrefix(`/rooms`))"))
    h.django("chat-django", dj, server="runserver", wsgi=True, debug=True)
    page = {**PAGE, "websocket": "/ws/chat/", "restPaths": ["/rooms/", "/api/me"]}
    h.web_app("web", web, page=page)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds)


# -- nginx in front of the same servers ----------------------------------------------------------------------

#: Access-log formats people run nginx with, verbatim: the Docker image's `main` (its /etc/nginx/nginx.conf),
#: NGINX Amplify's `main_ext` (nginxinc/nginx-amplify-doc#16), ingress-nginx's `upstreaminfo`
#: (kubernetes/ingress-nginx#5167); `combined` is built in.
NGINX_LOG_FORMATS = {
    "main": """log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';""",
    "main_ext": """log_format  main_ext  '$remote_addr - $remote_user [$time_local] "$request" '
                          '$status $body_bytes_sent "$http_referer" '
                          '"$http_user_agent" "$http_x_forwarded_for" '
                          '"$host" sn="$server_name" '
                          'rt=$request_time '
                          'ua="$upstream_addr" us="$upstream_status" '
                          'ut="$upstream_response_time" ul="$upstream_response_length" '
                          'cs=$upstream_cache_status' ;""",
    "upstreaminfo": """log_format upstreaminfo '$remote_addr - $remote_user [$time_local] "$request" $status \
$body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] \
[$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time \
$upstream_status $req_id';""".replace("\\\n", ""),
}
#: What ingress-nginx defines for its format's own variables (the Service by path, no alternative, $request_id).
INGRESS_VARIABLES = """    map $uri $proxy_upstream_name { ~^/socket\\.io/ "chat-socketio-80"; default "chat-web-80"; }
    map $host $proxy_alternative_upstream_name { default ""; }
    map $http_x_request_id $req_id { default $http_x_request_id; "" $request_id; }
"""


def nginx_site(
    h: Harness,
    web: int,
    sio: list[int],
    *,
    log_format: str = "main",
    upgrade: bool = True,
    affinity: str = "",
    socketio: str = "",
) -> None:
    """nginx as people set it up for Socket.IO (the socket.io docs' "nginx" example): the front-end on /,
    Socket.IO on `location /socket.io/` through an `upstream`, with the WebSocket headers unless `upgrade`
    is false; `affinity` (e.g. `ip_hash;`) and `socketio` (more directives) go where they would."""
    servers = "".join(f"        server 127.0.0.1:{p};\n" for p in sio)
    headers = (
        "        proxy_http_version 1.1;\n"
        "        proxy_set_header Upgrade $http_upgrade;\n"
        "        proxy_set_header Connection $connection_upgrade;\n"
        if upgrade
        else ""
    )
    fmt = NGINX_LOG_FORMATS.get(log_format, "")
    http = (
        (f"    {fmt}\n" if fmt else "")
        + (INGRESS_VARIABLES if log_format == "upstreaminfo" else "")
        + "    map $http_upgrade $connection_upgrade {\n        default upgrade;\n        '' close;\n    }\n"
        + f"    upstream socketio {{\n{servers}"
        + (f"        {affinity}\n" if affinity else "")
        + "    }\n"
        + "    server {\n"
        f"        listen 127.0.0.1:{h.port};\n"
        f"        server_name {CHAT};\n"
        "        location / {\n"
        f"            proxy_pass http://127.0.0.1:{web};\n"
        "            proxy_set_header Host $host;\n"
        "        }\n"
        "        location /socket.io/ {\n"
        "            proxy_pass http://socketio;\n"
        + headers.replace("        ", "            ")
        + "            proxy_set_header Host $host;\n"
        "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        + "".join(f"            {line.strip()}\n" for line in socketio.splitlines() if line.strip())
        + "        }\n"
        "    }\n"
    )
    h.nginx(http, log_format=log_format)


@scenario(
    seconds=45,
    access_format="main",
    proxy="nginx",
    first_rule=None,
    root_cause="Nothing is wrong: three tabs chat over WebSocket through nginx (the socket.io docs' setup: "
    "`proxy_http_version 1.1`, `Upgrade` / `Connection` forwarded), one tab is closed, a script polls the REST "
    "API. nginx logs each WebSocket with status 101 when it closes.",
)
def nginx_healthy(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.node_sio("chat", sio)
    h.web_app("web", web, page=PAGE)
    nginx_site(h, web, [sio])
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds * 0.65)
    h.close("p3")
    h.until(h.seconds)


@scenario(
    seconds=35,
    access_format="main_ext",
    proxy="nginx",
    first_rule="upgrade-headers-stripped",
    root_cause="nginx's `location /socket.io/` proxies to the Socket.IO server without `proxy_http_version 1.1` "
    "and without `proxy_set_header Upgrade` / `Connection`: nginx talks HTTP/1.0 upstream and drops the "
    "hop-by-hop `Upgrade` header, so long-polling works and every WebSocket reaches engine.io as a plain GET, "
    'answered `400 {"code":3,"message":"Bad request"}`. Sessions stay on polling.',
    also=("stuck-on-polling", "upgrade-never-completes"),
)
def nginx_upgrade_headers_missing(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.node_sio("chat", sio)
    h.web_app("web", web, page=PAGE)
    nginx_site(h, web, [sio], log_format="main_ext", upgrade=False)
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds)


@scenario(
    seconds=60,
    access_format="upstreaminfo",
    proxy="nginx",
    first_rule="idle-timeout-cut",
    root_cause="`proxy_read_timeout 20s` on the Socket.IO location, below Socket.IO's pingInterval (25 s): "
    "a WebSocket on which the server sends nothing for 20 s is closed by nginx (no chat traffic here), the "
    "client sees `transport close` and reconnects; nginx's 101 lines show lifetimes piled up at ~20 s.",
    also=("reconnect-storm",),
)
def nginx_idle_timeout(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.node_sio("chat", sio)
    h.web_app("web", web, page={"restEveryMs": 0})
    nginx_site(h, web, [sio], log_format="upstreaminfo", socketio="proxy_read_timeout 20s;")
    h.browser()
    h.rest_traffic(CHAT, REST, every=3)
    open_pages(h, 3)
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="main_ext",
    proxy="nginx",
    first_rule="payload-too-large",
    root_cause="nginx's `client_max_body_size` is 16k on the Socket.IO location and two tabs on long-polling "
    "send a 40 kB message: nginx answers the POST `413 Request Entity Too Large` itself (error log: `client "
    "intended to send too large body`), the Socket.IO server never sees it, the client reports `transport "
    "close` and reconnects. The WebSocket tab's 40 kB frame passes (nginx does not limit frames).",
    also=("reconnect-storm",),
)
def nginx_payload_too_large(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.node_sio("chat", sio)
    page = {
        **PAGE,
        "bigPayloadBytes": 40_000,
        "bigAfterMs": 3000,
        "perPage": {
            "1": {"options": {"transports": ["polling"]}},
            "2": {"options": {"transports": ["polling"]}},
        },
    }
    h.web_app("web", web, page=page)
    nginx_site(h, web, [sio], log_format="main_ext", socketio="client_max_body_size 16k;")
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds)


@scenario(
    seconds=30,
    access_format="upstreaminfo",
    proxy="nginx",
    first_rule="sticky-session-missing",
    root_cause="Two Socket.IO servers in one nginx `upstream` without `ip_hash` / `hash $remote_addr` (nginx "
    "balances round-robin): the polling handshake lands on one server, the next request of the same session "
    'on the other, which answers `400 {"code":1,"message":"Session ID unknown"}`; clients loop on new '
    "handshakes.",
    also=("session-id-unknown", "reconnect-storm", "upgrade-never-completes"),
)
def nginx_sticky_session_missing(h: Harness) -> None:
    web, a, b = free_port(), free_port(), free_port()
    h.node_sio("chat-1", a)
    h.node_sio("chat-2", b)
    h.web_app("web", web, page=PAGE)
    nginx_site(h, web, [a, b], log_format="upstreaminfo")
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds)


# -- HAProxy in front of the same servers --------------------------------------------------------------------


def haproxy_site(h: Harness, web: int, sio: list[int], *, tunnel: str = "1h", balance: str = "") -> None:
    """HAProxy as its blog's WebSocket example sets it up: `mode http`, `option httplog`, Socket.IO routed
    by path to its backend; `timeout tunnel` governs open WebSockets."""
    servers = "".join(f"    server sio{i} 127.0.0.1:{p}\n" for i, p in enumerate(sio, 1))
    cfg = (
        "defaults\n"
        "    mode http\n"
        "    log global\n"
        "    option httplog\n"
        "    timeout connect 5s\n"
        "    timeout client 30s\n"
        "    timeout server 30s\n"
        f"    timeout tunnel {tunnel}\n\n"
        "frontend http-in\n"
        f"    bind 127.0.0.1:{h.port}\n"
        "    acl is_socketio path_beg /socket.io/\n"
        "    use_backend socketio if is_socketio\n"
        "    default_backend web\n\n"
        "backend web\n"
        f"    server web1 127.0.0.1:{web}\n\n"
        "backend socketio\n" + (f"    {balance}\n" if balance else "") + servers
    )
    h.haproxy(cfg)


@scenario(
    seconds=45,
    access_format="httplog",
    proxy="haproxy",
    first_rule=None,
    root_cause="Nothing is wrong: three tabs chat over WebSocket through HAProxy (`timeout tunnel 1h`), one tab "
    "is closed, a script polls the REST API. HAProxy logs each WebSocket with status 101 when it closes, its "
    "lifetime as the last timer.",
)
def haproxy_healthy(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.node_sio("chat", sio)
    h.web_app("web", web, page=PAGE)
    haproxy_site(h, web, [sio])
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds * 0.65)
    h.close("p3")
    h.until(h.seconds)


@scenario(
    seconds=60,
    access_format="httplog",
    proxy="haproxy",
    first_rule="idle-timeout-cut",
    root_cause="`timeout tunnel 15s` in HAProxy's defaults, below Socket.IO's pingInterval (25 s): a WebSocket on "
    "which nothing passes for 15 s is closed by HAProxy (termination state `cD`), the client sees `transport "
    "close` and reconnects; the 101 lines' lifetimes pile up at ~15 s.",
    also=("reconnect-storm",),
)
def haproxy_idle_timeout(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.node_sio("chat", sio)
    h.web_app("web", web, page={"restEveryMs": 0})
    haproxy_site(h, web, [sio], tunnel="15s")
    h.browser()
    h.rest_traffic(CHAT, REST, every=3)
    open_pages(h, 3)
    h.until(h.seconds)


@scenario(
    seconds=30,
    access_format="httplog",
    proxy="haproxy",
    first_rule="sticky-session-missing",
    root_cause="Two Socket.IO servers in one HAProxy backend balanced round-robin, without `balance source` or a "
    "cookie: one session's polling requests alternate between the servers, and the one that did not create "
    'it answers `400 {"code":1,"message":"Session ID unknown"}`; clients loop on new handshakes.',
    also=("session-id-unknown", "reconnect-storm", "upgrade-never-completes"),
)
def haproxy_sticky_session_missing(h: Harness) -> None:
    web, a, b = free_port(), free_port(), free_port()
    h.node_sio("chat-1", a)
    h.node_sio("chat-2", b)
    h.web_app("web", web, page=PAGE)
    haproxy_site(h, web, [a, b], balance="balance roundrobin")
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds)


# -- Caddy in front of the same servers ----------------------------------------------------------------------


def caddy_site(h: Harness, web: int, sio: list[int], *, socketio: str = "") -> None:
    """Caddy as its docs set up a WebSocket app: `reverse_proxy` (which handles the upgrade itself) for
    `/socket.io/*`, the front-end for the rest, a JSON access log."""
    upstreams = " ".join(f"127.0.0.1:{p}" for p in sio)
    block = f"\treverse_proxy /socket.io/* {upstreams}"
    if socketio:
        block += (
            " {\n"
            + "".join(f"\t\t{line.strip()}\n" for line in socketio.splitlines() if line.strip())
            + "\t}"
        )
    site = (
        f"http://:{h.port} {{\n"
        "\tbind 127.0.0.1\n"
        "\tlog {\n\t\toutput file caddy/access.log\n\t\tformat json\n\t}\n"
        f"{block}\n"
        f"\treverse_proxy 127.0.0.1:{web}\n"
        "}\n"
    )
    h.caddy(site)


@scenario(
    seconds=45,
    access_format="json",
    proxy="caddy",
    first_rule=None,
    root_cause="Nothing is wrong: three tabs chat over WebSocket through Caddy's `reverse_proxy`, one tab is closed, "
    "a script polls the REST API. Caddy logs each WebSocket when it closes, with status 0 and its lifetime.",
)
def caddy_healthy(h: Harness) -> None:
    web, sio = free_port(), free_port()
    h.node_sio("chat", sio)
    h.web_app("web", web, page=PAGE)
    caddy_site(h, web, [sio])
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 3)
    h.until(h.seconds * 0.65)
    h.close("p3")
    h.until(h.seconds)


@scenario(
    seconds=30,
    access_format="json",
    proxy="caddy",
    first_rule="sticky-session-missing",
    root_cause="Two Socket.IO servers behind one `reverse_proxy` without `lb_policy` (Caddy picks an upstream at "
    "random per request): the polling requests of one session reach both, and the one that did not create it "
    'answers `400 {"code":1,"message":"Session ID unknown"}`; clients loop on new handshakes.',
    also=("session-id-unknown", "reconnect-storm", "upgrade-never-completes"),
)
def caddy_sticky_session_missing(h: Harness) -> None:
    web, a, b = free_port(), free_port(), free_port()
    h.node_sio("chat-1", a)
    h.node_sio("chat-2", b)
    h.web_app("web", web, page=PAGE)
    caddy_site(h, web, [a, b])
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds)


@scenario(
    seconds=40,
    access_format="json",
    proxy="caddy",
    first_rule="backend-unreachable",
    root_cause="Stale upstream after a redeploy: the Socket.IO server is redeployed on a new port but the "
    "Caddyfile still names the old one. Open WebSockets close when the old process stops; every reconnect "
    "gets `502` from Caddy (`dial tcp …: connect: connection refused` in its error log).",
    also=("reconnect-storm", "upgrade-never-completes"),
)
def caddy_backend_unreachable(h: Harness) -> None:
    web, old_port, new_port = free_port(), free_port(), free_port()
    old = h.node_sio("chat", old_port, log="chat")
    h.web_app("web", web, page=PAGE)
    caddy_site(h, web, [old_port])
    h.browser()
    h.rest_traffic(CHAT, REST)
    open_pages(h, 2)
    h.until(h.seconds * 0.3)
    h.say("redeploy: old backend stopped, new backend started on a new port; Caddyfile not updated")
    h.stop(old)
    h.node_sio("chat", new_port, log="chat")
    h.sleep(2)
    open_pages(h, 1, start=3)
    h.until(h.seconds)
