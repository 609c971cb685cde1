"""What a parsed rule matches: evaluation against one request, and whether two rules can match the same one.

A rule tree is first lowered to *atoms*, one condition on one part of the request (host, path, method, a
header, a query parameter, the client IP), with the semantics of the syntax the rule is written in:

* v3 (``pkg/muxer/http/matcher.go``): ``Host`` is exact and case-insensitive (v3.7 adds ``*.example.com``
  and ``*``), ``HostRegexp``/``PathRegexp``/``HeaderRegexp`` are *unanchored* Go regexps (``HostRegexp``
  sees the Host header, port included), ``Path`` is equality, ``PathPrefix`` a plain string prefix
  (``/api`` matches ``/apifoo``), ``Query(k)`` matches ``?k`` / ``?k=``.
* v2 (``pkg/rules/rules.go``): matchers take lists (any value matches, but all ``Query`` pairs must),
  and ``{name:regex}`` templates in ``HostRegexp``/``Path``/``PathPrefix``/``Query`` are anchored
  gorilla/mux patterns.

Regexes are run with Python's ``re``, which agrees with Go's RE2 on the patterns routers use; a pattern
Python cannot compile evaluates to "unknown" rather than to a guess.

Overlap of two rules is decided on their disjunctive normal forms: two conjunctions overlap when every
part of the request can satisfy both sides' conditions on it at once. Each part is checked by trying the
values the conditions mention plus fresh ones (exact for hosts, paths, methods, headers and queries);
when only a regex could decide, the answer is "maybe".
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from typing import Final, Literal
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from analyzer.config.rules_grammar import And, Matcher, Node, Not, Rule
from analyzer.errors import UsageError

Op = Literal["eq", "wildcard", "any", "prefix", "regex", "present", "cidr"]
Overlap = Literal["yes", "maybe", "no"]

#: Above this many conjunctions a rule is not expanded; its overlaps are reported as "maybe".
MAX_CONJUNCTIONS: Final = 256
_FRESH_HOST: Final = "wsdiag-other.invalid"
_FRESH: Final = "wsdiag"


@dataclass(frozen=True)
class Request:
    """The parts of an HTTP request a router rule can look at."""

    method: str = "GET"
    scheme: str = "http"
    host: str = "example.test"
    port: int | None = None
    path: str = "/"
    query: tuple[tuple[str, str], ...] = ()
    #: Header names in lower case.
    headers: tuple[tuple[str, str], ...] = ()
    client_ip: str | None = None

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        client_ip: str | None = None,
    ) -> Request:
        """Build a request from an absolute URL (``https://api.example.test/socket.io/?EIO=4``)."""
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ("http", "https", "ws", "wss") or not parts.hostname:
            raise UsageError(f"expected an absolute http(s) or ws(s) URL, got {url!r}")
        try:
            port = parts.port
        except ValueError as exc:
            raise UsageError(f"bad port in URL {url!r}") from exc
        scheme = {"ws": "http", "wss": "https"}.get(parts.scheme.lower(), parts.scheme.lower())
        hdrs = tuple((k.strip().lower(), v.strip()) for k, v in (headers or {}).items())
        if parts.scheme.lower() in ("ws", "wss") and not any(k == "upgrade" for k, _ in hdrs):
            hdrs += (("upgrade", "websocket"), ("connection", "Upgrade"))
        return cls(
            method=method.upper(),
            scheme=scheme,
            host=parts.hostname.lower().rstrip("."),
            port=port,
            path=unquote(parts.path) or "/",
            query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
            headers=hdrs,
            client_ip=client_ip,
        )

    @property
    def host_header(self) -> str:
        """The Host header as sent: host and, when not the default, the port."""
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The request as a URL, for people to read."""
        query = urlencode(self.query, safe="/:,") if self.query else ""
        return f"{self.scheme}://{self.host_header}{quote(self.path, safe='/:@!$&()*+,;=-._~')}" + (
            f"?{query}" if query else ""
        )

    def __str__(self) -> str:
        return f"{self.method} {self.url}"

    def header_values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    def query_values(self, name: str) -> list[str] | None:
        values = [v for k, v in self.query if k == name]
        return values if values or any(k == name for k, _ in self.query) else None


@dataclass(frozen=True)
class Atom:
    """One condition on one part of a request. ``dim`` is ``host``, ``path``, ``method``, ``clientip``,
    ``header:<lower-case name>`` or ``query:<name>``; ``source`` is the matcher text it came from."""

    dim: str
    op: Op
    value: str
    source: str
    #: For host regexes: v3 ``HostRegexp`` sees the Host header with its port.
    with_port: bool = False

    @property
    def is_regex(self) -> bool:
        return self.op == "regex"


@dataclass(frozen=True)
class AllOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class NoneOf:
    """Negation of one expression."""

    item: Expr


Expr = Atom | AllOf | AnyOf | NoneOf
Lit = tuple[Atom, bool]  # (atom, negated)


def lower(rule: Rule) -> Expr:
    """The rule as a tree of atoms, with the semantics of its syntax."""
    return _lower(rule.tree, rule)


def _lower(node: Node, rule: Rule) -> Expr:
    if isinstance(node, Matcher):
        return _matcher(node, rule)
    if isinstance(node, Not):
        return NoneOf(_lower(node.operand, rule))
    items = tuple(_lower(op, rule) for op in node.operands)
    return AllOf(items) if isinstance(node, And) else AnyOf(items)


def _matcher(m: Matcher, rule: Rule) -> Expr:
    src = rule.source(m)
    v2 = rule.syntax == "v2"
    name = m.name
    if name in ("Host", "HostHeader"):
        return _any([_host_atom(v, src, v2) for v in m.args])
    if name == "HostRegexp":
        if v2:
            return _any([Atom("host", "regex", _template(v, host=True) + "$", src) for v in m.args])
        return Atom("host", "regex", m.args[0], src, with_port=True)
    if name in ("Path", "PathPrefix"):
        atoms = []
        for v in m.args:
            if v2 and "{" in v:
                atoms.append(
                    Atom("path", "regex", _template(v, host=False) + ("$" if name == "Path" else ""), src)
                )
            else:
                atoms.append(Atom("path", "eq" if name == "Path" else "prefix", v, src))
        return _any(atoms)
    if name == "PathRegexp":
        return Atom("path", "regex", m.args[0], src)
    if name == "Method":
        return _any([Atom("method", "eq", v.upper(), src) for v in m.args])
    if name in ("Header", "Headers"):
        key, value = m.args
        return Atom(f"header:{key.lower()}", "eq" if value else "present", value, src)
    if name in ("HeaderRegexp", "HeadersRegexp"):
        key, value = m.args
        return Atom(f"header:{key.lower()}", "regex", value, src)
    if name == "Query":
        if v2:
            return _all([_v2_query(v, src) for v in m.args])
        return Atom(f"query:{m.args[0]}", "eq", m.args[1] if len(m.args) == 2 else "", src)
    if name == "QueryRegexp":
        if len(m.args) == 1:
            return Atom(f"query:{m.args[0]}", "eq", "", src)
        return Atom(f"query:{m.args[0]}", "regex", m.args[1], src)
    if name == "ClientIP":
        return _any([Atom("clientip", "cidr", v, src) for v in m.args])
    raise AssertionError(f"matcher {name} has no semantics")  # the grammar admits no other name


def _any(items: list[Atom]) -> Expr:
    return items[0] if len(items) == 1 else AnyOf(tuple(items))


def _all(items: list[Atom]) -> Expr:
    return items[0] if len(items) == 1 else AllOf(tuple(items))


def _host_atom(value: str, src: str, v2: bool) -> Atom:
    host = value.lower().rstrip(".")
    if not v2 and host == "*":
        return Atom("host", "any", host, src)
    if not v2 and host.startswith("*."):
        return Atom("host", "wildcard", host[2:], src)
    return Atom("host", "eq", host, src)


def _v2_query(value: str, src: str) -> Atom:
    key, sep, wanted = value.partition("=")
    if not sep:
        return Atom(f"query:{key}", "present", "", src)
    if "{" in wanted:
        return Atom(f"query:{key}", "regex", _template(wanted, host=False, default=".*") + "$", src)
    return Atom(f"query:{key}", "eq", wanted, src)


def _template(tpl: str, *, host: bool, default: str | None = None) -> str:
    """A gorilla/mux template (``{sub:[a-z]+}.example.com``) as an anchored regex (without the final ``$``)."""
    default = default or ("[^.]+" if host else "[^/]+")
    out = ["^"]
    i = 0
    while i < len(tpl):
        if tpl[i] != "{":
            j = tpl.find("{", i)
            j = len(tpl) if j < 0 else j
            out.append(re.escape(tpl[i:j].lower() if host else tpl[i:j]))
            i = j
            continue
        depth, j = 0, i
        while j < len(tpl):
            depth += {"{": 1, "}": -1}.get(tpl[j], 0)
            if depth == 0:
                break
            j += 1
        var = tpl[i + 1 : j]
        _, colon, pattern = var.partition(":")
        out.append(f"(?:{pattern if colon else default})")
        i = j + 1
    return "".join(out)


@lru_cache(maxsize=512)
def compile_regex(pattern: str) -> re.Pattern[str] | None:
    """Compile a Go (RE2) pattern with Python's ``re``; None when Python cannot read it."""
    try:
        return re.compile(pattern.replace(r"\z", r"\Z"))
    except (re.error, OverflowError, RecursionError):
        return None


# -- evaluation ---------------------------------------------------------------------------------------


def evaluate(expr: Expr, request: Request) -> bool | None:
    """Whether the expression matches ``request``: True, False, or None when it cannot be told
    (a regex Python cannot read, a ``ClientIP`` matcher and no client address)."""
    if isinstance(expr, Atom):
        return eval_atom(expr, request)
    if isinstance(expr, NoneOf):
        inner = evaluate(expr.item, request)
        return None if inner is None else not inner
    results = [evaluate(item, request) for item in expr.items]
    if isinstance(expr, AllOf):
        return False if False in results else (None if None in results else True)
    return True if True in results else (None if None in results else False)


def eval_atom(atom: Atom, request: Request) -> bool | None:
    """Whether one atom holds for ``request`` (None: cannot be told)."""
    dim, op, value = atom.dim, atom.op, atom.value
    if dim == "host":
        return _match_value(atom, request.host_header if atom.with_port else request.host)
    if dim == "path":
        return _match_value(atom, request.path)
    if dim == "method":
        return request.method.upper() == value
    if dim == "clientip":
        if request.client_ip is None:
            return None
        return _in_network(request.client_ip, value)
    kind, _, key = dim.partition(":")
    values = request.header_values(key) if kind == "header" else (request.query_values(key) or [])
    present = bool(values) if kind == "header" else request.query_values(key) is not None
    if op == "present":
        return present
    if not present:
        return False
    results = [_match_value(atom, v) for v in values]
    return True if True in results else (None if None in results else False)


def _match_value(atom: Atom, actual: str) -> bool | None:
    op, value = atom.op, atom.value
    if op == "eq":
        return actual == value
    if op == "any":
        return True
    if op == "wildcard":
        head, dot, rest = actual.partition(".")
        return bool(head) and bool(dot) and rest == value
    if op == "prefix":
        return actual.startswith(value)
    if op == "present":
        return True
    pattern = compile_regex(value)
    return None if pattern is None else pattern.search(actual) is not None


def _in_network(address: str, network: str) -> bool | None:
    try:
        ip = ipaddress.ip_address(address)
        net = ipaddress.ip_network(network, strict=False)
    except ValueError:
        return None
    return ip.version == net.version and ip in net


# -- normal forms and overlap -------------------------------------------------------------------------


class TooComplex(Exception):
    """A rule's disjunctive normal form exceeds :data:`MAX_CONJUNCTIONS`."""


def dnf(expr: Expr) -> list[list[Lit]]:
    """The expression as a disjunction of conjunctions of (atom, negated) literals."""
    return _dnf(expr, negated=False)


def _dnf(expr: Expr, *, negated: bool) -> list[list[Lit]]:
    if isinstance(expr, Atom):
        return [[(expr, negated)]]
    if isinstance(expr, NoneOf):
        return _dnf(expr.item, negated=not negated)
    conjunctive = isinstance(expr, AllOf) != negated  # De Morgan
    parts = [_dnf(item, negated=negated) for item in expr.items]
    if not conjunctive:
        out = [conj for part in parts for conj in part]
    else:
        out = [[]]
        for part in parts:
            out = [left + right for left in out for right in part]
            if len(out) > MAX_CONJUNCTIONS:
                raise TooComplex
    if len(out) > MAX_CONJUNCTIONS:
        raise TooComplex
    return out


@dataclass(frozen=True)
class OverlapResult:
    """Whether two rules can match one request, and such a request when one was found."""

    status: Overlap
    witness: Request | None = None


def overlap(a: Expr, b: Expr, *, base: Request | None = None) -> OverlapResult:
    """Can one request match both ``a`` and ``b``? ``base`` supplies the parts neither rule constrains."""
    try:
        left, right = dnf(a), dnf(b)
    except TooComplex:
        return OverlapResult("maybe")
    status: Overlap = "no"
    for conj_a, conj_b in product(left, right):
        result = satisfy(conj_a + conj_b, base=base)
        if result.status == "yes":
            return result
        if result.status == "maybe":
            status = "maybe"
    return OverlapResult(status)


def satisfiable(expr: Expr, *, base: Request | None = None) -> OverlapResult:
    """Can any request match ``expr``? Gives such a request (built on ``base``) when one is found."""
    try:
        conjunctions = dnf(expr)
    except TooComplex:
        return OverlapResult("maybe")
    status: Overlap = "no"
    for conj in conjunctions:
        result = satisfy(conj, base=base)
        if result.status == "yes":
            return result
        if result.status == "maybe":
            status = "maybe"
    return OverlapResult(status)


@dataclass
class _Witness:
    host: str | None = None
    path: str | None = None
    method: str | None = None
    client_ip: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)


