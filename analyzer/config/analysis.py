"""Static analysis of Traefik routing: who competes, who overlaps, who wins a request, and what is wrong.

How Traefik decides (``pkg/muxer/http/mux.go``, ``pkg/server/router/router.go``): per entry point, and
separately for TLS and plain HTTP, routes are sorted by priority, highest first, and the first rule that
matches wins. The priority is the router's ``priority`` when set and not 0, else the rule's length in
bytes. Equal priorities have no defined order before Traefik v3.7 (the sort is not stable and routers come
from a Go map, so the order can change on every reload); v3.7 orders them by ``providers.precedence``
between providers only.

Which routers carry WebSockets is a guess, made in this order: the rule's paths (``/socket.io``,
``/engine.io``, ``/ws``, ``/wss``, ``/websocket(s)``, ``/sockjs``, ``/cable``) or an
``Upgrade: websocket`` header condition; only when the rule has no path condition at all, the router's or
its service's name (``ws``, ``socket``, ``socketio``, ``websocket``, ``sio``, ...). A router whose rule
has paths none of which look like WebSocket paths is not a WebSocket router, whatever its name.

Findings come from the checks registered below with :func:`analyzer.config.checks.check` (id, severity,
documentation): ``router-rule-invalid``, ``router-priority-conflict``, ``handshake-wrong-router``,
``router-without-service``, ``router-entrypoint-unknown``, ``service-port-ambiguous``. ``wsdiag rules
list|show`` lists them beside the TOML rules.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from analyzer.config.checks import check, registered
from analyzer.config.loaders import load_configs
from analyzer.config.matching import (
    AllOf,
    AnyOf,
    Atom,
    Expr,
    NoneOf,
    Request,
    TooComplex,
    dnf,
    evaluate,
    overlap,
)
from analyzer.config.model import ConfigSet, Origin, Router, Service
from analyzer.config.nginx import NginxRoute, explain_nginx
from analyzer.config.nginx_checks import socketio_not_proxied
from analyzer.config.rules_grammar import parse_rule
from analyzer.errors import RuleSyntaxError, UsageError
from analyzer.findings import Evidence, Finding, Severity

_WS_PATH: Final = re.compile(
    r"(?:^|/)(?:socket\.io|engine\.io|ws|wss|websockets?|sockjs|cable)(?:/|$)", re.IGNORECASE
)
_SIO_PATH: Final = re.compile(r"(?:socket|engine)\.io", re.IGNORECASE)
_WS_NAME_TOKENS: Final = frozenset(
    {"ws", "wss", "websocket", "websockets", "socket", "sockets", "socketio", "sio", "engineio", "realtime"}
)
_SECURE_NAME: Final = re.compile(r"secure|https|tls|443", re.IGNORECASE)
_SAMPLE_HOST: Final = "example.test"
_SIO_QUERY: Final = (("EIO", "4"), ("transport", "polling"))
_WS_HEADERS: Final = (("upgrade", "websocket"), ("connection", "Upgrade"))
_STEP_DOWN: Final[dict[Severity, Severity]] = {
    "critical": "high",
    "high": "medium",
    "medium": "low",
    "low": "low",
    "info": "info",
}
ANY_ENTRY_POINT: Final = "*"


# -- what a router is ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebSocketGuess:
    """Whether a router carries WebSockets, and why wsdiag thinks so."""

    is_websocket: bool
    reason: str
    #: The WebSocket paths of the rule (Path / PathPrefix values, regexes as written).
    paths: tuple[str, ...] = ()


def websocket_guess(router: Router) -> WebSocketGuess:
    """Guess whether ``router`` is meant for WebSocket / Socket.IO traffic (see the module docs)."""
    atoms = _positive_atoms(router.expr) if router.expr is not None else []
    paths = [a for a in atoms if a.dim == "path"]
    ws_paths = tuple(a.value for a in paths if _WS_PATH.search(a.value) or _SIO_PATH.search(a.value))
    if ws_paths:
        return WebSocketGuess(True, f"its rule matches {ws_paths[0]}", ws_paths)
    upgrade = [a for a in atoms if a.dim == "header:upgrade" and "websocket" in a.value.lower()]
    if upgrade:
        return WebSocketGuess(True, f"its rule requires {upgrade[0].source}")
    if paths:
        return WebSocketGuess(False, "its rule's paths are not WebSocket paths")
    if router.expr is None and _SIO_PATH.search(router.rule):
        return WebSocketGuess(True, "its rule mentions socket.io")
    for label, name in (("name", router.name), ("service", router.service or "")):
        tokens = set(re.split(r"[^a-z0-9]+", name.split("@")[0].lower()))
        if tokens & _WS_NAME_TOKENS:
            return WebSocketGuess(True, f"its {label} {name} suggests WebSockets")
    return WebSocketGuess(False, "nothing in its rule or name suggests WebSockets")


def redirects(router: Router, config: ConfigSet) -> bool:
    """Whether the router only redirects (a ``redirectScheme`` / ``redirectRegex`` middleware, or one named
    so): it takes handshakes on purpose, to send them to the HTTPS entry point."""
    for name in router.middlewares:
        qualified = name if "@" in name else f"{name}@{router.provider}"
        found = next((m for m in config.middlewares if m.qualified == qualified), None)
        if found is not None and found.type.lower() in ("redirectscheme", "redirectregex"):
            return True
        if found is None and "redirect" in name.lower():
            return True
    return False


def _positive_atoms(expr: Expr) -> list[Atom]:
    """Atoms that must or may hold for the rule to match (not under a negation)."""
    if isinstance(expr, Atom):
        return [expr]
    if isinstance(expr, NoneOf):
        return []
    return [a for item in expr.items for a in _positive_atoms(item)]


def built_routers(config: ConfigSet) -> list[Router]:
    """Routers whose rule Traefik accepts (it parses, in the syntax the Traefik version reads)."""
    return [r for r in config.routers if r.expr is not None and _version_problem(r, config) is None]


def live_routers(config: ConfigSet) -> list[Router]:
    """Routers that take requests at runtime: the rule is accepted and the router could be linked to a
    service (the docker provider deletes routers it cannot link)."""
    return [r for r in built_routers(config) if r.service_problem is None]


def _version_problem(router: Router, config: ConfigSet) -> RuleSyntaxError | None:
    """Why the Traefik version seen in the configuration refuses a rule that is valid in the other syntax."""
    if router.parsed is None or router.syntax is not None:
        return None
    major = config.traefik_major
    default = config.default_rule_syntax
    if major == 3 and router.parsed.syntax == "v2" and default != "v2":
        try:
            parse_rule(router.rule, syntax="v3")
        except RuleSyntaxError as exc:
            return RuleSyntaxError(
                f"{exc.args[0]}; the rule is written in v2 syntax and Traefik {config.traefik_version} reads v3",
                position=exc.position,
            )
    if major == 2 and router.parsed.syntax == "v3":
        try:
            parse_rule(router.rule, syntax="v2")
        except RuleSyntaxError as exc:
            return RuleSyntaxError(
                f"{exc.args[0]}; Traefik {config.traefik_version} reads v2 syntax", position=exc.position
            )
    return None


# -- entry points -------------------------------------------------------------------------------------


def entry_point_names(config: ConfigSet) -> list[str]:
    """Entry points known from the static configuration or named by routers (``*`` when none is)."""
    names = list(config.entry_points)
    for router in config.routers:
        names.extend(ep for ep in router.entry_points if ep not in names)
    return names or [ANY_ENTRY_POINT]


def routed_entry_points(config: ConfigSet) -> list[str]:
    """Entry points where routers decide (not those that redirect every request to another one)."""
    return [ep for ep in entry_point_names(config) if not _redirects(config, ep)]


def _redirects(config: ConfigSet, entry_point: str) -> str | None:
    ep = config.entry_points.get(entry_point)
    return ep.redirect_to if ep is not None else None


def listens_on(router: Router, entry_point: str) -> bool:
    """Whether the router takes requests on this entry point (no ``entryPoints`` = all of them)."""
    return not router.entry_points or entry_point in router.entry_points


def tls_mode(router: Router, entry_point: str, config: ConfigSet) -> bool | None:
    """Whether the router serves HTTPS on this entry point: True, False, or None when the static
    configuration is not known (the entry point may enable TLS for all its routers)."""
    if router.tls:
        return True
    ep = config.entry_points.get(entry_point)
    return ep.tls if ep is not None else None


def shared_entry_points(a: Router, b: Router, config: ConfigSet) -> list[str]:
    """Entry points on which ``a`` and ``b`` compete (both listen, and not one TLS and the other not)."""
    shared = []
    for ep in routed_entry_points(config):
        if not (listens_on(a, ep) and listens_on(b, ep)):
            continue
        ta, tb = tls_mode(a, ep, config), tls_mode(b, ep, config)
        if ta is None or tb is None or ta == tb:
            shared.append(ep)
    return shared


def _scheme(router: Router, entry_point: str, config: ConfigSet) -> str:
    mode = tls_mode(router, entry_point, config)
    if mode is not None:
        return "https" if mode else "http"
    ep = config.entry_points.get(entry_point)
    return "https" if (ep and ep.port == 443) or _SECURE_NAME.search(entry_point) else "http"


# -- who wins -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One router considered for a request, in the order Traefik tries them."""

    router: Router
    priority: int
    matched: bool | None
    reason: str


