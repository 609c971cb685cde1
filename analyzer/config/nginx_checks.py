"""The checks ``wsdiag check-config`` runs on nginx configuration, under the ids of the log rules they prove.

Each check looks at the location that takes Socket.IO's requests in every server that proxies (nginx's
matching order, :mod:`analyzer.config.nginx`) and at what is in force there after inheritance; its finding
cites the directives by file and line and says what to write where. Socket.IO's defaults are the yardstick
(pingInterval 25 s + pingTimeout 20 s = 45 s; maxHttpBufferSize 1 MB); a server configured otherwise needs
the same comparison with its own values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from analyzer.config.caddyfile import (
    caddy_affinity_findings,
    caddy_stream_timeout_findings,
    caddy_upgrade_findings,
)
from analyzer.config.checks import check
from analyzer.config.haproxy import haproxy_affinity_findings, haproxy_tunnel_findings
from analyzer.config.nginx import (
    Directive,
    Location,
    NginxConfig,
    Server,
    pick_location,
    proxied_upstream,
    seconds,
    size_bytes,
)
from analyzer.findings import Evidence, Finding

if TYPE_CHECKING:
    from analyzer.config.model import ConfigSet

#: Socket.IO's defaults (socket.io server options): the client is dropped after pingInterval + pingTimeout
#: without a packet, and a polling POST over maxHttpBufferSize is refused.
HEARTBEAT_S: Final = 45.0
MAX_HTTP_BUFFER: Final = 1_000_000
#: nginx's defaults (ngx_http_proxy_module, ngx_http_core_module).
DEFAULT_READ_TIMEOUT_S: Final = 60.0
DEFAULT_BODY_LIMIT: Final = 1024 * 1024
SIO_PATH: Final = "/socket.io/"


def socketio_locations(config: NginxConfig) -> Iterator[tuple[Server, Location]]:
    """Per server that proxies anything, the location that takes ``/socket.io/`` (when one does)."""
    for server in config.servers:
        if not _proxies(server.locations):
            continue
        route = pick_location(server, SIO_PATH)
        if route.location is not None:
            yield server, route.location


def _proxies(locations: list[Location]) -> bool:
    return any(loc.own.get("proxy_pass") or _proxies(loc.children) for loc in locations)


def _evidence(*directives: Directive | None) -> list[Evidence]:
    seen: list[Directive] = []
    for d in directives:
        if d is not None and d not in seen:
            seen.append(d)
    return [Evidence(source="config", path=d.file, line=d.line, ts=None, text=d.text) for d in seen]


def _server_label(server: Server) -> str:
    return f"server {' '.join(server.names) or '(no server_name)'}"


def _configs(config: ConfigSet) -> list[NginxConfig]:
    return list(getattr(config, "nginx", []))


@check(
    id="upgrade-headers-stripped",
    title="nginx (or Caddy) does not forward the WebSocket upgrade for Socket.IO",
    severity="high",
    detects="""
The nginx `location` that takes `/socket.io/` proxies without `proxy_http_version 1.1` or without
`proxy_set_header Upgrade` / `Connection` in force — including a location that sets any
`proxy_set_header` of its own and so silently loses those set in `server {}` or `http {}`; on Caddy, a
`header_up -Connection` / `-Upgrade` in the `reverse_proxy` that serves Socket.IO.
""",
    why="""
`Upgrade` and `Connection` are hop-by-hop headers: nginx drops them unless told to pass them, and talks
HTTP/1.0 upstream by default. Engine.IO then sees every WebSocket request as a plain GET and answers 400;
sessions stay on long-polling (or fail with `transports: ["websocket"]`).
""",
    false_positives="""
A location that only ever serves long-polling on purpose (the client forces `transports: ["polling"]`).
""",
    remediation="""