def satisfy(conj: list[Lit], *, base: Request | None = None) -> OverlapResult:
    """Find a request satisfying every literal of a conjunction (each request part checked on its own)."""
    by_dim: dict[str, list[Lit]] = {}
    for lit in conj:
        by_dim.setdefault(lit[0].dim, []).append(lit)
    base = base or Request()
    witness = _Witness()
    status: Overlap = "yes"
    for dim, lits in by_dim.items():
        found, value = _satisfy_dim(dim, lits, base)
        if found == "no":
            return OverlapResult("no")
        if found == "maybe":
            status = "maybe"
            continue
        _set(witness, dim, value)
    if status == "maybe":
        return OverlapResult("maybe")
    return OverlapResult("yes", _build(witness, base))


def _set(witness: _Witness, dim: str, value: str | None) -> None:
    kind, _, key = dim.partition(":")
    if kind in ("header", "query"):
        target = witness.headers if kind == "header" else witness.query
        if value is not None:
            target[key] = value
    else:
        setattr(witness, {"clientip": "client_ip"}.get(kind, kind), value)


def _build(w: _Witness, base: Request) -> Request:
    headers = dict(base.headers)
    headers.update(w.headers)
    query = dict(base.query)
    query.update(w.query)
    host = w.host or base.host
    return Request(
        method=w.method or base.method,
        scheme=base.scheme,
        host=host,
        port=base.port if host == base.host else None,
        path=w.path if w.path is not None else base.path,
        query=tuple(query.items()),
        headers=tuple(headers.items()),
        client_ip=w.client_ip or base.client_ip,
    )


