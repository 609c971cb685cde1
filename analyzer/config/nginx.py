"""nginx configuration, read with crossplane: servers, locations, upstreams, and which location takes a request.

crossplane (nginx's own config parser, ported to Python) gives every directive with its file and line,
includes followed. On that tree this module answers what nginx decides at run time:

- **the server** for a Host: an exact ``server_name``, then the longest leading wildcard (``*.example.com``),
  the longest trailing one (``www.example.*``), the first matching regex (``~^…``), else the ``default_server``
  of the port (else its first server) — ``ngx_http_core_module``, "server_name";
- **the location** for a URI: an exact ``location = /uri`` wins at once; otherwise the longest matching
  prefix is remembered, and wins if it has ``^~``; otherwise the regex locations (``~``, ``~*``) are tried
  in the order they appear in the file, nested ones inside the remembered prefix first, and the first match
  wins; otherwise the remembered prefix (``ngx_http_core_module``, "location");
- **what a location does**, with nginx's inheritance: a directive not set in a block comes from the
  enclosing one, and array directives (``proxy_set_header``) are inherited only when the block sets none
  of its own — the classic way a ``location`` loses its ``Upgrade`` header.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

#: Directives that hold a list and are inherited only by a block that sets none of them.
ARRAY_DIRECTIVES: Final = frozenset({"proxy_set_header", "add_header", "proxy_hide_header"})
_NGINX_BLOCK = re.compile(r"^\s*(?:http|server|upstream|location\s+[^{]*|events|stream)\s*\{")
_NGINX_DIRECTIVE = re.compile(r"(?:^|[{;])\s*[a-z_]+(?:\s+[^;{}#]+)?;")


def looks_like_nginx(lines: list[str]) -> bool:
    """Whether a file's non-comment lines are nginx configuration: blocks and ``name args;`` directives."""
    blocks = sum(1 for line in lines if _NGINX_BLOCK.match(line))
    directives = sum(len(_NGINX_DIRECTIVE.findall(line)) for line in lines)
    return blocks >= 1 and directives >= 2


@dataclass(frozen=True)
class Directive:
    """One directive as written: its name, arguments and where."""

    name: str
    args: tuple[str, ...]
    file: str
    line: int

    #: Whether the directive opens a block (``location /x {``).
    block: bool = False

    @property
    def text(self) -> str:
        return " ".join((self.name, *(_quote(a) for a in self.args))) + (" {" if self.block else ";")

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Block:
    """A block's own directives (by name, in order) and its parent, for inherited lookups."""

    directive: Directive | None
    own: dict[str, list[Directive]] = field(default_factory=dict)
    parent: Block | None = None

    def get(self, name: str) -> list[Directive]:
        """The directives in force here: the block's own, else (inherited) the nearest enclosing block's."""
        block: Block | None = self
        while block is not None:
            if name in block.own:
                return block.own[name]
            block = block.parent
        return []

    def headers(self) -> dict[str, Directive]:
        """``proxy_set_header`` in force (lower-case name → directive), as nginx inherits arrays."""
        return {d.args[0].lower(): d for d in self.get("proxy_set_header") if d.args}


@dataclass
class Location(Block):
    modifier: str = ""  # "", "=", "^~", "~", "~*"
    pattern: str = ""
    children: list[Location] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"location {self.modifier + ' ' if self.modifier else ''}{self.pattern}"

    def matches(self, uri: str) -> bool:
        if self.modifier == "=":
            return uri == self.pattern
        if self.modifier in ("~", "~*"):
            try:
                return re.search(self.pattern, uri, re.IGNORECASE if self.modifier == "~*" else 0) is not None
            except re.error:
                return False
        return uri.startswith(self.pattern)


@dataclass
class Server(Block):
    names: tuple[str, ...] = ()
    listens: tuple[str, ...] = ()
    default: bool = False
    locations: list[Location] = field(default_factory=list)