In that location: `proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header
Connection $connection_upgrade;` with `map $http_upgrade $connection_upgrade { default upgrade; '' close; }`
in `http {}` (or `Connection "upgrade"`), and repeat every other `proxy_set_header` the location needs.
""",
    reads="nginx configuration (nginx.conf and its includes) or a Caddyfile",
    references=(
        "https://nginx.org/en/docs/http/websocket.html",
        "https://socket.io/docs/v4/reverse-proxy/#nginx",
    ),
)
def _upgrade_headers(config: ConfigSet) -> list[Finding]:
    out = caddy_upgrade_findings(config)
    for nginx in _configs(config):
        for server, loc in socketio_locations(nginx):
            passes = loc.get("proxy_pass")
            if not passes:
                continue
            version = loc.get("proxy_http_version")
            headers = loc.headers()
            missing = []
            if not version or version[-1].args[:1] != ("1.1",):
                missing.append("`proxy_http_version 1.1`")
            if "upgrade" not in headers:
                missing.append("`proxy_set_header Upgrade $http_upgrade`")
            if "connection" not in headers:
                missing.append("`proxy_set_header Connection`")
            if not missing:
                continue
            lost = _lost_headers(loc)
            explanation = (
                f"In {_server_label(server)}, `{loc.label}` ({loc.directive.where if loc.directive else '?'}) takes "
                f"Socket.IO's requests and proxies them ({passes[-1].text}) without {', '.join(missing)}: the "
                "WebSocket upgrade never reaches the server, which answers it 400."
            )
            if lost:
                explanation += (
                    f" An enclosing block sets {lost.text} ({lost.where}), but this location sets "
                    "`proxy_set_header` of its own, so nginx does not inherit any of the enclosing ones."
                )
            out.append(
                Finding(
                    rule="upgrade-headers-stripped",
                    title=f"nginx `{loc.label}` does not forward the WebSocket upgrade",
                    severity="high",
                    count=1,
                    explanation=explanation,
                    remediation=(
                        f"Add to `{loc.label}` ({loc.directive.where if loc.directive else '?'}): "
                        "`proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header "
                        "Connection $connection_upgrade;` (with `map $http_upgrade $connection_upgrade { default "
                        "upgrade; '' close; }` in `http {}`, or `Connection \"upgrade\"`)."
                    ),
                    keys={"location": loc.label, "server": " ".join(server.names)},
                    evidence=_evidence(loc.directive, passes[-1], *version[-1:], lost),
                    tags=["config", "nginx"],
                )
            )
    return out


def _lost_headers(loc: Location) -> Directive | None:
    """An enclosing block's ``proxy_set_header Upgrade`` that the location's own headers hide."""
    if "proxy_set_header" not in loc.own:
        return None
    block = loc.parent
    while block is not None:
        for d in block.own.get("proxy_set_header", []):
            if d.args and d.args[0].lower() in ("upgrade", "connection"):
                return d
        block = block.parent
    return None


@check(
    id="idle-timeout-cut",
    title="nginx's proxy_read_timeout (HAProxy's timeout tunnel) for Socket.IO is shorter than its heartbeat",
    severity="high",
    detects="""
