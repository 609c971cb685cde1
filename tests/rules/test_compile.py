"""Conditions and match kinds compiled to polars (analyzer/rules/compile.py): every operator on plain and
list columns, what a missing value satisfies, and each match kind on a small table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from analyzer.rules.compile import ROW, predicate_expr, run_match
from analyzer.rules.schema import OPS, Match, Metric, Predicate, Rule, Step

#: status, path and a list column as the connections table has them (routers)
TABLE = pl.DataFrame(
    {
        "status": [404, 200, None],
        "path": ["/socket.io/", "/api/rooms", None],
        "routers": [["chat-ws@file", "api@file"], ["api@file"], []],
    },
    schema={"status": pl.Int32, "path": pl.String, "routers": pl.List(pl.String)},
)


def holds(field: str, op: str, value: object = None) -> list[bool]:
    expr = predicate_expr((Predicate(field=field, op=op, value=value),), TABLE.schema)
    return TABLE.select(expr.alias("x"))["x"].to_list()


SCALAR_CASES = [
    ("eq", 404, [True, False, False]),
    ("ne", 404, [False, True, True]),
    ("in", [200, 404], [True, True, False]),
    ("not_in", [200], [True, False, True]),
    ("gt", 300, [True, False, False]),
    ("gte", 404, [True, False, False]),
    ("lt", 300, [False, True, False]),
    ("lte", 404, [True, True, False]),
    ("between", [100, 299], [False, True, False]),
    ("exists", None, [True, True, False]),
    ("missing", None, [False, False, True]),
]
TEXT_CASES = [
    ("regex", r"^/socket\.io/", [True, False, False]),
    ("not_regex", r"^/socket\.io/", [False, True, True]),
    ("contains", "rooms", [False, True, False]),
    ("startswith", "/api", [False, True, False]),
    ("endswith", "/", [True, False, False]),
]


@pytest.mark.parametrize(("op", "value", "expected"), SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_operator_on_a_number_column(op, value, expected):
    assert holds("status", op, value) == expected


@pytest.mark.parametrize(("op", "value", "expected"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_operator_on_a_text_column(op, value, expected):
    assert holds("path", op, value) == expected


LIST_CASES = [
    ("eq", "api@file", [True, True, False]),
    ("ne", "chat-ws@file", [False, True, True]),
    ("in", ["chat-ws@file", "x"], [True, False, False]),
    ("not_in", ["api@file"], [False, False, True]),
    ("regex", "^chat", [True, False, False]),
    ("not_regex", "^chat", [False, True, True]),
    ("contains", "ws", [True, False, False]),
    ("startswith", "api", [True, True, False]),
    ("endswith", "-ws@file", [True, False, False]),
    ("gt", "b", [True, False, False]),
    ("gte", "api@file", [True, True, False]),
    ("lt", "b", [True, True, False]),
    ("lte", "api@file", [True, True, False]),
    ("between", ["a", "b"], [True, True, False]),
    ("exists", None, [True, True, False]),
    ("missing", None, [False, False, True]),
]


@pytest.mark.parametrize(("op", "value", "expected"), LIST_CASES, ids=[c[0] for c in LIST_CASES])
def test_operator_on_a_list_column_holds_when_some_element_does(op, value, expected):
    """docs/rules.md: on list columns a test holds when it holds for some element (a negated test when no
    element satisfies the positive one)."""
    assert holds("routers", op, value) == expected


def test_every_operator_is_tested_on_plain_and_list_columns():
    assert {c[0] for c in SCALAR_CASES + TEXT_CASES} == set(OPS)
    assert {c[0] for c in LIST_CASES} == set(OPS)


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("eq", False),
        ("missing", True),
        ("ne", True),
        ("not_in", True),
        ("not_regex", True),
        ("exists", False),
    ],
)
def test_a_column_the_table_lacks_satisfies_only_missing_and_negated_tests(op, expected):
    expr = predicate_expr((Predicate(field="close_code", op=op, value=1006),), TABLE.schema)
    assert TABLE.with_columns(expr.alias("x"))["x"].to_list() == [expected] * 3


def test_any_and_not_combine():
    either = Predicate(
        any_of=((Predicate(field="status", op="eq", value=200),), (Predicate(field="status", op="missing"),))
    )
    assert TABLE.select(predicate_expr((either,), TABLE.schema).alias("x"))["x"].to_list() == [
        False,
        True,
        True,
    ]
    both = predicate_expr((either, Predicate(negate=(Predicate(field="path", op="missing"),))), TABLE.schema)
    assert TABLE.select(both.alias("x"))["x"].to_list() == [False, True, False]


# -- match kinds ----------------------------------------------------------------------------------------

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def events(*rows: dict) -> pl.DataFrame:
    frame = pl.DataFrame(
        [{"ts": T0 + timedelta(seconds=r.pop("s")), **r} for r in (dict(x) for x in rows)],
        schema_overrides={"ts": pl.Datetime("us", "UTC")},
    )
    return frame.with_row_index(ROW)


def rule(match: Match) -> Rule:
    return Rule(
        id="t", title="t", severity="high", sources=("proxy",), match=match, explanation="x",
        remediation="x", doc={}, path="t.toml",
    )  # fmt: skip


def eq(field: str, value: object) -> Predicate:
    return Predicate(field=field, op="eq", value=value)


def test_single_groups_the_matching_rows():
    table = events(
        {"s": 0, "router": "a", "status": 502},
        {"s": 1, "router": "b", "status": 502},
        {"s": 2, "router": "a", "status": 200},
    )
    hits = run_match(
        rule(Match(kind="single", where=(eq("status", 502),), group_by=("router",))), table, table
    )
    assert sorted(hits.select("router", "_count").rows()) == [("a", 1), ("b", 1)]


def test_aggregate_metrics_and_having():
    table = events(
        {"s": 0, "router": "a", "status": 404},
        {"s": 1, "router": "a", "status": 404},
        {"s": 2, "router": "b", "status": 200},
    )
    match = Match(
        kind="aggregate",
        group_by=("router",),
        metrics=(Metric(name="failed", fn="count", where=(Predicate(field="status", op="gte", value=400),)),),
        having=(Predicate(field="failed", op="gte", value=2),),
    )
    hits = run_match(rule(match), table, table)
    assert hits.select("router", "failed", "_count").rows() == [("a", 2, 2)]


def test_aggregate_within_keeps_each_groups_busiest_window():
    table = events(*[{"s": s, "client": "c1"} for s in (0, 5, 10, 200)])
    match = Match(kind="aggregate", group_by=("client",), within_ms=60_000, min_count=3)
    hits = run_match(rule(match), table, table)
    assert hits.select("client", "_count").rows() == [("c1", 3)]


def test_absence_finds_anchors_never_followed_within_the_window():
    table = events(
        {"s": 0, "sid": "S1", "kind": "ws_upgrade"},
        {"s": 1, "sid": "S1", "kind": "ws_open"},
        {"s": 2, "sid": "S2", "kind": "ws_upgrade"},
        {"s": 100, "sid": "S3", "kind": "log"},
    )
    match = Match(
        kind="absence", key=("sid",), within_ms=10_000,
        steps=(Step("attempt", (eq("kind", "ws_upgrade"),)), Step("open", (eq("kind", "ws_open"),))),
    )  # fmt: skip
    hits = run_match(rule(match), table, table)
    assert hits["_count"].to_list() == [1]
    assert table.filter(pl.col(ROW).is_in(hits["_rows"][0].implode()))["sid"].to_list() == ["S2"]


def test_sequence_needs_every_step_in_order_within_the_window():
    table = events(
        {"s": 0, "sid": "S1", "kind": "handshake"},
        {"s": 1, "sid": "S1", "kind": "disconnect"},
        {"s": 0, "sid": "S2", "kind": "disconnect"},
        {"s": 1, "sid": "S2", "kind": "handshake"},
    )
    match = Match(
        kind="sequence", key=("sid",), within_ms=5_000,
        steps=(Step("open", (eq("kind", "handshake"),)), Step("gone", (eq("kind", "disconnect"),))),
    )  # fmt: skip
    hits = run_match(rule(match), table, table)
    assert hits["_count"].to_list() == [2]


def test_distribution_fires_when_one_bin_holds_most_values():
    table = events(
        *[{"s": i, "lifetime_ms": v} for i, v in enumerate([30_004, 29_990, 30_200, 30_010, 5_000])]
    )
    match = Match(kind="distribution", value="lifetime_ms", bin_ms=1000, min_share=0.5, min_count=3)
    hits = run_match(rule(match), table, table)
    assert hits.select("mode_value", "mode_count", "value_count").rows() == [(30_000.0, 4, 5)]
    spread = events(*[{"s": i, "lifetime_ms": v} for i, v in enumerate([1_000, 9_000, 30_000, 70_000])])
    assert run_match(rule(match), spread, spread).height == 0