def _satisfy_dim(dim: str, lits: list[Lit], base: Request) -> tuple[Overlap, str | None]:
    unknown = False
    for candidate in _candidates(dim, lits, base):
        verdicts = [_holds(atom, candidate, dim, base) for atom, _ in lits]
        if any(v is not None and v == negated for v, (_, negated) in zip(verdicts, lits, strict=True)):
            continue
        if None in verdicts:
            unknown = True
            continue
        return "yes", candidate
    if unknown:
        return "maybe", None
    # An exact positive condition pins the value, and every pinned value was tried. Otherwise only a
    # regex (or an excluded address range) can hide a value the candidates missed.
    pinned = any(atom.op == "eq" and not negated for atom, negated in lits)
    if not pinned and any(atom.is_regex or (atom.op == "cidr" and negated) for atom, negated in lits):
        return "maybe", None
    return "no", None


def _holds(atom: Atom, value: str | None, dim: str, base: Request) -> bool | None:
    """Whether ``atom`` holds when this part of the request is ``value`` (None: header/query absent)."""
    kind = dim.partition(":")[0]
    if kind == "host":
        assert value is not None
        return _match_value(atom, f"{value}:{base.port}" if atom.with_port and base.port else value)
    if kind in ("path", "method"):
        assert value is not None
        return _match_value(atom, value)
    if kind == "clientip":
        assert value is not None
        return _in_network(value, atom.value)
    if value is None:
        return False
    if atom.op == "present":
        return True
    return _match_value(atom, value)