`proxy_read_timeout` in force in the `location` that takes `/socket.io/` is shorter than Socket.IO's
heartbeat (pingInterval + pingTimeout, 45 s by default); on HAProxy, the Socket.IO backend's `timeout
tunnel` (else `timeout client` / `timeout server`); on Caddy, a `stream_timeout`.
""",
    why="""
nginx closes a proxied WebSocket when the upstream sends nothing for `proxy_read_timeout` (60 s by
default). A quiet Socket.IO connection only carries a ping every pingInterval (25 s), so a shorter timeout
cuts idle connections at that age: close 1006, `transport close`, reconnect.
""",
    false_positives="""
A server configured with a shorter pingInterval than the timeout (its options are not in this file).
""",
    remediation="""
Raise `proxy_read_timeout` (and `proxy_send_timeout`) in that location well above pingInterval +
pingTimeout, e.g. `proxy_read_timeout 3600s;`; on HAProxy `timeout tunnel 1h`.
""",
    reads="nginx configuration (nginx.conf and its includes), HAProxy's (haproxy.cfg) or a Caddyfile",
    references=("https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout",),
)
def _read_timeout(config: ConfigSet) -> list[Finding]:
    out = haproxy_tunnel_findings(config) + caddy_stream_timeout_findings(config)
    for nginx in _configs(config):
        for server, loc in socketio_locations(nginx):
            set_to = loc.get("proxy_read_timeout")
            if not set_to or not loc.get("proxy_pass"):
                continue
            value = seconds(set_to[-1].args[0]) if set_to[-1].args else None
            if value is None or value >= HEARTBEAT_S:
                continue
            out.append(
                Finding(
                    rule="idle-timeout-cut",
                    title=f"nginx cuts idle Socket.IO connections after {set_to[-1].args[0]}",
                    severity="high",
                    count=1,
                    explanation=(
                        f"In {_server_label(server)}, `{loc.label}` takes Socket.IO's requests with "
                        f"{set_to[-1].text} ({set_to[-1].where}): {value:g} s without data from the server ends "
                        f"the WebSocket, below Socket.IO's heartbeat ({HEARTBEAT_S:g} s by default), so quiet "
                        "connections are cut and reconnect."
                    ),
                    remediation=(
                        f"Set `proxy_read_timeout 3600s;` at {set_to[-1].where} (at least above pingInterval + "
                        "pingTimeout), and `proxy_send_timeout` alike."
                    ),
                    keys={"location": loc.label, "server": " ".join(server.names)},
                    evidence=_evidence(loc.directive, set_to[-1]),
                    tags=["config", "nginx"],
                )
            )
    return out


@check(
    id="payload-too-large",
    title="nginx's client_max_body_size for Socket.IO is below maxHttpBufferSize",
    severity="medium",
    detects="""
`client_max_body_size` in force in the `location` that takes `/socket.io/` is below Socket.IO's
maxHttpBufferSize (1 MB by default).
""",
    why="""
Over long-polling every message is a POST body: nginx answers `413` itself for bodies over
`client_max_body_size` (1m by default) before the server sees them, and the client drops the connection.
""",
    false_positives="""
A server configured with a smaller maxHttpBufferSize, or clients that never send large messages.
""",
    remediation="""
Raise `client_max_body_size` in that location above the server's maxHttpBufferSize (e.g. `10m`), or
send large payloads over plain HTTP uploads.
""",
    reads="nginx configuration (nginx.conf and its includes)",
    references=("https://nginx.org/en/docs/http/ngx_http_core_module.html#client_max_body_size",),
)
def _body_limit(config: ConfigSet) -> list[Finding]:
    out = []
    for nginx in _configs(config):
        for server, loc in socketio_locations(nginx):
            set_to = loc.get("client_max_body_size")
            if not set_to or not loc.get("proxy_pass") or not set_to[-1].args:
                continue
            limit = size_bytes(set_to[-1].args[0])
            if limit is None or limit == 0 or limit >= MAX_HTTP_BUFFER:
                continue
            out.append(
                Finding(
                    rule="payload-too-large",
                    title=f"nginx refuses Socket.IO messages over {set_to[-1].args[0]}",
                    severity="medium",
                    count=1,
                    explanation=(
                        f"In {_server_label(server)}, `{loc.label}` takes Socket.IO's requests with "
                        f"{set_to[-1].text} ({set_to[-1].where}): a long-polling message over {limit} bytes is "
                        f"answered 413 by nginx, below Socket.IO's maxHttpBufferSize ({MAX_HTTP_BUFFER} bytes "
                        "by default)."
                    ),
                    remediation=f"Raise it at {set_to[-1].where}, e.g. `client_max_body_size 10m;`.",
                    keys={"location": loc.label, "server": " ".join(server.names)},
                    evidence=_evidence(loc.directive, set_to[-1]),
                    tags=["config", "nginx"],
                )
            )
    return out


@check(
    id="sticky-session-missing",
    title="nginx (or HAProxy) balances Socket.IO over several servers without affinity",
    severity="high",
    detects="""
The `location` that takes `/socket.io/` proxies to an `upstream {}` with two or more servers and no
`ip_hash`, `hash` or `sticky` directive; on HAProxy, the Socket.IO backend has several `server` lines and
no `balance source`, cookie or stick rule; on Caddy, a `reverse_proxy` with several upstreams and no
`lb_policy ip_hash` / `cookie` (the default picks one at random).
""",
    why="""
nginx balances round-robin by default: the requests of one long-polling session land on different
servers, and every server but the one that made the session answers `Session ID unknown` (400).
""",
    false_positives="""
Clients that use `transports: ["websocket"]` only (one long-lived request per session), or servers that
share sessions some other way.
""",
    remediation="""
Add `ip_hash;` (or `hash $remote_addr consistent;`, or a sticky cookie) to the upstream block; on
HAProxy `balance source` or `cookie SERVERID insert indirect nocache`.
""",
    reads="nginx configuration (nginx.conf and its includes), HAProxy's (haproxy.cfg) or a Caddyfile",
    references=(
        "https://socket.io/docs/v4/using-multiple-nodes/#nginx-configuration",
        "https://nginx.org/en/docs/http/ngx_http_upstream_module.html#ip_hash",
    ),
)
def _no_affinity(config: ConfigSet) -> list[Finding]:
    out = haproxy_affinity_findings(config) + caddy_affinity_findings(config)
    for nginx in _configs(config):
        for server, loc in socketio_locations(nginx):
            upstream = proxied_upstream(loc, nginx)
            if upstream is None or len(upstream.servers) < 2 or upstream.affinity:
                continue
            out.append(
                Finding(
                    rule="sticky-session-missing",
                    title=f"nginx upstream {upstream.name} balances Socket.IO without affinity",
                    severity="high",
                    count=1,
                    explanation=(
                        f"In {_server_label(server)}, `{loc.label}` proxies Socket.IO to `upstream "
                        f"{upstream.name}` ({upstream.directive.where}) with {len(upstream.servers)} servers and "
                        "no `ip_hash` / `hash` / `sticky`: nginx spreads one session's polling requests over "
                        "them, and the servers that did not create it answer `Session ID unknown`."
                    ),
                    remediation=(
                        f"Add `ip_hash;` (or `hash $remote_addr consistent;`) to `upstream {upstream.name}` "
                        f"({upstream.directive.where})."
                    ),
                    keys={"location": loc.label, "upstream": upstream.name},
                    evidence=_evidence(loc.directive, upstream.directive, *upstream.servers),
                    tags=["config", "nginx"],
                )
            )
    return out