@dataclass
class Upstream:
    name: str
    directive: Directive
    servers: list[Directive] = field(default_factory=list)
    #: Directives that keep a client on one server (ip_hash, hash, sticky).
    affinity: list[Directive] = field(default_factory=list)


@dataclass
class NginxConfig:
    """One nginx configuration (a main file and what it includes)."""

    path: str
    servers: list[Server] = field(default_factory=list)
    upstreams: dict[str, Upstream] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    errors: list[tuple[str, int | None, str]] = field(default_factory=list)
    #: ``log_format`` definitions: name → the format string (its parts joined, ``escape=`` left out).
    log_formats: dict[str, str] = field(default_factory=dict)

    @property
    def locations(self) -> int:
        return sum(_count(s.locations) for s in self.servers)


def _count(locations: list[Location]) -> int:
    return sum(1 + _count(loc.children) for loc in locations)


def load_nginx(text: str, path: str) -> NginxConfig:
    """Parse an nginx configuration with crossplane: the file at ``path`` when it exists (its includes are
    followed from there), else ``text`` (stdin, a file given as text). Parse errors are collected, not raised."""
    import crossplane  # type: ignore[import-untyped]

    where = Path(path)
    if where.is_file():
        payload = crossplane.parse(
            str(where), catch_errors=True, check_ctx=False, check_args=False, comments=False
        )
    else:
        with tempfile.TemporaryDirectory(prefix="wsdiag-nginx-") as tmp:
            staged = Path(tmp) / "nginx.conf"
            staged.write_text(text, encoding="utf-8")
            payload = crossplane.parse(
                str(staged), catch_errors=True, check_ctx=False, check_args=False, comments=False, single=True
            )
            for entry in payload["config"]:
                entry["file"] = path
            for error in payload["errors"]:
                error["file"] = path
    config = NginxConfig(path)
    for entry in payload["config"]:
        config.files.append(entry["file"])
        for error in entry.get("errors", []):
            config.errors.append((entry["file"], error.get("line"), error.get("error", "")))
    parsed = {entry["file"]: entry["parsed"] for entry in payload["config"]}
    main = payload["config"][0]["file"] if payload["config"] else path
    _walk(parsed.get(main, []), main, Block(None), config, parsed)
    return config


def _walk(
    items: list[dict[str, Any]],
    file: str,
    block: Block,
    config: NginxConfig,
    parsed: dict[str, list[dict[str, Any]]],
) -> None:
    """Fill ``block`` (and the config's servers and upstreams) from crossplane's directives."""
    files = list(parsed)
    for item in items:
        d = Directive(
            item["directive"], tuple(item.get("args", [])), file, int(item.get("line", 0)), "block" in item
        )
        if d.name == "include" and "includes" in item:
            for index in item["includes"]:
                if index < len(files):
                    _walk(parsed[files[index]], files[index], block, config, parsed)
            continue
        children = item.get("block")
        if d.name == "log_format" and len(d.args) >= 2:
            parts = [a for a in d.args[1:] if not a.startswith("escape=")]
            config.log_formats[d.args[0]] = "".join(parts)
        if children is None:
            block.own.setdefault(d.name, []).append(d)
        elif d.name == "http":
            _walk(children, file, Block(d, parent=block), config, parsed)
        elif d.name == "server" and not isinstance(block, Location):
            server = Server(d, parent=block)
            _walk(children, file, server, config, parsed)
            server.names = tuple(a for s in server.own.get("server_name", []) for a in s.args)
            server.listens = tuple(s.args[0] for s in server.own.get("listen", []) if s.args)
            server.default = any(
                "default_server" in s.args or "default" in s.args for s in server.own.get("listen", [])
            )
            config.servers.append(server)
        elif d.name == "location" and isinstance(block, (Server, Location)):
            modifier, pattern = _location_args(d.args)
            location = Location(d, parent=block, modifier=modifier, pattern=pattern)
            _walk(children, file, location, config, parsed)
            (block.locations if isinstance(block, Server) else block.children).append(location)
        elif d.name == "upstream" and d.args:
            upstream = Upstream(d.args[0], d)
            for child in children:
                cd = Directive(
                    child["directive"], tuple(child.get("args", [])), file, int(child.get("line", 0))
                )
                if cd.name == "server":
                    upstream.servers.append(cd)
                elif cd.name in ("ip_hash", "hash", "sticky", "sticky_route", "sticky_cookie_insert"):
                    upstream.affinity.append(cd)
            config.upstreams[upstream.name] = upstream
        # events, stream (TCP), map, types, if, limit_except: not where HTTP requests are routed