@dataclass(frozen=True)
class Explanation:
    """Which router takes a request on an entry point, and why."""

    request: Request
    entry_point: str
    candidates: tuple[Candidate, ...]
    winner: Router | None
    #: Routers that match with the winning priority when more than one does (the order is undefined).
    tied: tuple[Router, ...] = ()
    #: Routers tried before the winner whose match cannot be told statically (regex, ClientIP).
    uncertain: tuple[Router, ...] = ()
    #: Other entry points that give the same result.
    also_on: tuple[str, ...] = ()
    #: The entry point redirects every request there before any router sees it.
    redirect_to: str | None = None
    #: The request as reports show it (``METHOD URL``; secrets masked by the report when asked).
    shown: str = ""

    def __post_init__(self) -> None:
        if not self.shown:
            object.__setattr__(self, "shown", str(self.request))

    @property
    def verdict(self) -> str:
        """Who takes the request: a router, "undefined: a or b", or no router."""
        if self.redirect_to:
            return f"redirected to entry point {self.redirect_to} before routing"
        if self.tied:
            names = " or ".join(r.qualified for r in self.tied)
            return f"undefined: {names} (equal priority {self.tied[0].priority})"
        if self.winner is None:
            return "no router matches (Traefik answers 404)"
        return f"{self.winner.qualified} ({describe_priority(self.winner)})"

    @property
    def summary(self) -> str:
        """One line: the request and who takes it."""
        return f"{self.request} → {self.verdict}"


def describe_priority(router: Router) -> str:
    """``priority 10 (explicit)`` / ``priority 34 (rule length)``."""
    how = "explicit" if router.explicit_priority else "rule length"
    return f"priority {router.priority}, {how}"


def route(config: ConfigSet, request: Request, entry_point: str) -> Explanation:
    """Decide, as Traefik does, which router takes ``request`` arriving on ``entry_point``."""
    redirect = _redirects(config, entry_point)
    if redirect:
        return Explanation(request, entry_point, (), None, redirect_to=redirect)
    https = request.scheme == "https"
    routers = [
        r
        for r in live_routers(config)
        if listens_on(r, entry_point) and tls_mode(r, entry_point, config) in (None, https)
    ]
    routers.sort(key=lambda r: (-r.priority, r.qualified))
    candidates = []
    for r in routers:
        assert r.expr is not None
        matched = evaluate(r.expr, request)
        candidates.append(Candidate(r, r.priority, matched, _reason(r, r.expr, request, matched)))
    uncertain: list[Router] = []
    for c in candidates:
        if c.matched is True:
            tied = tuple(x.router for x in candidates if x.priority == c.priority and x.matched is True)
            return Explanation(
                request,
                entry_point,
                tuple(candidates),
                None if len(tied) > 1 else c.router,
                tied if len(tied) > 1 else (),
                tuple(uncertain),
            )
        if c.matched is None:
            uncertain.append(c.router)
    return Explanation(request, entry_point, tuple(candidates), None, (), tuple(uncertain))