#: Directives that hand a request to another server (the location does not answer it itself).
_PASSES: Final = ("proxy_pass", "grpc_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass")


def socketio_not_proxied(config: ConfigSet) -> list[Finding]:
    """``handshake-wrong-router`` on nginx: in a server that proxies, the location that takes Socket.IO's
    handshake answers it itself (``try_files``, ``root``, ``return``), so no request reaches the server."""
    out = []
    for nginx in _configs(config):
        for server, loc in socketio_locations(nginx):
            if any(loc.get(name) for name in _PASSES) or loc.get("error_page"):
                continue
            serves = loc.get("try_files") or loc.get("return") or loc.get("root") or loc.get("alias")
            where = loc.directive.where if loc.directive else "?"
            out.append(
                Finding(
                    rule="handshake-wrong-router",
                    title=f"nginx answers Socket.IO's handshake from `{loc.label}` without proxying it",
                    severity="critical",
                    count=1,
                    explanation=(
                        f"In {_server_label(server)}, nginx's location order gives `/socket.io/?EIO=4&transport=polling` "
                        f"to `{loc.label}` ({where}), which answers it itself"
                        + (f" ({serves[-1].text}, {serves[-1].where})" if serves else "")
                        + ": the handshake gets the SPA's page or a 404, never the Socket.IO server."
                    ),
                    remediation=(
                        "Add a location for the Socket.IO path that proxies to the server, e.g. `location /socket.io/ "
                        "{ proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; "
                        "proxy_set_header Connection $connection_upgrade; }` (a prefix location is enough unless a "
                        "regex location matches the path: then use `location ^~ /socket.io/`)."
                    ),
                    keys={"location": loc.label, "server": " ".join(server.names)},
                    evidence=_evidence(loc.directive, *serves[-1:]),
                    tags=["config", "nginx"],
                )
            )
    return out


