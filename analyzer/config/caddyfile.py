"""Caddyfile: site blocks and their ``reverse_proxy`` directives, with lines, and the checks on them.

The Caddyfile is whitespace-separated tokens with ``{ … }`` blocks, ``#`` comments and quoted tokens
(caddyconfig/caddyfile/lexer.go); read here token by token per line (no Python parser of it exists; Caddy's
own is Go, and ``caddy adapt`` needs the binary). What matters for WebSockets is each ``reverse_proxy``:
its matcher (``/socket.io/*``), its upstreams, and its subdirectives — ``lb_policy`` (the default picks an
upstream at random, so several upstreams break Socket.IO's long-polling without ``ip_hash`` / ``cookie``),
``header_up -Connection`` / ``-Upgrade`` (which break the upgrade Caddy otherwise handles by itself) and
``stream_timeout`` (which closes WebSockets after a fixed time).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from analyzer.findings import Evidence, Finding

if TYPE_CHECKING:
    from analyzer.config.model import ConfigSet

_SITE = re.compile(r"^(?:https?://)?[\w.*:\[\]-]*(?::\d+)?(?:/\S*)?(?:,\s*\S+)*\s*\{\s*$")
#: lb_policy values that keep a client on one upstream.
STICKY_POLICIES: Final = frozenset({"ip_hash", "client_ip_hash", "cookie", "header", "uri_hash", "query"})
HEARTBEAT_S: Final = 45.0


def looks_like_caddyfile(lines: list[str], name: str = "") -> bool:
    """A Caddyfile: named so, or a site block holding a Caddy directive (``reverse_proxy``, ``file_server``)."""
    if name.lower().startswith("caddyfile"):
        return True
    text = "\n".join(lines)
    return (
        bool(re.search(r"^\s*(?:reverse_proxy|file_server|encode|php_fastcgi|tls)\b", text, re.M))
        and bool(re.search(r"^\S[^{]*\{\s*$", text, re.M))
        and ";" not in text
    )


@dataclass(frozen=True)
class Token:
    words: tuple[str, ...]
    file: str
    line: int
    text: str


@dataclass
class ReverseProxy:
    site: str
    directive: Token
    matcher: str | None
    upstreams: tuple[str, ...]
    sub: list[Token] = field(default_factory=list)

    def setting(self, name: str) -> Token | None:
        found = [t for t in self.sub if t.words and t.words[0] == name]
        return found[-1] if found else None


@dataclass
class Caddyfile:
    path: str
    proxies: list[ReverseProxy] = field(default_factory=list)
    sites: list[Token] = field(default_factory=list)


def load_caddyfile(text: str, path: str) -> Caddyfile:
    """Every ``reverse_proxy`` of every site block, with its subdirectives."""
    out = Caddyfile(path)
    depth = 0
    site = ""
    current: ReverseProxy | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        try:
            words = tuple(shlex.split(line.rstrip("{").strip()))
        except ValueError:
            words = tuple(line.rstrip("{").split())
        token = Token(words, path, number, line)
        opens, closes = line.endswith("{"), line == "}"
        if depth == 0 and opens:
            site = line.rstrip("{").strip()
            if site:  # the global options block is a bare "{"
                out.sites.append(token)
        elif depth >= 1 and words and words[0] == "reverse_proxy":
            matcher, upstreams = _proxy_args(words[1:])
            current = ReverseProxy(site, token, matcher, upstreams)
            out.proxies.append(current)
        elif current is not None and depth >= 2 and words:
            if words[0] == "to":
                current.upstreams = (*current.upstreams, *words[1:])
            current.sub.append(token)
        if opens:
            depth += 1
        if closes:
            depth = max(0, depth - 1)
            if depth <= 1:
                current = None
    return out


def _proxy_args(args: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    if args and (args[0].startswith(("/", "@")) or args[0] == "*"):
        return args[0], args[1:]
    return None, args


def socketio_proxies(cfg: Caddyfile) -> list[ReverseProxy]:
    """The ``reverse_proxy`` that serves ``/socket.io/`` in each site: the one whose path matcher takes it,
    else the site's catch-all."""
    out = []
    for site in dict.fromkeys(p.site for p in cfg.proxies):
        proxies = [p for p in cfg.proxies if p.site == site]
        by_path = [
            p for p in proxies if p.matcher and p.matcher.startswith("/") and _takes(p.matcher, "/socket.io/")
        ]
        catch_all = [p for p in proxies if p.matcher in (None, "*")]
        chosen = (by_path or catch_all)[:1]
        out += chosen
    return out


def _takes(matcher: str, path: str) -> bool:
    pattern = "^" + re.escape(matcher).replace(r"\*", ".*") + "$"
    return re.match(pattern, path) is not None or re.match(pattern, path.rstrip("/")) is not None