def _candidates(dim: str, lits: list[Lit], base: Request) -> Iterator[str | None]:
    """Values of one request part worth trying: those the literals mention, and fresh ones."""
    atoms = [atom for atom, _ in lits]
    kind = dim.partition(":")[0]
    if kind == "host":
        yield base.host
        for a in atoms:
            if a.op == "eq":
                yield a.value
            elif a.op == "wildcard":
                yield f"{_FRESH}.{a.value}"
        yield _FRESH_HOST
    elif kind == "path":
        yield base.path
        prefixes = [a.value for a in atoms if a.op == "prefix"]
        for a in atoms:
            if a.op in ("eq", "prefix"):
                yield a.value
        for p in [*prefixes, ""]:
            for suffix in ("/", f"/{_FRESH}", _FRESH, f"-{_FRESH}", f".{_FRESH}", "~"):
                yield p + suffix
    elif kind == "method":
        yield base.method
        yield from (a.value for a in atoms if a.op == "eq")
        yield _FRESH.upper()
    elif kind == "clientip":
        for a in atoms:
            try:
                net = ipaddress.ip_network(a.value, strict=False)
            except ValueError:
                continue
            yield str(net.network_address)
            yield str(net.broadcast_address)
        yield "192.0.2.77"
        yield "2001:db8::77"
    else:
        yield None
        yield ""
        yield from (a.value for a in atoms if a.op == "eq")
        yield _FRESH