def _reason(router: Router, expr: Expr, request: Request, matched: bool | None) -> str:
    if matched is True:
        return "matches"
    if matched is None:
        return "cannot be told statically (a regex wsdiag cannot run, or ClientIP without a client address)"
    return _why_not(expr, request) or "does not match"


def _why_not(expr: Expr, request: Request) -> str:
    """The condition that makes ``expr`` false for ``request``, in the rule's own words."""
    if isinstance(expr, Atom):
        return f"{expr.source} does not match"
    if isinstance(expr, NoneOf):
        return "a negated condition (!…) matches"
    if isinstance(expr, AllOf):
        for item in expr.items:
            if evaluate(item, request) is False:
                return _why_not(item, request)
        return ""
    assert isinstance(expr, AnyOf)
    return "none of " + "; ".join(_why_not(item, request) for item in expr.items)


def explain(
    config: ConfigSet,
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    entry_point: str | None = None,
    client_ip: str | None = None,
) -> list[Explanation]:
    """Which router wins the request ``METHOD URL`` and why, per entry point it can arrive on.

    Without ``entry_point``, the entry points are those whose port matches the URL (static configuration),
    else those whose name suits its scheme (``websecure`` for https), else all; entry points with the same
    outcome are merged into one explanation.
    """
    request = Request.from_url(url, method=method, headers=headers, client_ip=client_ip)
    known = entry_point_names(config)
    if entry_point and known != [ANY_ENTRY_POINT] and entry_point not in known:
        raise UsageError(f"unknown entry point {entry_point!r}; known: {', '.join(known)}")
    points = [entry_point] if entry_point else _entry_points_for(config, request)
    out: list[Explanation] = []
    for ep in points:
        result = route(config, request, ep)
        outcome = (result.winner, result.tied, result.redirect_to)
        same = next((e for e in out if (e.winner, e.tied, e.redirect_to) == outcome), None)
        if same is not None:
            out[out.index(same)] = replace(same, also_on=(*same.also_on, ep))
        else:
            out.append(result)
    return out


def _entry_points_for(config: ConfigSet, request: Request) -> list[str]:
    names = entry_point_names(config)
    port = request.port or (443 if request.scheme == "https" else 80)
    by_port = [n for n in names if n in config.entry_points and config.entry_points[n].port == port]
    if by_port:
        return by_port
    secure = [n for n in names if _SECURE_NAME.search(n)]
    plain = [n for n in names if n not in secure]
    chosen = secure if request.scheme == "https" else plain
    return chosen or names


def intended_websocket_router(
    config: ConfigSet, host: str, path: str = "/socket.io/", *, entry_point: str | None = None
) -> Router | None:
    """The WebSocket router meant for ``host`` + ``path``: the highest-priority WebSocket router whose rule
    matches the request, whether or not it wins it. For naming the intended router when logs show another."""
    request = _sio_request(host, path)
    best: Router | None = None
    for r in live_routers(config):
        if entry_point and not listens_on(r, entry_point):
            continue
        if not websocket_guess(r).is_websocket or r.expr is None:
            continue
        for scheme in ("https", "http"):
            if evaluate(r.expr, replace(request, scheme=scheme)) and (
                best is None or r.priority > best.priority
            ):
                best = r
    return best


def _sio_request(host: str, path: str, scheme: str = "https") -> Request:
    query = _SIO_QUERY if _SIO_PATH.search(path) else ()
    headers = () if query else _WS_HEADERS
    return Request(method="GET", scheme=scheme, host=host.lower(), path=path, query=query, headers=headers)


# -- sample requests ----------------------------------------------------------------------------------


def sample_requests(router: Router, config: ConfigSet, entry_point: str) -> list[Request]:
    """Handshake requests the WebSocket router ``router`` is meant for, on each host it can serve there:
    ``GET https://<host>/socket.io/?EIO=4&transport=polling`` for Socket.IO, else a ``GET`` with
    ``Upgrade: websocket``. Empty when no such request matches the router."""
    if router.expr is None:
        return []
    try:
        conjunctions = dnf(router.expr)
    except TooComplex:
        return []
    guess = websocket_guess(router)
    scheme = _scheme(router, entry_point, config)
    out: list[Request] = []
    for conj in conjunctions:
        positive = [a for a, negated in conj if not negated]
        paths = [a for a in positive if a.dim == "path"]
        ws = [a for a in paths if a.value in guess.paths] or paths
        path = _sample_path(ws[0]) if ws else "/socket.io/"
        if path is None:
            continue
        base = _sio_request(_SAMPLE_HOST, path, scheme)
        extra_headers = {
            a.dim.partition(":")[2]: a.value for a in positive if a.dim.startswith("header:") and a.op == "eq"
        }
        extra_query = {
            a.dim.partition(":")[2]: a.value for a in positive if a.dim.startswith("query:") and a.op == "eq"
        }
        methods = [a.value for a in positive if a.dim == "method" and a.op == "eq"]
        base = Request(
            method=methods[0] if methods else "GET",
            scheme=scheme,
            host=_SAMPLE_HOST,
            path=path,
            query=tuple({**dict(base.query), **extra_query}.items()),
            headers=tuple({**dict(base.headers), **extra_headers}.items()),
        )
        for host in _sample_hosts(positive, router, config, entry_point):
            request = replace(base, host=host)
            if evaluate(router.expr, request) is True and request not in out:
                out.append(request)
        if out:
            break
    return out


def _sample_path(atom: Atom) -> str | None:
    if atom.op == "eq":
        return atom.value
    if atom.op == "prefix":
        value = atom.value
        return value + "/" if _SIO_PATH.search(value) and not value.endswith("/") else value
    for candidate in ("/socket.io/", "/ws", "/ws/", "/websocket", "/engine.io/"):
        if evaluate(atom, Request(path=candidate)):
            return candidate
    return None


