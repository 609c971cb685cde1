"""Traefik router rules (v2 and v3 syntax) parsed into a typed tree.

Traefik hands the rule to ``vulcand/predicate``, which reads it as a Go expression: matcher calls whose
arguments are Go string literals (```raw``` or ``"interpreted"`` with ``\\`` escapes; never single quotes),
combined with ``&&``, ``||``, ``!`` and parentheses, ``&&`` binding tighter than ``||``. Matcher names are
accepted as written in the docs, all lower case, all upper case or capitalized (``PathPrefix``,
``pathprefix``, ``PATHPREFIX``, ``Pathprefix``), like ``pkg/rules/parser.go`` does.

The two syntaxes differ in their matchers (``pkg/muxer/http/matcher.go`` for v3, ``pkg/rules/rules.go``
in v2.11): v3 matchers take one value (two for ``Header*``/``Query*``), v2 matchers take lists, ``Headers``
and ``HostHeader`` exist only in v2, ``PathRegexp``/``Header``/``QueryRegexp`` only in v3, and v2 writes
regexes as gorilla/mux templates (``{sub:[a-z]+}.example.com``). :func:`parse_rule` checks a rule against
the syntax it is declared with, or, when none is declared, picks the one the rule is valid in.

A rule's default priority is its length in **bytes** (:attr:`Rule.priority`), exactly as Traefik computes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final, Literal

from analyzer.errors import RuleSyntaxError

Syntax = Literal["v2", "v3"]

#: Matchers of each syntax and the numbers of values they accept (None: one or more).
V3_ARITY: Final[dict[str, tuple[int, ...]]] = {
    "ClientIP": (1,),
    "Method": (1,),
    "Host": (1,),
    "HostRegexp": (1,),
    "Path": (1,),
    "PathRegexp": (1,),
    "PathPrefix": (1,),
    "Header": (2,),
    "HeaderRegexp": (2,),
    "Query": (1, 2),
    "QueryRegexp": (1, 2),
}
V2_ARITY: Final[dict[str, tuple[int, ...] | None]] = {
    "Host": None,
    "HostHeader": None,
    "HostRegexp": None,
    "Path": None,
    "PathPrefix": None,
    "Method": None,
    "Headers": (2,),
    "HeadersRegexp": (2,),
    "Query": None,
    "ClientIP": None,
}
_CANONICAL: Final[dict[str, str]] = {
    variant: name
    for name in {*V3_ARITY, *V2_ARITY}
    for variant in (name, name.lower(), name.upper(), name.lower().capitalize())
}
#: A gorilla/mux template variable (``{name}`` / ``{name:regex}``): only v2 reads these.
_TEMPLATE_VAR: Final = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?::|\})")
_TEMPLATED: Final = frozenset({"HostRegexp", "Path", "PathPrefix", "Query"})
_MAX_DEPTH: Final = 100


@dataclass(frozen=True)
class Matcher:
    """One matcher call, e.g. ``PathPrefix(`/socket.io`)``; ``start``/``end`` index the rule text."""

    name: str
    args: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Not:
    """``!operand``."""

    operand: Node
    start: int
    end: int


@dataclass(frozen=True)
class And:
    """All operands match (nested ``&&`` flattened)."""

    operands: tuple[Node, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Or:
    """Any operand matches (nested ``||`` flattened)."""

    operands: tuple[Node, ...]
    start: int
    end: int


Node = Matcher | Not | And | Or


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its raw text (as Traefik received it), its tree and the syntax it was read in."""

    text: str
    tree: Node
    syntax: Syntax

    @property
    def priority(self) -> int:
        """Traefik's default priority for this rule: its length in bytes."""
        return rule_priority(self.text)

    def source(self, node: Node) -> str:
        """The part of the rule text a node was parsed from."""
        return self.text[node.start : node.end]


def rule_priority(text: str) -> int:
    """Default priority of a rule as Traefik computes it: ``len(rule)`` in bytes (``GetRulePriority``)."""
    return len(text.encode("utf-8"))


def matchers(node: Node) -> list[Matcher]:
    """Every matcher of a tree, left to right."""
    if isinstance(node, Matcher):
        return [node]
    if isinstance(node, Not):
        return matchers(node.operand)
    return [m for op in node.operands for m in matchers(op)]


def parse_rule(text: str, *, syntax: Syntax | None = None) -> Rule:
    """Parse a router rule; raise :class:`RuleSyntaxError` (with the position) when Traefik would refuse it.

    ``syntax`` is the router's declared ``ruleSyntax``; ``None`` accepts either syntax and records which
    one the rule is written in (v3 when it is valid in both).
    """
    tree = _Parser(text).parse()
    found = matchers(tree)
    if syntax is not None:
        _check(found, syntax)
        return Rule(text, tree, syntax)
    v2_only = [m for m in found if _needs_v2(m)]
    if not v2_only:
        try:
            _check(found, "v3")
            return Rule(text, tree, "v3")
        except RuleSyntaxError as v3_error:
            try:
                _check(found, "v2")
            except RuleSyntaxError:
                raise v3_error from None
            return Rule(text, tree, "v2")
    v3_only = [m for m in found if m.name not in V2_ARITY or (m.name == "Query" and len(m.args) == 2)]
    if v3_only:
        raise RuleSyntaxError(
            f"mixes v3 matcher {v3_only[0].name} with v2-only syntax ({_describe_v2(v2_only[0])})",
            position=v3_only[0].start,
        )
    _check(found, "v2")
    return Rule(text, tree, "v2")