def _location_args(args: tuple[str, ...]) -> tuple[str, str]:
    if len(args) >= 2 and args[0] in ("=", "~", "~*", "^~"):
        return args[0], args[1]
    if args and args[0].startswith(("=", "~*", "^~", "~")) and len(args) == 1:
        for mod in ("~*", "^~", "=", "~"):
            if args[0].startswith(mod):
                return mod, args[0][len(mod) :]
    if args and args[0].startswith("@"):
        return "@", args[0]
    return "", args[0] if args else ""


def _quote(arg: str) -> str:
    return f'"{arg}"' if (not arg or re.search(r"[\s;{}]", arg)) else arg


# -- what nginx decides ------------------------------------------------------------------------------------


def pick_server(config: NginxConfig, host: str, port: int | None = None) -> Server | None:
    """The server block that answers ``host`` (see the module's docstring), among those on ``port`` if known."""
    servers = [s for s in config.servers if port is None or _listens_on(s, port)] or config.servers
    if not servers:
        return None
    host = host.lower().split(":")[0]
    exact = [s for s in servers if host in (n.lower() for n in s.names)]
    if exact:
        return exact[0]
    best: tuple[int, Server] | None = None
    for s in servers:
        for n in s.names:
            low = n.lower()
            if (low.startswith("*.") and host.endswith(low[1:])) or (
                low.startswith(".") and (host == low[1:] or host.endswith(low))
            ):
                size = len(low)
                if best is None or size > best[0]:
                    best = (size, s)
    if best:
        return best[1]
    for s in servers:
        for n in s.names:
            if n.lower().endswith(".*") and host.startswith(n.lower()[:-1]):
                return s
    for s in servers:
        for n in s.names:
            if n.startswith("~"):
                try:
                    if re.search(n[1:], host):
                        return s
                except re.error:
                    continue
    return next((s for s in servers if s.default), servers[0])


def _listens_on(server: Server, port: int) -> bool:
    if not server.listens:
        return port == 80
    return any(re.search(rf"(?:^|:){port}$", listen) for listen in server.listens)


@dataclass(frozen=True)
class Route:
    """The location that takes a URI, and why the others did not."""

    location: Location | None
    why: str
    passed_over: tuple[str, ...] = ()


def pick_location(server: Server, uri: str) -> Route:
    """The location of ``server`` that takes ``uri`` (path only), by nginx's matching order."""
    return _pick(server.locations, uri)


def _pick(locations: list[Location], uri: str) -> Route:
    for loc in locations:
        if loc.modifier == "=" and loc.matches(uri):
            return Route(loc, f"exact match {loc.label} ({loc.directive.where if loc.directive else ''})")
    prefixes = [loc for loc in locations if loc.modifier in ("", "^~") and loc.matches(uri)]
    longest = max(prefixes, key=lambda loc: len(loc.pattern), default=None)
    shorter = tuple(loc.label for loc in prefixes if loc is not longest)
    if longest is not None and longest.modifier == "^~":
        return Route(longest, f"longest prefix {longest.label} with ^~ (regexes are not tried)", shorter)
    if longest is not None and longest.children:
        nested = _pick(longest.children, uri)
        if nested.location is not None and nested.location.modifier in ("~", "~*", "="):
            return nested
    for loc in locations:
        if loc.modifier in ("~", "~*") and loc.matches(uri):
            over = (*shorter, longest.label) if longest is not None else shorter
            return Route(loc, f"first matching regex {loc.label} in file order (before any prefix)", over)
    if longest is not None:
        return Route(longest, f"longest matching prefix {longest.label}", shorter)
    return Route(None, "no location matches: nginx answers from the server's own settings (usually 404)")