def _sample_hosts(positive: list[Atom], router: Router, config: ConfigSet, entry_point: str) -> list[str]:
    exact = [a.value for a in positive if a.dim == "host" and a.op == "eq"]
    if exact:
        return exact[:1]
    wild = [a.value for a in positive if a.dim == "host" and a.op == "wildcard"]
    if wild:
        return [f"app.{wild[0]}"]
    # No host of its own: the router is shadowed, if at all, on the hosts other routers claim.
    hosts: list[str] = []
    for other in live_routers(config):
        if other is router or not listens_on(other, entry_point) or other.expr is None:
            continue
        for a in _positive_atoms(other.expr):
            if a.dim == "host" and a.op == "eq" and a.value not in hosts:
                hosts.append(a.value)
    return [*hosts[:20], _SAMPLE_HOST]


# -- findings -----------------------------------------------------------------------------------------


def analyze_config(config: ConfigSet | Iterable[str | os.PathLike[str]]) -> list[Finding]:
    """Every finding of a configuration (a loaded :class:`ConfigSet`, or paths to load), most important first."""
    if not isinstance(config, ConfigSet):
        config = load_configs(config)
    findings: list[Finding] = []
    for registered_check in registered():
        findings.extend(registered_check.run(config))
    return sorted(findings, key=Finding.sort_key)


def router_evidence(config: ConfigSet, *routers: str) -> list[Evidence]:
    """Configuration lines (rule, priority, service) of routers named as Traefik logs them (``api@docker``),
    to add to a finding drawn from logs. Routers not in the configuration are skipped."""
    origins: list[Origin | None] = []
    for name in routers:
        r = config.router(name)
        if r is not None:
            origins += [r.origin, r.priority_origin, r.service_origin]
    return _evidence(*origins)


def _evidence(*origins: Origin | None) -> list[Evidence]:
    seen: list[Origin] = []
    for origin in origins:
        if origin is not None and origin not in seen:
            seen.append(origin)
    return [Evidence(source="config", path=o.path, line=o.line, ts=None, text=o.text) for o in seen]


def priority_fix(router: Router, value: int) -> str:
    """The configuration that sets ``router``'s priority, in its file's own syntax."""
    where = f" ({router.origin})"
    return _setting(router, "priority", str(value)) + where


def _setting(router: Router, key: str, value: str) -> str:
    """Any router setting, phrased like :func:`priority_fix`."""
    if router.format == "docker-compose":
        return code(f"{router.config_key}.{key}={value}")
    quoted = value if value.isdigit() else json.dumps(value)
    if router.format == "traefik-file-toml":
        return f"{code(f'{key} = {quoted}')} in {code(router.config_key)}"
    if router.format == "traefik-file-yaml":
        return f"{code(f'{key}: {quoted}')} under {code(router.config_key)}"
    return f"{code(f'{key}: {quoted}')} on {router.config_key}"


def websocket_priority_fix(config: ConfigSet, websocket: str, rivals: Iterable[str]) -> str | None:
    """The setting that makes the WebSocket router ``websocket`` win over ``rivals`` (routers as Traefik
    logs them), in its file's own syntax and with a value above every rival's; None when one of them is
    not in the configuration, or the WebSocket router already wins by priority."""
    ws = config.router(websocket)
    others = [config.router(name) for name in rivals]
    if ws is None or not others or any(r is None for r in others):
        return None
    found = [r for r in others if r is not None]
    if all(ws.priority > r.priority for r in found):
        return None
    above = ", ".join(f"{r.qualified}'s ({describe_priority(r)})" for r in found)
    return (
        f"Give the WebSocket router {ws.qualified} a priority above {above}: "
        f"{priority_fix(ws, _suggested_priority(*found))}."
    )


def _suggested_priority(*competitors: Router) -> int:
    top = max((r.priority for r in competitors), default=0)
    return 100 if top < 100 else top + 1


def _rule_line(router: Router) -> str:
    return code(router.rule)


def code(text: str) -> str:
    """A Markdown code span that survives backticks inside (rules and labels are full of them)."""
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in re.findall(r"`+", text)) + 1)
    return f"{fence} {text} {fence}"


@check(
    id="router-rule-invalid",
    title="Traefik refuses a router's rule and drops the router",
    severity="critical",
    detects="""
Router rules Traefik cannot parse: a syntax error (an unclosed parenthesis, single quotes instead of
backticks), Traefik v2 syntax on Traefik v3 without `ruleSyntax: v2` (several values in one matcher,
`HostRegexp` with `{name:…}` groups), or v3-only matchers on Traefik v2; a router without any rule. The
finding shows the rule with a caret under the column Traefik stops at.
""",
    why="""
Traefik logs an error for such a router and leaves it out of the routing table: requests it was meant for
fall through to another router or get a 404. When it is the WebSocket router, every Socket.IO handshake
goes to the wrong service.
""",
    false_positives="""
Rules that only wsdiag's grammar does not know (a matcher added in a Traefik release newer than the
grammar) are reported too; the column says where to look.
""",
    remediation="""
Correct the rule at the column shown, in the file's own syntax; on Traefik v3 either declare
`ruleSyntax: v2` or rewrite the rule (one value per matcher, combined with `||`).
""",
    references=(
        "https://doc.traefik.io/traefik/routing/routers/#rule",
        "https://doc.traefik.io/traefik/migration/v2-to-v3/",
    ),
)
def _invalid_rules(config: ConfigSet) -> list[Finding]:
    out = []
    for r in config.routers:
        error = r.error or _version_problem(r, config)
        if error is None:
            continue
        ws = websocket_guess(r).is_websocket or bool(_SIO_PATH.search(r.rule))
        if r.rule:
            shown = re.sub(r"\s", " ", r.rule)  # one line, same offsets, so the caret points right
            detail = (
                f"{error.args[0]} (column {error.column}):\n\n    {shown}\n    {' ' * error.position}^\n\n"
            )
        else:
            detail = f"{error.args[0]}.\n\n"
        explanation = (
            f"Traefik refuses router {r.qualified} ({r.origin}): {detail}"
            "Traefik logs an error and drops the router, so the requests it was meant for fall through to "
            "another router (or get a 404)."
        )
        if ws:
            explanation += (
                " It is the WebSocket / Socket.IO router, so handshakes never reach the WebSocket service."
            )
        out.append(
            Finding(
                rule="router-rule-invalid",
                title=f"Rule of router {r.qualified} does not parse"
                + (f" (column {error.column})" if r.rule else " (no rule)"),
                severity="critical" if ws else "high",
                count=1,
                explanation=explanation,
                remediation=_rule_fix(r, error),
                keys={"router": r.qualified},
                evidence=_evidence(r.origin),
                tags=["config"],
            )
        )
    return out