def _needs_v2(m: Matcher) -> bool:
    """Whether this matcher can only be meant as v2 syntax."""
    if m.name not in V3_ARITY:
        return True
    if len(m.args) > 1 and V3_ARITY[m.name] == (1,):
        return True
    if m.name == "Query" and len(m.args) == 1 and "=" in m.args[0]:
        return True
    return m.name in _TEMPLATED and any(_TEMPLATE_VAR.search(a) for a in m.args)


def _describe_v2(m: Matcher) -> str:
    if m.name not in V3_ARITY:
        return f"{m.name} exists only in v2"
    if len(m.args) > 1:
        return f"{m.name} with {len(m.args)} values"
    return f"{m.name} with a {{name:regex}} template"


def _check(found: list[Matcher], syntax: Syntax) -> None:
    """Raise for the first matcher this syntax does not accept (unknown name, wrong arity, bad value)."""
    for m in found:
        if syntax == "v3":
            arity = V3_ARITY.get(m.name)
            if m.name not in V3_ARITY:
                hint = " (a v2 matcher: declare ruleSyntax v2 or rewrite it)" if m.name in V2_ARITY else ""
                raise RuleSyntaxError(f"unknown matcher {m.name} in v3 syntax{hint}", position=m.start)
            if arity is not None and len(m.args) not in arity:
                expected = " or ".join(map(str, arity))
                raise RuleSyntaxError(
                    f"{m.name} takes {expected} value(s) in v3 syntax, got {len(m.args)}", position=m.start
                )
        else:
            if m.name not in V2_ARITY:
                raise RuleSyntaxError(f"unknown matcher {m.name} in v2 syntax", position=m.start)
            v2_arity = V2_ARITY[m.name]
            if (v2_arity is None and not m.args) or (v2_arity is not None and len(m.args) not in v2_arity):
                wanted = "at least 1" if v2_arity is None else " or ".join(map(str, v2_arity))
                raise RuleSyntaxError(
                    f"{m.name} takes {wanted} value(s) in v2 syntax, got {len(m.args)}", position=m.start
                )
        _check_values(m)


def _check_values(m: Matcher) -> None:
    """Value checks Traefik makes when it builds the matcher."""
    if m.name in ("Path", "PathPrefix"):  # v3 checks it; gorilla/mux does in v2
        for value in m.args:
            if not value.startswith("/"):
                raise RuleSyntaxError(f"{m.name} value {value!r} does not start with '/'", position=m.start)
    if m.name in ("Host", "HostRegexp", "HostHeader"):
        for value in m.args:
            if not value.isascii():
                raise RuleSyntaxError(
                    f"invalid value {value!r} for {m.name}: non-ASCII characters are not allowed",
                    position=m.start,
                )


# -- tokens -------------------------------------------------------------------------------------------

_Kind = Literal["ident", "string", "(", ")", ",", "&&", "||", "!", "end"]


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    value: str
    start: int
    end: int


_SIMPLE_ESCAPES: Final[dict[str, str]] = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
}
_HEX_WIDTH: Final[dict[str, int]] = {"x": 2, "u": 4, "U": 8}
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_OCTAL: Final = frozenset("01234567")


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c.isalpha() or c == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            out.append(_Token("ident", text[i:j], i, j))
            i = j
        elif c == "`":
            j = text.find("`", i + 1)
            if j < 0:
                raise RuleSyntaxError("raw string not terminated: missing closing backtick", position=i)
            # Go drops carriage returns from raw strings
            out.append(_Token("string", text[i + 1 : j].replace("\r", ""), i, j + 1))
            i = j + 1
        elif c == '"':
            value, j = _interpreted(text, i)
            out.append(_Token("string", value, i, j))
            i = j
        elif c == "'":
            raise RuleSyntaxError(
                "single quotes are not allowed in rules; quote values with backticks or double quotes",
                position=i,
            )
        elif text.startswith("&&", i) or text.startswith("||", i):
            out.append(_Token(text[i : i + 2], text[i : i + 2], i, i + 2))  # type: ignore[arg-type]
            i += 2
        elif c in "(),!":
            out.append(_Token(c, c, i, i + 1))  # type: ignore[arg-type]
            i += 1
        elif c in "&|":
            raise RuleSyntaxError(f"unexpected {c!r}: the operators are && and ||", position=i)
        else:
            raise RuleSyntaxError(f"unexpected character {c!r}", position=i)
    out.append(_Token("end", "", n, n))
    return out