def proxied_upstream(location: Location, config: NginxConfig) -> Upstream | None:
    """The ``upstream {}`` block a location's ``proxy_pass`` names, if it names one."""
    passes = location.get("proxy_pass")
    if not passes or not passes[-1].args:
        return None
    target = re.sub(r"^[a-z]+://", "", passes[-1].args[0]).split("/")[0]
    return config.upstreams.get(target)


def seconds(value: str) -> float | None:
    """An nginx time (``60``, ``60s``, ``1m``, ``1h30m``, ``500ms``) in seconds; None when unreadable."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|[smhdwMy]?)", value.strip())
    if not parts or "".join(n + u for n, u in parts) != value.strip():
        return None
    return sum(int(n) * units.get(u or "s", 1) for n, u in parts)


def size_bytes(value: str) -> int | None:
    """An nginx size (``1m``, ``16k``, ``0``) in bytes; None when unreadable."""
    m = re.fullmatch(r"(\d+)([kKmMgG]?)", value.strip())
    if not m:
        return None
    return int(m.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()]


@dataclass(frozen=True)
class NginxRoute:
    """``--explain URL`` on nginx: the server and location that take the request and what is in force there."""

    url: str
    config: str
    server: str
    location: str | None
    why: str
    passed_over: tuple[str, ...] = ()
    #: What the location does for a WebSocket, one fact a line, each with where it is set (or "default").
    settings: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return f"GET {self.url} → {self.server}, {self.location or 'no location'} ({self.config})"


def explain_nginx(config: NginxConfig, url: str) -> NginxRoute:
    """Which server and location of ``config`` take ``url``, and the WebSocket settings in force there."""
    from urllib.parse import urlsplit

    parts = urlsplit(url if "://" in url else f"http://{url}")
    server = pick_server(config, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
    if server is None:
        return NginxRoute(url, config.path, "no server block", None, "the configuration has no server {}")
    where = server.directive.where if server.directive else "?"
    label = f"server {' '.join(server.names) or '(no server_name)'} ({where})"
    route = pick_location(server, parts.path or "/")
    loc = route.location
    if loc is None:
        return NginxRoute(url, config.path, label, None, route.why)
    settings = []
    passes = loc.get("proxy_pass")
    settings.append(_fact("proxy_pass", passes, "none: nginx serves the request itself"))
    upstream = proxied_upstream(loc, config)
    if upstream is not None:
        affinity = ", ".join(d.text for d in upstream.affinity) or "none (round-robin)"
        settings.append(
            f"upstream {upstream.name} ({upstream.directive.where}): {len(upstream.servers)} server(s), "
            f"affinity {affinity}"
        )
    settings.append(_fact("proxy_http_version", loc.get("proxy_http_version"), "1.0 (default)"))
    headers = loc.headers()
    for name in ("upgrade", "connection"):
        d = headers.get(name)
        settings.append(
            f"{d.text} ({d.where})" if d else f"proxy_set_header {name.title()}: not set (dropped)"
        )
    settings.append(_fact("proxy_read_timeout", loc.get("proxy_read_timeout"), "60s (default)"))
    settings.append(_fact("client_max_body_size", loc.get("client_max_body_size"), "1m (default)"))
    loc_where = loc.directive.where if loc.directive else "?"
    return NginxRoute(
        url, config.path, label, f"{loc.label} ({loc_where})", route.why, route.passed_over, tuple(settings)
    )


def _fact(name: str, found: list[Directive], default: str) -> str:
    if not found:
        return f"{name}: {default}"
    return f"{found[-1].text} ({found[-1].where})"