def _rule_fix(router: Router, error: RuleSyntaxError) -> str:
    message = str(error.args[0])
    if not router.rule:
        return f"Give the router a rule, e.g. {_setting(router, 'rule', 'Host(`example.com`)')}."
    if "single quotes" in message:
        fixed = re.sub(r"'([^']*)'", r"`\1`", router.rule)
        return f"Quote values with backticks: {_setting(router, 'rule', fixed)}."
    if "v2 syntax" in message or "v2 matcher" in message:
        return (
            f"Declare the syntax ({_setting(router, 'ruleSyntax', 'v2')}) or rewrite the rule in v3 syntax: one "
            "value per matcher, combined with ||, and HostRegexp/PathRegexp with plain regexes "
            "(docs: migrate/v2-to-v3-details, Router Rule Matchers)."
        )
    if "reads v2" in message:
        return "Rewrite the rule in v2 syntax (PathRegexp, Header, QueryRegexp do not exist in Traefik v2) or upgrade Traefik."
    return f"Correct the rule at column {error.column} ({router.origin})."


@check(
    id="router-priority-conflict",
    title="Two routers overlap on the same requests with the same priority",
    severity="critical",
    detects="""
Pairs of routers on a shared entry point (and the same TLS mode) whose rules overlap — some request
matches both — with equal priority (explicit, or the byte length of the rule). Critical when one of them
carries WebSockets, medium otherwise; one step lower when the overlap is only possible (regexes); low when
both send their traffic to the same service.
""",
    why="""
Traefik sorts routes by priority only (`pkg/muxer/http/mux.go`); equal priorities have no defined order
before v3.7, and the order can change at every configuration reload. The same request then goes sometimes
to one service and sometimes to the other.
""",
    false_positives="""
Two routers that both lead to working Socket.IO servers (blue/green) conflict harmlessly; same-service
pairs are reported at low.
""",
    remediation="""
Give the router that must win an explicit priority above the other's (the finding names the setting in
the file's own syntax and a value above every competitor), or make the rules disjoint.
""",
    references=("https://doc.traefik.io/traefik/routing/routers/#priority",),
)
def _conflicts(config: ConfigSet) -> list[Finding]:
    routers = live_routers(config)
    out = []
    for i, a in enumerate(routers):
        for b in routers[i + 1 :]:
            if a.priority != b.priority or a.qualified == b.qualified:
                continue
            shared = shared_entry_points(a, b, config)
            if not shared:
                continue
            assert a.expr is not None and b.expr is not None
            ws_a, ws_b = websocket_guess(a), websocket_guess(b)
            sample = _conflict_sample(a, b, config, shared[0])
            result = overlap(a.expr, b.expr, base=sample)
            if result.status == "no":
                continue
            if sample is None or not (evaluate(a.expr, sample) and evaluate(b.expr, sample)):
                sample = result.witness
            out.append(_conflict_finding(config, a, b, ws_a, ws_b, shared, sample, result.status))
    return out


def _conflict_sample(a: Router, b: Router, config: ConfigSet, ep: str) -> Request | None:
    """A request both routers match, the WebSocket handshake when one of them carries WebSockets."""
    for ws, other in ((a, b), (b, a)):
        if not websocket_guess(ws).is_websocket or other.expr is None:
            continue
        for request in sample_requests(ws, config, ep):
            if evaluate(other.expr, request):
                return request
    return None


def _conflict_finding(
    config: ConfigSet,
    a: Router,
    b: Router,
    ws_a: WebSocketGuess,
    ws_b: WebSocketGuess,
    shared: list[str],
    sample: Request | None,
    status: str,
) -> Finding:
    ws, other = (a, b) if ws_a.is_websocket and not ws_b.is_websocket else (b, a)
    any_ws = ws_a.is_websocket or ws_b.is_websocket
    same_service = a.service_qualified is not None and a.service_qualified == b.service_qualified
    severity: Severity = "critical" if any_ws else "medium"
    if status == "maybe":
        severity = _STEP_DOWN[severity]
    if same_service:
        severity = "low"
    eps = ", ".join(shared) if shared != [ANY_ENTRY_POINT] else "every entry point"
    host = sample.host if sample else None
    overlap_text = (
        f"both match requests such as {code(str(sample))}"
        if sample and status == "yes"
        else "may match the same requests (their rules use regexes wsdiag cannot compare exactly)"
    )
    explanation = (
        f"Routers {a.qualified} (rule {_rule_line(a)}, {describe_priority(a)}) and {b.qualified} "
        f"(rule {_rule_line(b)}, {describe_priority(b)}) both take requests on {eps} and {overlap_text}. "
        "With equal priority the order between them is undefined: Traefik sorts routes by priority only, "
        "and ties can change on every configuration reload (Traefik v3.7+ orders ties by "
        "providers.precedence, between providers only)."
    )
    if any_ws and not same_service:
        guess = ws_a if ws is a else ws_b
        explanation += (
            f" {ws.qualified} is the WebSocket / Socket.IO router ({guess.reason}); when {other.qualified} "
            f"wins, handshakes reach service {other.service_qualified or '(none)'}, which does not serve them: "
            "Socket.IO clients fail or fall back to long-polling, intermittently."
        )
    if same_service:
        explanation += (
            f" Both send traffic to {a.service_qualified}, so today the order does not change the backend."
        )
    if sample is not None:
        explanation += f"\n\nWinner for {code(str(sample))}: undefined — {a.qualified} or {b.qualified}."
    remediation = _conflict_fix(ws if any_ws else a, other if any_ws else b, any_ws)
    keys = {
        "router": ws.qualified,
        "other": other.qualified,
        "priority": str(a.priority),
        "winner": "undefined",
    }
    if host:
        keys["host"] = host
    title_where = f" on {host}" if host else ""
    return Finding(
        rule="router-priority-conflict",
        title=f"Routers {ws.qualified} and {other.qualified} overlap{title_where} with equal priority {a.priority}",
        severity=severity,
        count=1,
        explanation=explanation,
        remediation=remediation,
        keys=keys,
        evidence=_evidence(ws.origin, ws.priority_origin, other.origin, other.priority_origin),
        tags=["config"],
    )


