"""Traefik rule grammar: v3 and v2 syntax, priorities in bytes, errors with their position."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.config.rules_grammar import And, Matcher, Not, Or, matchers, parse_rule, rule_priority
from analyzer.errors import RuleSyntaxError


@pytest.mark.parametrize(
    ("rule", "priority"),
    [
        # the pitfall of traefik.md §3.1, lengths as Traefik computes them
        ("PathPrefix(`/socket.io`)", 24),
        ("Host(`chat.mycompany-example.com`)", 34),
        ("Host(`a.com`) && PathPrefix(`/`)", 32),
        ("Host(`a.com`) && PathPrefix(`/socket.io`)", 41),
        # the docs' example: HostRegexp beats Host by length
        ("HostRegexp(`[a-z]+\\.traefik\\.com`)", 34),
        ("Host(`foobar.traefik.com`)", 26),
        # bytes, not characters
        ("Path(`/é`)", 11),
    ],
)
def test_default_priority_is_the_rule_length_in_bytes(rule, priority):
    assert parse_rule(rule).priority == priority
    assert rule_priority(rule) == priority


def test_tree_of_a_combined_rule():
    rule = parse_rule("Host(`a`) && (PathPrefix(`/ws`) || !Method(`POST`))")
    assert isinstance(rule.tree, And)
    host, alternatives = rule.tree.operands
    assert host == Matcher("Host", ("a",), 0, 9)
    assert isinstance(alternatives, Or)
    assert isinstance(alternatives.operands[1], Not)
    assert rule.source(alternatives) == "(PathPrefix(`/ws`) || !Method(`POST`))"


def test_and_binds_tighter_than_or():
    tree = parse_rule("Host(`a`) || Host(`b`) && Path(`/x`)").tree
    assert isinstance(tree, Or)
    assert isinstance(tree.operands[1], And)


@pytest.mark.parametrize(
    ("rule", "args"),
    [
        ('Host("api.example.test")', ("api.example.test",)),
        ('Host("a\\"b")', ('a"b',)),
        ('Path("/x\\u00e9")', ("/xé",)),
        ('Path("/\\x41\\101")', ("/AA",)),
        ("Header(`X-Upgrade`, `web socket`)", ("X-Upgrade", "web socket")),
    ],
    ids=["double-quotes", "escaped-quote", "unicode-escape", "hex-and-octal", "two-values"],
)
def test_go_string_literals(rule, args):
    assert matchers(parse_rule(rule).tree)[0].args == args


@pytest.mark.parametrize("name", ["PathPrefix", "pathprefix", "PATHPREFIX", "Pathprefix"])
def test_matcher_name_variants_traefik_accepts(name):
    assert matchers(parse_rule(f"{name}(`/a`)").tree)[0].name == "PathPrefix"


@pytest.mark.parametrize(
    ("rule", "syntax"),
    [
        ("Host(`a`) && PathPrefix(`/ws`)", "v3"),
        ("Host(`a`, `b`)", "v2"),
        ("HostRegexp(`{sub:[a-z]+}.example.com`)", "v2"),
        ("HostRegexp(`^[a-z]{2,3}\\.example\\.com$`)", "v3"),
        ("Headers(`X-Admin`, `1`)", "v2"),
        ("HostHeader(`a`)", "v2"),
        ("Query(`transport=websocket`)", "v2"),
        ("Query(`transport`, `websocket`)", "v3"),
        ("PathRegexp(`^/api/v[0-9]+`)", "v3"),
        ("Method(`GET`, `POST`)", "v2"),
    ],
)
def test_syntax_is_recognized(rule, syntax):
    assert parse_rule(rule).syntax == syntax


@pytest.mark.parametrize(
    ("rule", "column", "message"),
    [
        ("Host(`a`) && PathPrefix('/socket.io')", 25, "single quotes"),
        ("Host(`a`) && ", 14, "expected a matcher"),
        ("Host(`a`) & Path(`/`)", 11, "operators are && and ||"),
        ("Host(`a`) && (Path(`/`)", 24, "')' to close the '(' at column 14"),
        ("Host(`a`", 9, "expected ',' or ')'"),
        ("Host(`a)", 6, "missing closing backtick"),
        ('Host("a)', 6, "missing closing double quote"),
        ("Hots(`a`)", 1, "unknown matcher 'Hots'"),
        ("Host(a)", 6, "expected a quoted value"),
        ("", 1, "empty rule"),
        ("Host(`a`) Path(`/`)", 11, "after a complete expression"),
        ("Path(`socket.io`)", 1, "does not start with '/'"),
        ("Header(`Upgrade`)", 1, "takes 2 value(s)"),
        ("Host(`a`, `b`) && Header(`X`, `1`)", 19, "mixes v3 matcher Header with v2-only syntax"),
        ('Path("/\\q")', 8, "unknown escape sequence"),
    ],
)
def test_errors_carry_the_position(rule, column, message):
    with pytest.raises(RuleSyntaxError) as err:
        parse_rule(rule)
    assert message in str(err.value)
    assert err.value.column == column


def test_declared_syntax_is_enforced():
    with pytest.raises(RuleSyntaxError, match="Host takes 1 value"):
        parse_rule("Host(`a`, `b`)", syntax="v3")
    with pytest.raises(RuleSyntaxError, match="unknown matcher PathRegexp in v2"):
        parse_rule("PathRegexp(`^/a`)", syntax="v2")
    assert parse_rule("Host(`a`)", syntax="v2").syntax == "v2"


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(RuleSyntaxError, match="nests too deeply"):
        parse_rule("(" * 500 + "Host(`a`)" + ")" * 500)


_PIECES = st.sampled_from(
    [
        "Host",
        "PathPrefix",
        "Path",
        "Header",
        "Query",
        "(",
        ")",
        "`a`",
        '"b\\""',
        ",",
        "&&",
        "||",
        "!",
        " ",
        "'",
        "&",
        "x",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(_PIECES, max_size=25).map("".join)))
def test_no_input_crashes_the_parser(text):
    try:
        rule = parse_rule(text)
    except RuleSyntaxError as exc:
        assert 0 <= exc.position <= len(text)
    else:
        assert rule.text == text
        assert matchers(rule.tree)