def _interpreted(text: str, start: int) -> tuple[str, int]:
    """Decode a Go interpreted string literal starting at ``start`` (the opening quote)."""
    chars: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            return "".join(chars), i + 1
        if c == "\n":
            break
        if c != "\\":
            chars.append(c)
            i += 1
            continue
        if i + 1 >= n:
            break
        e = text[i + 1]
        if e in _SIMPLE_ESCAPES:
            chars.append(_SIMPLE_ESCAPES[e])
            i += 2
            continue
        if e in _HEX_WIDTH:
            digits, allowed, limit = text[i + 2 : i + 2 + _HEX_WIDTH[e]], _HEX, 0x10FFFF
            width, base = _HEX_WIDTH[e], 16
        elif e in _OCTAL:
            digits, allowed, limit = text[i + 1 : i + 4], _OCTAL, 0xFF
            width, base = 3, 8
        else:
            raise RuleSyntaxError(f"unknown escape sequence \\{e} in a string", position=i)
        if len(digits) != width or not set(digits) <= allowed:
            raise RuleSyntaxError(f"malformed escape sequence \\{e} in a string", position=i)
        code = int(digits, base)
        if code > limit or 0xD800 <= code <= 0xDFFF:
            raise RuleSyntaxError("escape sequence is an invalid code point", position=i)
        chars.append(chr(code))
        i += 2 + width if base == 16 else 4
    raise RuleSyntaxError("string literal not terminated: missing closing double quote", position=start)


# -- recursive descent --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0
        self.depth = 0

    def parse(self) -> Node:
        if self.tokens[0].kind == "end":
            raise RuleSyntaxError("empty rule", position=0)
        node = self._or()
        tok = self._peek()
        if tok.kind != "end":
            raise RuleSyntaxError(f"unexpected {_show(tok)} after a complete expression", position=tok.start)
        return node

    def _peek(self) -> _Token:
        return self.tokens[self.i]

    def _next(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _expect(self, kind: _Kind, what: str) -> _Token:
        tok = self._peek()
        if tok.kind != kind:
            raise RuleSyntaxError(f"expected {what}, found {_show(tok)}", position=tok.start)
        return self._next()

    def _or(self) -> Node:
        items = [self._and()]
        while self._peek().kind == "||":
            self._next()
            items.append(self._and())
        if len(items) == 1:
            return items[0]
        flat = tuple(op for item in items for op in (item.operands if isinstance(item, Or) else (item,)))
        return Or(flat, items[0].start, items[-1].end)

    def _and(self) -> Node:
        items = [self._unary()]
        while self._peek().kind == "&&":
            self._next()
            items.append(self._unary())
        if len(items) == 1:
            return items[0]
        flat = tuple(op for item in items for op in (item.operands if isinstance(item, And) else (item,)))
        return And(flat, items[0].start, items[-1].end)

    def _unary(self) -> Node:
        tok = self._peek()
        if tok.kind == "!":
            self._next()
            self._enter(tok)
            operand = self._unary()
            self.depth -= 1
            return Not(operand, tok.start, operand.end)
        return self._primary()

    def _primary(self) -> Node:
        tok = self._peek()
        if tok.kind == "(":
            self._next()
            self._enter(tok)
            node = self._or()
            close = self._expect(")", "')' to close the '(' at column " + str(tok.start + 1))
            self.depth -= 1
            return replace(node, start=tok.start, end=close.end)
        if tok.kind == "ident":
            return self._call()
        raise RuleSyntaxError(f"expected a matcher such as Host(...), found {_show(tok)}", position=tok.start)

    def _call(self) -> Matcher:
        name_tok = self._next()
        name = _CANONICAL.get(name_tok.value)
        if name is None:
            raise RuleSyntaxError(f"unknown matcher {name_tok.value!r}", position=name_tok.start)
        self._expect("(", f"'(' after {name_tok.value}")
        args: list[str] = []
        while self._peek().kind != ")":
            tok = self._peek()
            if tok.kind != "string":
                raise RuleSyntaxError(
                    f'expected a quoted value (`...` or "...") in {name}(...), found {_show(tok)}',
                    position=tok.start,
                )
            args.append(self._next().value)
            if self._peek().kind == ",":
                self._next()
            elif self._peek().kind != ")":
                bad = self._peek()
                raise RuleSyntaxError(
                    f"expected ',' or ')' in {name}(...), found {_show(bad)}", position=bad.start
                )
        end = self._next().end
        return Matcher(name, tuple(args), name_tok.start, end)

    def _enter(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise RuleSyntaxError("rule nests too deeply", position=tok.start)


def _show(tok: _Token) -> str:
    if tok.kind == "end":
        return "the end of the rule"
    if tok.kind == "string":
        return "a quoted value"
    return repr(tok.value)