def _conflict_fix(first: Router, second: Router, ws: bool) -> str:
    value = _suggested_priority(second)
    if ws:
        text = f"Give the WebSocket router the higher priority: {priority_fix(first, value)}."
    else:
        text = (
            f"Decide which router must win and give it the higher priority, e.g. {priority_fix(first, value)}, "
            "or make the rules disjoint."
        )
    if first.explicit_priority and second.explicit_priority:
        la, lb = len(first.rule.encode()), len(second.rule.encode())
        if la > lb:
            text += (
                f" Alternatively remove both explicit priorities: by rule length {first.name} ({la}) "
                f"then wins over {second.name} ({lb})."
            )
    return text


@check(
    id="handshake-wrong-router",
    title="A higher-priority router takes the WebSocket router's handshakes",
    severity="critical",
    detects="""
WebSocket / Socket.IO routers whose own handshake requests (`GET /socket.io/?EIO=4&transport=polling`
on their hosts) are won by another router of higher priority that does not serve WebSockets, typically a
catch-all `Host(…)` router with a longer rule or an explicit priority. On nginx: the location that takes
the handshake (nginx's matching order) answers it itself — an SPA's `try_files`, a `root`, a `return` —
in a server that proxies other paths.
""",
    why="""
Traefik tries routers from the highest priority down and takes the first match: the handshake reaches the
REST or SPA service, which answers 404 or 200 with HTML, and the client never gets a session.
""",
    false_positives="""
Redirect routers (HTTP → HTTPS) and routers that lead to the same service are not counted.
""",
    remediation="""
Raise the WebSocket router's priority above the winner's (the finding gives the value and the setting), or
exclude the Socket.IO path from the catch-all with `&& !PathPrefix(`/socket.io`)`.
""",
    references=("https://doc.traefik.io/traefik/routing/routers/#priority",),
)
def _shadowed_websockets(config: ConfigSet) -> list[Finding]:
    routers = live_routers(config)
    hits: dict[tuple[str, str], list[tuple[str, Explanation]]] = {}
    by_name = {r.qualified: r for r in routers}
    for ws in routers:
        if not websocket_guess(ws).is_websocket:
            continue
        for ep in routed_entry_points(config):
            if not listens_on(ws, ep):
                continue
            for request in sample_requests(ws, config, ep):
                result = route(config, request, ep)
                winner = result.winner
                if winner is None or winner is ws or winner.priority <= ws.priority:
                    continue
                if (
                    websocket_guess(winner).is_websocket
                    or (
                        winner.service_qualified is not None
                        and winner.service_qualified == ws.service_qualified
                    )
                    or redirects(winner, config)
                ):
                    continue
                hits.setdefault((ws.qualified, winner.qualified), []).append((ep, result))
    out = []
    for (ws_name, winner_name), results in hits.items():
        out.append(_shadow_finding(by_name[ws_name], by_name[winner_name], results, routers))
    # nginx: the location that takes the handshake serves it itself (a static SPA fallback)
    return out + socketio_not_proxied(config)


def _shadow_finding(
    ws: Router, winner: Router, results: list[tuple[str, Explanation]], routers: list[Router]
) -> Finding:
    eps = sorted({ep for ep, _ in results})
    requests = []
    for _, e in results:
        if e.request not in requests:
            requests.append(e.request)
    sample = requests[0]
    guess = websocket_guess(ws)
    ws_path = guess.paths[0] if guess.paths else sample.path
    ep_text = ", ".join(eps) if eps != [ANY_ENTRY_POINT] else "every entry point"
    hosts = ", ".join(dict.fromkeys(r.host for r in requests))
    explanation = (
        f"{ws.qualified} is the WebSocket / Socket.IO router ({guess.reason}; rule {_rule_line(ws)}, "
        f"{describe_priority(ws)}), but {winner.qualified} (rule {_rule_line(winner)}, "
        f"{describe_priority(winner)}) matches the same handshakes on {ep_text} and is tried first.\n\n"
        f"Winner for {code(str(sample))}: {winner.qualified}, not {ws.qualified}. "
        f"Handshakes go to service {winner.service_qualified or '(none)'}, which does not serve WebSockets "
        "(typically the SPA or REST server answering 200/404 to /socket.io, or a 502 on the wrong port)."
    )
    if len(requests) > 1:
        explanation += f" Affected hosts: {hosts}."
    shadowing = [
        r
        for r in routers
        if r is not ws and r.priority > ws.priority and any(r is e.winner for _, e in results)
    ]
    value = _suggested_priority(*shadowing, winner)
    remediation = f"Give the WebSocket router a priority above {winner.qualified}'s {winner.priority}: {priority_fix(ws, value)}."
    if "Path" not in winner.rule and winner.parsed is not None:
        remediation += (
            f" Or keep the handshake away from the catch-all: "
            f"{_setting(winner, 'rule', f'{winner.rule} && !PathPrefix(`{ws_path}`)')}."
        )
    return Finding(
        rule="handshake-wrong-router",
        title=f"Socket.IO / WebSocket handshakes on {hosts} go to {winner.qualified}, not {ws.qualified}",
        severity="critical",
        count=1,
        explanation=explanation,
        remediation=remediation,
        keys={"host": sample.host, "path": sample.path, "router": ws.qualified, "winner": winner.qualified},
        evidence=_evidence(ws.origin, ws.priority_origin, winner.origin, winner.priority_origin),
        tags=["config"],
    )


