"""Rules a window can skip without changing any finding, decided from the rules themselves.

An events rule fires only on rows that pass its ``where``. Each rule's ``where`` is read conservatively:
predicates on columns of the event table and on row facts (``is_sio``, ``is_handshake``) are evaluated;
predicates on facts known only after correlation (``router_sio_ok``, ``conn_outcome`` …) count as "maybe".
A rule none of whose window rows passes that reading cannot fire, and is not run: in a healthy window
most of the catalog (5xx, 403, 413, TLS, payload, origin …) has nothing to look at. Rules over
connections are always run. A user's ``--patterns`` rules are read the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from analyzer.model import SCHEMA
from analyzer.rules.compile import predicate_expr
from analyzer.rules.facts import row_facts

if TYPE_CHECKING:
    from analyzer.rules import Rule
    from analyzer.rules.schema import Predicate

_ROW_FACTS = row_facts()
_KNOWN = pl.Schema({**SCHEMA, **{name: pl.Boolean() for name in _ROW_FACTS}})


def _maybe(preds: tuple[Predicate, ...]) -> pl.Expr:
    """A superset of the rows matching ``preds``: unknown columns never exclude a row."""
    parts: list[pl.Expr] = []
    for p in preds:
        if p.any_of:
            parts.append(pl.any_horizontal([_maybe(alt) for alt in p.any_of]))
        elif p.negate:
            if _known(p.negate):
                parts.append(~predicate_expr(p.negate, _KNOWN))
        elif p.field in _KNOWN:
            parts.append(predicate_expr((p,), _KNOWN))
    return pl.all_horizontal(parts) if parts else pl.lit(True)


def _known(preds: tuple[Predicate, ...]) -> bool:
    """True when every predicate only tests columns of the event table or row facts."""
    for p in preds:
        if p.any_of and not all(_known(alt) for alt in p.any_of):
            return False
        if p.negate and not _known(p.negate):
            return False
        if p.field is not None and p.field not in _KNOWN:
            return False
    return True


def candidates(rule: Rule) -> pl.Expr | None:
    """Rows that may satisfy an events rule (None for rules over connections: they are always run)."""
    match = rule.match
    if match.target != "events":
        return None
    expr = _maybe(match.where)
    if match.steps:
        expr = expr & pl.any_horizontal([_maybe(step.where) for step in match.steps])
    return expr


class RuleScreen:
    """The candidate tests of a rule set, compiled once and applied to many windows."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.exprs = {r.id: e for r in rules if (e := candidates(r)) is not None}

    def may_fire(self, events: pl.DataFrame) -> list[Rule]:
        """The rules that have at least one candidate row in ``events``, or are over connections."""
        return rules_that_may_fire(self.rules, events, self.exprs)


def rules_that_may_fire(
    rules: list[Rule], events: pl.DataFrame, exprs: dict[str, pl.Expr] | None = None
) -> list[Rule]:
    """The rules that have at least one candidate row in ``events``, or are over connections."""
    if exprs is None:
        exprs = {r.id: e for r in rules if (e := candidates(r)) is not None}
    if not exprs or events.height == 0:
        return [r for r in rules if r.id not in exprs]
    found = (
        events.lazy()
        .with_columns(*(expr.alias(name) for name, expr in _ROW_FACTS.items()))
        .select([e.fill_null(False).any().alias(rid) for rid, e in exprs.items()])
        .collect()
        .row(0, named=True)
    )
    return [r for r in rules if r.id not in exprs or found[r.id]]
