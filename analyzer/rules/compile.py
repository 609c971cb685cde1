"""Compile rule predicates to polars expressions, and run each match kind over the tables.

Every kind returns a *hits* frame: one row per group that fired, with the group keys, the metrics, the
event rows that are its evidence (``_rows``) and how many matched (``_count``).

Tables with a partition column (:data:`~analyzer.model.PARTITION`, several analyses in one pass) are
matched per partition: the partition is part of every group, window, join key and sort, and a hit carries
it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from analyzer.model import PARTITION, partitions
from analyzer.rules.schema import NEGATED_OPS

if TYPE_CHECKING:
    from analyzer.rules.schema import Match, Metric, Predicate, Rule

ROW = "_row"


def predicate_expr(preds: tuple[Predicate, ...], schema: pl.Schema) -> pl.Expr:
    """AND of the predicates (true when the list is empty); a missing value never satisfies a test."""
    exprs = [_one(p, schema) for p in preds]
    return pl.all_horizontal(exprs) if exprs else pl.lit(True)


def _one(p: Predicate, schema: pl.Schema) -> pl.Expr:
    if p.any_of:
        return pl.any_horizontal([predicate_expr(alt, schema) for alt in p.any_of])
    if p.negate:
        return ~predicate_expr(p.negate, schema)
    assert p.field is not None and p.op is not None
    if p.field not in schema:
        # a column this table does not have: "missing" and the negated tests hold, every other test fails
        return pl.lit(p.op == "missing" or p.op in NEGATED_OPS)
    col = pl.col(p.field)
    is_list = isinstance(schema[p.field], pl.List)
    if p.op in ("exists", "missing"):
        present = col.list.len().fill_null(0) > 0 if is_list else col.is_not_null()
        return present if p.op == "exists" else ~present
    op = NEGATED_OPS.get(p.op, p.op)
    if is_list:
        # a list holds when some element does (docs/rules.md)
        positive = col.list.eval(_test(pl.element(), op, p.value)).list.any()
    else:
        positive = _test(col, op, p.value)
    positive = positive.fill_null(False)
    return ~positive if p.op in NEGATED_OPS else positive


def _test(col: pl.Expr, op: str, value: Any) -> pl.Expr:
    """The positive comparison ``op`` of a column (or a list element) with ``value``."""
    if op == "eq":
        return col == value
    if op == "in":
        return col.is_in(_as_list(value))
    if op == "regex":
        return _text(col).str.contains(str(value))
    if op == "contains":
        return _text(col).str.contains(str(value), literal=True)
    if op == "startswith":
        return _text(col).str.starts_with(str(value))
    if op == "endswith":
        return _text(col).str.ends_with(str(value))
    if op == "gt":
        return col > value
    if op == "gte":
        return col >= value
    if op == "lt":
        return col < value
    if op == "lte":
        return col <= value
    if op == "between":
        return col.is_between(pl.lit(value[0]), pl.lit(value[1]))
    raise ValueError(f"unknown op {op!r}")


def _text(col: pl.Expr) -> pl.Expr:
    return col.cast(pl.String, strict=False)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _metric_expr(m: Metric, schema: pl.Schema) -> pl.Expr:
    cond = predicate_expr(m.where, schema) if m.where else None
    if m.fn == "count":
        base = pl.len() if cond is None else cond.sum()
        return base.cast(pl.Int64).alias(m.name)
    if m.fn == "any":
        return (cond.any() if cond is not None else pl.lit(True)).alias(m.name)
    assert m.field is not None
    col = pl.col(m.field)
    if cond is not None:
        col = col.filter(cond)
    fn = {
        "n_unique": lambda c: c.drop_nulls().n_unique(),
        "unique": lambda c: c.drop_nulls().unique(maintain_order=True).head(10),
        "min": lambda c: c.min(),
        "max": lambda c: c.max(),
        "mean": lambda c: c.mean(),
        "median": lambda c: c.median(),
        "sum": lambda c: c.sum(),
    }[m.fn]
    return fn(col).alias(m.name)


def _window_metric(m: Metric, part: list[str]) -> pl.Expr:
    """A metric over groups that share ``over`` keys, computed on the aggregated table."""
    assert m.field is not None
    col = pl.col(m.field)
    fn = {"sum": col.sum(), "max": col.max(), "min": col.min(), "n_unique": col.n_unique(), "count": pl.len()}
    return fn.get(m.fn, col.sum()).over([*part, *m.over]).alias(m.name)


def run_match(rule: Rule, events: pl.DataFrame, conns: pl.DataFrame) -> pl.DataFrame:
    """Hits of one rule (see module doc)."""
    match = rule.match
    table = conns if match.target == "connections" else events
    kind = match.kind
    if kind in ("single", "aggregate"):
        return _aggregate(match, table)
    if kind == "absence":
        return _absence(match, table)
    if kind == "sequence":
        return _sequence(match, table)
    return _distribution(match, table)


def _evidence_rows(match: Match, table: pl.DataFrame) -> pl.Expr:
    """Row ids of the evidence of a group (all matched rows, or those matching ``evidence``)."""
    if match.evidence:
        return pl.col(ROW).filter(predicate_expr(match.evidence, table.schema)).alias("_rows")
    return pl.col(ROW).alias("_rows")


def _scope(table: pl.DataFrame, where: pl.Expr) -> pl.LazyFrame:
    """The rows of ``table`` a match looks at, lazily: the event table is wide (~50 columns, the raw line
    among them), and a filter computed eagerly would copy every column of every row it keeps, where a
    rule reads a few (a million-line table: ~0.3 s and a few hundred MB for one rule)."""
    return table.lazy().filter(where)


def _aggregate(match: Match, table: pl.DataFrame) -> pl.DataFrame:
    part = partitions(table)
    groups = [*part, *match.group_by]
    selected = _scope(table, predicate_expr(match.where, table.schema))
    plain = [m for m in match.metrics if not m.over]
    windowed = [m for m in match.metrics if m.over]
    aggs = [
        *[_metric_expr(m, table.schema) for m in plain],
        _evidence_rows(match, table),
        pl.len().alias("_count"),
    ]
    if match.within_ms is not None and match.group_by:
        # sliding windows (a quarter-window step), so a burst across a clock boundary is not cut in two;
        # each group keeps its busiest window
        step = max(1, int(match.within_ms // 4))
        grouped = (
            selected.filter(pl.col("ts").is_not_null())
            .sort("ts")
            .group_by_dynamic(
                "ts", every=f"{step}ms", period=f"{int(match.within_ms)}ms", offset=f"-{int(match.within_ms) - step}ms",
                group_by=groups,
            )
            .agg(aggs)
            .drop("ts")
            .sort("_count", descending=True)
            .unique(subset=groups, keep="first", maintain_order=True)
            .collect()
        )  # fmt: skip
    else:
        grouped = _group(selected, groups, aggs).collect()
    if windowed:
        grouped = grouped.with_columns([_window_metric(m, part) for m in windowed])
    grouped = grouped.filter(pl.col("_count") >= match.min_count)
    if match.having:
        grouped = grouped.filter(predicate_expr(match.having, grouped.schema))
    return grouped.filter(pl.col("_count") > 0)


def _keyed(match: Match, frame: pl.LazyFrame) -> pl.LazyFrame:
    key = pl.concat_str([pl.col(k).cast(pl.String) for k in match.key], separator="\x1f")
    return frame.with_columns(key.alias("_key")).filter(
        pl.col("_key").is_not_null() & pl.col("ts").is_not_null()
    )


def _absence(match: Match, table: pl.DataFrame) -> pl.DataFrame:
    """Anchors (first step) not followed by any of the later steps on the same key within the window."""
    anchor_step, *follow_steps = match.steps
    scope = _scope(table, predicate_expr(match.where, table.schema))
    anchors = _keyed(match, scope.filter(predicate_expr(anchor_step.where, table.schema)))
    follow = pl.any_horizontal([predicate_expr(s.where, table.schema) for s in follow_steps])
    part = partitions(table)
    confirms = (
        _keyed(match, scope.filter(follow))
        .select(*part, "_key", pl.col("ts").alias("_confirm_ts"))
        .sort("_confirm_ts")
    )
    assert match.within_ms is not None
    joined = anchors.sort("ts").join_asof(
        confirms,
        left_on="ts",
        right_on="_confirm_ts",
        by=[*part, "_key"],
        strategy="forward",
        tolerance=f"{int(match.within_ms)}ms",
        check_sortedness=False,
    )
    missing = joined.filter(pl.col("_confirm_ts").is_null())
    # an anchor too close to the end of the capture cannot be judged: its confirmation may be unwritten
    judged = pl.col("ts") <= pl.col("_end") - pl.duration(milliseconds=match.within_ms)
    if part:
        ends = table.lazy().group_by(part).agg(pl.col("ts").max().alias("_end"))
        missing = missing.join(ends, on=part, how="left", maintain_order="left")
        missing = missing.filter(pl.col("_end").is_null() | judged).drop("_end")
    elif (end := table["ts"].max()) is not None:
        missing = missing.with_columns(pl.lit(end).alias("_end")).filter(judged).drop("_end")
    return _group_hits(match, missing)


def _sequence(match: Match, table: pl.DataFrame) -> pl.DataFrame:
    """Each step follows the previous one on the same key, the whole run within the window."""
    scope = _scope(table, predicate_expr(match.where, table.schema))
    assert match.within_ms is not None
    part = partitions(table)
    first, *rest = match.steps
    chain = _keyed(match, scope.filter(predicate_expr(first.where, table.schema))).select(
        *part, "_key", pl.col("ts").alias("_start"), pl.col("ts").alias("_prev"), pl.concat_list(pl.col(ROW)).alias("_rows_acc"),
        *[c for c in match.group_by if c in table.columns],
    )  # fmt: skip
    for step in rest:
        nxt = _keyed(match, scope.filter(predicate_expr(step.where, table.schema))).select(
            *part, "_key", pl.col("ts").alias("_ts_next"), pl.col(ROW).alias("_row_next")
        )
        chain = (
            chain.sort("_prev")
            .join_asof(
                nxt.sort("_ts_next"),
                left_on="_prev",
                right_on="_ts_next",
                by=[*part, "_key"],
                strategy="forward",
                tolerance=f"{int(match.within_ms)}ms",
                check_sortedness=False,
            )
            .filter(pl.col("_ts_next").is_not_null())
            .filter((pl.col("_ts_next") - pl.col("_start")).dt.total_milliseconds() <= match.within_ms)
            .with_columns(
                pl.col("_ts_next").alias("_prev"),
                pl.concat_list("_rows_acc", pl.col("_row_next")).alias("_rows_acc"),
            )
            .drop("_ts_next", "_row_next")
        )
    hits = chain.explode("_rows_acc").rename({"_rows_acc": ROW}).with_columns(pl.col("_start").alias("ts"))
    return _group_hits(match, hits)


def _distribution(match: Match, table: pl.DataFrame) -> pl.DataFrame:
    """Values of ``value`` piling up in one bin: its share of all values, per group."""
    assert match.value is not None
    scope = _scope(table, predicate_expr(match.where, table.schema) & pl.col(match.value).is_not_null())
    groups = [*partitions(table), *match.group_by]
    binned = (
        scope.select(*groups, ROW, pl.col(match.value))
        .with_columns(((pl.col(match.value) / match.bin_ms).round() * match.bin_ms).alias("_bin"))
        .collect()
    )
    by_bin = binned.group_by([*groups, "_bin"]).agg(pl.len().alias("_in_bin"), pl.col(ROW).alias("_rows"))
    totals = (
        binned.group_by(groups).agg(pl.len().alias("value_count"))
        if groups
        else binned.select(pl.len().alias("value_count"))
    )
    ranked = by_bin.sort(["_in_bin", "_bin"], descending=[True, False])
    mode = ranked.group_by(groups, maintain_order=True).first() if groups else ranked.head(1)
    mode = mode.join(totals, on=groups) if groups else mode.join(totals, how="cross")
    mode = mode.with_columns(
        pl.col("_bin").alias("mode_value"),
        pl.col("_in_bin").alias("mode_count"),
        (pl.col("_in_bin") / pl.col("value_count")).alias("_mode_share"),
        (100 * pl.col("_in_bin") / pl.col("value_count")).round(0).alias("mode_share_pct"),
        pl.col("_in_bin").alias("_count"),
    )
    keep = (pl.col("_mode_share") >= match.min_share) & (pl.col("_count") >= match.min_count)
    if match.min_value is not None:
        keep = keep & (pl.col("mode_value") >= match.min_value)
    hits = mode.filter(keep)
    if match.having:
        hits = hits.filter(predicate_expr(match.having, hits.schema))
    return hits


def _group_hits(match: Match, rows: pl.LazyFrame) -> pl.DataFrame:
    names = rows.collect_schema().names()
    groups = [*([PARTITION] if PARTITION in names else []), *(g for g in match.group_by if g in names)]
    grouped = _group(rows, groups, [pl.col(ROW).alias("_rows"), pl.len().alias("_count")]).collect()
    grouped = grouped.filter(pl.col("_count") >= match.min_count)
    if match.having:
        grouped = grouped.filter(predicate_expr(match.having, grouped.schema))
    return grouped.filter(pl.col("_count") > 0)


def _group(frame: pl.LazyFrame, groups: list[str], aggs: list[pl.Expr]) -> pl.LazyFrame:
    """``group_by(groups).agg(aggs)``; without groups, the whole frame is one group (none if empty)."""
    if groups:
        return frame.group_by(groups, maintain_order=True).agg(aggs)
    return frame.with_columns(pl.lit(True).alias("_all")).group_by("_all").agg(aggs).drop("_all")