@check(
    id="router-without-service",
    title="A router has no service Traefik can use",
    severity="critical",
    detects="""
Routers with no service, a service that is not defined in the files given (for providers whose files were
read), a service Traefik cannot link (several services on one container without `service=`), or a file
provider load balancer without servers. Critical for a WebSocket router, high otherwise.
""",
    why="""
Traefik logs an error and the router serves nothing (or answers 503 when the service has no server):
requests fall to another router or fail.
""",
    false_positives="""
Services defined in files wsdiag was not given (another provider, a file outside the folder) look missing.
""",
    remediation="""
Name the service on the router (the finding lists the container's services) or define it; give an empty
load balancer its `servers`.
""",
    references=("https://doc.traefik.io/traefik/routing/services/",),
)
def _missing_services(config: ConfigSet) -> list[Finding]:
    out = []
    providers = config.providers
    for r in built_routers(config):
        problem: str | None = None
        service: Service | None = None
        if r.service_problem:
            problem = f"Traefik cannot link it to a service: {r.service_problem}"
        elif r.service is None:
            problem = "it has no service"
        else:
            qualified = r.service_qualified or ""
            provider = qualified.rpartition("@")[2]
            if provider == "internal" or provider not in providers:
                continue
            service = config.service(qualified)
            if service is None:
                problem = f"its service {qualified} is not defined in the files given"
            elif service.kind == "loadBalancer" and service.provider == "file" and not service.servers:
                problem = f"its service {qualified} has no servers (Traefik answers 503)"
        if problem is None:
            continue
        out.append(_service_finding(r, problem, service, config))
    return out


def _service_finding(r: Router, problem: str, service: Service | None, config: ConfigSet) -> Finding:
    ws = websocket_guess(r).is_websocket
    explanation = (
        f"Router {r.qualified} (rule {_rule_line(r)}) has no reachable service: {problem}. "
        "Traefik logs an error for it; requests it should take get a 404 or 503, or go to another router."
    )
    if ws:
        explanation += " It is the WebSocket / Socket.IO router, so handshakes cannot succeed."
    candidates = [
        s.name
        for s in config.services
        if s.provider == r.provider and (r.owner is None or s.owner == r.owner)
    ]
    if service is not None and not service.servers:
        remediation = (
            f"Give service {service.name} a server: `url` under "
            f"{code(service.config_key + '.loadBalancer.servers')} ({service.origin})."
        )
    elif candidates and r.format == "docker-compose":
        remediation = f"Name the service on the router: {_setting(r, 'service', candidates[0])} (services of this container: {', '.join(candidates)})."
    else:
        remediation = f"Define the service, or point the router at an existing one: {_setting(r, 'service', '<service>')}."
    return Finding(
        rule="router-without-service",
        title=f"Router {r.qualified} has no reachable service",
        severity="critical" if ws else "high",
        count=1,
        explanation=explanation,
        remediation=remediation,
        keys={"router": r.qualified, **({"service": r.service_qualified} if r.service_qualified else {})},
        evidence=_evidence(r.origin, r.service_origin, service.origin if service else None),
        tags=["config"],
    )


@check(
    id="router-entrypoint-unknown",
    title="A router names an entry point the static configuration does not define",
    severity="critical",
    detects="""
Routers whose `entryPoints` list a name the static configuration (when it was given) does not define:
critical for a WebSocket router that is left with none, high for another, medium when a defined entry
point remains.
""",
    why="""
Traefik logs an error and the router takes no request on the missing entry point; with none left it
serves nothing at all.
""",
    false_positives="""
Entry points set on Traefik's command line instead of its static file are unknown to wsdiag.
""",
    remediation="""
Name a defined entry point (the finding suggests the one whose name differs by a typo).
""",
    references=("https://doc.traefik.io/traefik/routing/entrypoints/",),
)
def _unknown_entry_points(config: ConfigSet) -> list[Finding]:
    """Routers naming an entry point the static configuration does not define (only when it is known)."""
    known = list(config.entry_points)
    if not known:
        return []
    out = []
    for r in built_routers(config):
        missing = [ep for ep in r.entry_points if ep not in known]
        if not missing:
            continue
        ws = websocket_guess(r).is_websocket
        left = [ep for ep in r.entry_points if ep in known]
        explanation = (
            f"Router {r.qualified} (rule {_rule_line(r)}) names entry point{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}, which the static configuration does not define (defined: {', '.join(known)}). "
            "Traefik logs an error and the router takes no request there"
            + (f"; it still serves {', '.join(left)}." if left else ", so it serves nothing.")
        )
        if ws and not left:
            explanation += (
                " It is the WebSocket / Socket.IO router, so handshakes go to another router or get a 404."
            )
        close = [k for k in known if k.lower() == missing[0].lower() or _one_edit(k, missing[0])]
        fix = ",".join([*left, close[0]] if close else [*left, *known[:1]])
        out.append(
            Finding(
                rule="router-entrypoint-unknown",
                title=f"Router {r.qualified} uses undefined entry point {missing[0]}",
                severity=("critical" if ws else "high") if not left else "medium",
                count=1,
                explanation=explanation,
                remediation=f"Name a defined entry point: {_setting(r, 'entrypoints', fix)}.",
                keys={"router": r.qualified, "entry_point": missing[0]},
                evidence=_evidence(r.origin, *(ep.origin for ep in config.entry_points.values())),
                tags=["config"],
            )
        )
    return out


def _one_edit(a: str, b: str) -> bool:
    """Whether two names differ by one typo (a letter added, dropped, changed or two swapped)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@check(
    id="service-port-ambiguous",
    title="A Docker service sets no port and its container exposes several",
    severity="medium",
    detects="""
Docker / Swarm services without `loadbalancer.server.port` whose container exposes two ports or more,
used by a router.
""",
    why="""
Traefik then sends traffic to the lowest exposed port, which may not be the one the application (or its
Socket.IO server) listens on: every request gets a 502.
""",
    false_positives="""
A container whose lowest exposed port is the right one works; the finding stays medium.
""",
    remediation="""