def _forwarded_path(loc: Location, uri: str) -> tuple[str, Directive] | None:
    """The path nginx sends upstream for ``uri`` when the location's ``proxy_pass`` has a URI part (which
    replaces the matched prefix, ngx_http_proxy_module "proxy_pass"); None when it passes the URI as is."""
    passes = loc.own.get("proxy_pass")
    if not passes or not passes[-1].args or loc.modifier not in ("", "^~"):
        return None
    target = passes[-1].args[0]
    if "$" in target:
        return None  # with variables nginx passes what they build: not decidable here
    m = re.match(r"^[a-z]+://[^/]+(/.*)?$", target)
    if m is None or m.group(1) is None:
        return None
    return m.group(1) + uri[len(loc.pattern) :], passes[-1]


@check(
    id="path-mismatch",
    title="nginx forwards Socket.IO's path as another path",
    severity="high",
    detects="""
The `location` that takes `/socket.io/` (a prefix location) proxies with a URI part in `proxy_pass`
(`proxy_pass http://app/;`): nginx replaces the matched prefix with it, so the Socket.IO server receives
another path than `/socket.io/`.
""",
    why="""
Socket.IO answers only its `path` (`/socket.io/` by default): the rewritten requests get 404 (or the
app's own answer), the client never gets a session.
""",
    false_positives="""
A server configured with the rewritten path as its `path` option (then the client's and the server's
paths differ on purpose, and this is fine).
""",
    remediation="""
Drop the URI part (`proxy_pass http://app;` passes the request URI unchanged), or make it keep the path
(`location /socket.io/ { proxy_pass http://app/socket.io/; }`).
""",
    references=("https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass",),
    reads="nginx configuration (nginx.conf and its includes)",
)
def _rewritten_path(config: ConfigSet) -> list[Finding]:
    out = []
    for nginx in _configs(config):
        for server, loc in socketio_locations(nginx):
            forwarded = _forwarded_path(loc, SIO_PATH)
            if forwarded is None or forwarded[0].startswith(SIO_PATH):
                continue
            path, passes = forwarded
            where = loc.directive.where if loc.directive else "?"
            out.append(
                Finding(
                    rule="path-mismatch",
                    title=f"nginx forwards {SIO_PATH} as {path}",
                    severity="high",
                    count=1,
                    explanation=(
                        f"In {_server_label(server)}, `{loc.label}` ({where}) proxies with {passes.text} "
                        f"({passes.where}): nginx replaces the matched `{loc.pattern}` with the URI part, so "
                        f"`{SIO_PATH}?EIO=4&transport=polling` reaches the server as `{path}?EIO=4&transport=polling`, "
                        "which Socket.IO does not serve."
                    ),
                    remediation=(
                        f"At {passes.where}, drop the URI part (`proxy_pass {passes.args[0].split('/', 3)[0]}//"
                        f"{passes.args[0].split('/', 3)[2]};`) so the path passes unchanged."
                    ),
                    keys={"location": loc.label, "server": " ".join(server.names)},
                    evidence=_evidence(loc.directive, passes),
                    tags=["config", "nginx"],
                )
            )
    return out