def _evidence(*tokens: Token | None) -> list[Evidence]:
    seen: list[Token] = []
    for t in tokens:
        if t is not None and t not in seen:
            seen.append(t)
    return [Evidence(source="config", path=t.file, line=t.line, ts=None, text=t.text) for t in seen]


def _configs(config: ConfigSet) -> list[Caddyfile]:
    return list(getattr(config, "caddy", []))


def caddy_affinity_findings(config: ConfigSet) -> list[Finding]:
    """``sticky-session-missing`` on Caddy: several upstreams for Socket.IO, picked at random."""
    out = []
    for cfg in _configs(config):
        for proxy in socketio_proxies(cfg):
            policy = proxy.setting("lb_policy")
            if len(proxy.upstreams) < 2 or (policy is not None and set(policy.words[1:2]) & STICKY_POLICIES):
                continue
            how = f"`{policy.text}`" if policy else "no `lb_policy` (Caddy picks one at random per request)"
            out.append(
                Finding(
                    rule="sticky-session-missing",
                    title="Caddy balances Socket.IO over several upstreams without affinity",
                    severity="high",
                    count=1,
                    explanation=(
                        f"`{proxy.directive.text}` ({proxy.directive.file}:{proxy.directive.line}) sends Socket.IO "
                        f"to {len(proxy.upstreams)} upstreams with {how}: one session's polling requests reach "
                        "several servers, and those that did not create it answer `Session ID unknown`."
                    ),
                    remediation=(
                        f"Add `lb_policy ip_hash` (or `lb_policy cookie`) inside that `reverse_proxy` "
                        f"({proxy.directive.file}:{proxy.directive.line})."
                    ),
                    keys={"site": proxy.site},
                    evidence=_evidence(proxy.directive, policy),
                    tags=["config", "caddy"],
                )
            )
    return out


def caddy_upgrade_findings(config: ConfigSet) -> list[Finding]:
    """``upgrade-headers-stripped`` on Caddy: ``header_up -Connection`` / ``-Upgrade`` on the Socket.IO proxy."""
    out = []
    for cfg in _configs(config):
        for proxy in socketio_proxies(cfg):
            drops = [
                t for t in proxy.sub
                if t.words[:1] == ("header_up",) and len(t.words) > 1
                and t.words[1].lower() in ("-connection", "-upgrade")
            ]  # fmt: skip
            if not drops:
                continue
            out.append(
                Finding(
                    rule="upgrade-headers-stripped",
                    title="Caddy removes the WebSocket upgrade headers for Socket.IO",
                    severity="high",
                    count=1,
                    explanation=(
                        f"`{proxy.directive.text}` ({proxy.directive.file}:{proxy.directive.line}) deletes "
                        + ", ".join(f"`{t.text}` ({t.line})" for t in drops)
                        + ": the server sees every WebSocket request as a plain GET and refuses it."
                    ),
                    remediation="Remove those `header_up` lines: Caddy's `reverse_proxy` forwards the upgrade by itself.",
                    keys={"site": proxy.site},
                    evidence=_evidence(proxy.directive, *drops),
                    tags=["config", "caddy"],
                )
            )
    return out


def caddy_stream_timeout_findings(config: ConfigSet) -> list[Finding]:
    """``idle-timeout-cut`` on Caddy: ``stream_timeout`` closes WebSockets after a fixed time."""
    out = []
    for cfg in _configs(config):
        for proxy in socketio_proxies(cfg):
            limit = proxy.setting("stream_timeout")
            if limit is None or len(limit.words) < 2:
                continue
            value = _duration_s(limit.words[1])
            if value is None:
                continue
            out.append(
                Finding(
                    rule="idle-timeout-cut",
                    title=f"Caddy closes Socket.IO's WebSockets after {limit.words[1]}",
                    severity="high" if value < HEARTBEAT_S * 10 else "medium",
                    count=1,
                    explanation=(
                        f"`{limit.text}` ({limit.file}:{limit.line}) in `{proxy.directive.text}` closes every "
                        f"proxied WebSocket {value:g} s after it opened, busy or not: clients reconnect that often."
                    ),
                    remediation=f"Remove `stream_timeout` at {limit.file}:{limit.line}, or raise it well above a session's length.",
                    keys={"site": proxy.site},
                    evidence=_evidence(proxy.directive, limit),
                    tags=["config", "caddy"],
                )
            )
    return out


def _duration_s(value: str) -> float | None:
    """A Go duration (``30s``, ``1m30s``, ``500ms``, ``2h``) or Caddy's ``1d`` in seconds."""
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)", value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(float(n) * units[u] for n, u in parts)