Set `traefik.http.services.<svc>.loadbalancer.server.port` to the application's port.
""",
    references=("https://doc.traefik.io/traefik/routing/providers/docker/#port",),
)
def _ambiguous_ports(config: ConfigSet) -> list[Finding]:
    out = []
    routers = live_routers(config)
    for s in config.services:
        if s.provider not in ("docker", "swarm") or s.port is not None or len(s.exposed_ports) < 2:
            continue
        users = [r for r in routers if r.service_qualified == s.qualified]
        if not users:
            continue
        lowest = min(s.exposed_ports)
        ports = ", ".join(map(str, s.exposed_ports))
        ws_users = [r for r in users if websocket_guess(r).is_websocket]
        explanation = (
            f"Service {s.qualified} (container {s.owner}) sets no `loadbalancer.server.port` and the container "
            f"exposes ports {ports}. Traefik then sends traffic to the lowest exposed port, {lowest}, which may "
            f"not be the one the application listens on (a 502 for every request of "
            f"{', '.join(r.qualified for r in users)})."
        )
        if ws_users:
            explanation += f" {ws_users[0].qualified} carries WebSockets through it."
        out.append(
            Finding(
                rule="service-port-ambiguous",
                title=f"Service {s.qualified} has no port and its container exposes {ports}",
                severity="medium",
                count=1,
                explanation=explanation,
                remediation=(
                    f"Set the port explicitly: `traefik.http.services.{s.name}.loadbalancer.server.port=<port>` "
                    f"(one of {ports}) on {s.owner}."
                ),
                keys={"service": s.qualified, "router": users[0].qualified, "ports": ports},
                evidence=_evidence(s.origin, *(r.origin for r in users)),
                tags=["config"],
            )
        )
    return out


# -- what a change of configuration did -----------------------------------------------------------------

#: A file named like ``dynamic.before.yml`` / ``traefik-old.toml`` is the previous version of the file
#: without that word beside it.
_PREVIOUS: Final = re.compile(r"[._-](?:before|old|orig|prev|previous|bak|backup)(?=[._-]|$)", re.IGNORECASE)


def previous_versions(paths: Iterable[str]) -> dict[str, str]:
    """Pairs of configuration files where one is the previous version of the other: ``{before: after}``."""
    by_folder_name: dict[tuple[str, str], str] = {}
    listed = [str(p) for p in paths]
    for path in listed:
        folder, _, name = path.rpartition("/")
        by_folder_name[(folder, name)] = path
    pairs = {}
    for path in listed:
        folder, _, name = path.rpartition("/")
        stem, dot, ext = name.rpartition(".")
        current = _PREVIOUS.sub("", stem if dot else name)
        if current != (stem if dot else name):
            after = by_folder_name.get((folder, f"{current}.{ext}" if dot else current))
            if after is not None:
                pairs[path] = after
    return pairs


def _priority_words(router: Router) -> str:
    return f"{router.priority} ({'explicit' if router.explicit_priority else 'rule length'})"


def router_table_changes(before: ConfigSet, after: ConfigSet) -> list[str]:
    """How the routing table differs between two versions of a configuration: routers added or removed,
    rule, priority, service, entry points, middlewares or TLS changed; services whose servers changed."""
    out: list[str] = []
    old = {r.qualified: r for r in before.routers}
    new = {r.qualified: r for r in after.routers}
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a is None:
            out.append(f"router {name} added")
            continue
        if b is None:
            out.append(f"router {name} removed")
            continue
        fields = (
            ("rule", a.rule, b.rule),
            ("priority", _priority_words(a), _priority_words(b)),
            ("service", a.service_qualified, b.service_qualified),
            ("entry points", ", ".join(a.entry_points), ", ".join(b.entry_points)),
            ("middlewares", ", ".join(a.middlewares), ", ".join(b.middlewares)),
            ("tls", a.tls, b.tls),
        )
        changed = [f"{what} {x or '(none)'} → {y or '(none)'}" for what, x, y in fields if x != y]
        if changed:
            out.append(f"router {name}: " + "; ".join(changed))
    old_services = {s.qualified: s for s in before.services}
    new_services = {s.qualified: s for s in after.services}
    for name in sorted(set(old_services) & set(new_services)):
        x, y = old_services[name].servers, new_services[name].servers
        if x != y:
            out.append(f"service {name}: servers {', '.join(x) or '(none)'} → {', '.join(y) or '(none)'}")
    return out


# -- the one call of `wsdiag check-config` ------------------------------------------------------------


@dataclass
class ConfigCheck:
    """What ``wsdiag check-config`` reports: the configuration, its findings and the explained requests."""

    config: ConfigSet
    findings: list[Finding]
    explanations: list[Explanation] = field(default_factory=list)
    #: ``--explain`` on nginx configurations: the server and location each URL reaches.
    nginx_routes: list[NginxRoute] = field(default_factory=list)


def check_config(
    paths: Iterable[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    env_file: str | os.PathLike[str] | None = None,
    explain_urls: Iterable[str] = (),
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    entry_point: str | None = None,
    client_ip: str | None = None,
) -> ConfigCheck:
    """Load the configuration files, analyze them, and explain the given requests."""
    config = load_configs(paths, env=env, env_file=env_file)
    findings = analyze_config(config) if config.readable else []
    urls = list(explain_urls)
    traefik = bool(config.routers) or not config.nginx
    explanations = [
        e
        for url in (urls if traefik else [])
        for e in explain(
            config, url, method=method, headers=headers, entry_point=entry_point, client_ip=client_ip
        )
    ]
    routes = [explain_nginx(n, url) for url in urls for n in config.nginx]
    return ConfigCheck(config, findings, explanations, routes)


# -- the router table ---------------------------------------------------------------------------------


def router_record(router: Router, config: ConfigSet) -> dict[str, object]:
    """One router as plain values: the ``attrs`` of its ``router_config`` event and a row of the JSON report."""
    guess = websocket_guess(router)
    atoms = _positive_atoms(router.expr) if router.expr is not None else []
    error = router.error or _version_problem(router, config)
    record: dict[str, object] = {
        "router": router.qualified,
        "provider": router.provider,
        "rule": router.rule,
        "priority": router.priority,
        "explicit_priority": router.explicit_priority,
        "entry_points": list(router.entry_points),
        "service": router.service_qualified,
        "middlewares": list(router.middlewares),
        "tls": router.tls,
        "syntax": router.parsed.syntax if router.parsed else router.syntax,
        "default_rule": router.default_rule,
        "is_websocket": guess.is_websocket,
        "websocket_reason": guess.reason,
        "host": next((a.value for a in atoms if a.dim == "host" and a.op == "eq"), None),
        "path": next((a.value for a in atoms if a.dim == "path" and a.op in ("eq", "prefix")), None),
        "file": router.origin.path,
        "line": router.origin.line,
    }
    if error is not None:
        record["error"] = str(error.args[0])
        record["error_column"] = error.column
    if router.service_problem:
        record["service_problem"] = router.service_problem
    return record
