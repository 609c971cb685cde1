"""Run rules over the correlated tables and turn their hits into ranked findings with evidence."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from analyzer.findings import Evidence, Finding, rank
from analyzer.rules.compile import ROW, run_match
from analyzer.rules.facts import add_facts

if TYPE_CHECKING:
    from analyzer.rules.schema import Rule

#: At most this many findings (groups) per rule; the biggest groups are kept.
MAX_FINDINGS_PER_RULE = 5


@dataclass
class RuleRun:
    """What running the rules concluded, and what it could not."""

    findings: list[Finding]
    #: (rule id, reason) for rules that could not run because a source they need is missing.
    not_concluded: list[tuple[str, str]] = field(default_factory=list)


def prepare(events: pl.DataFrame, connections: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Number the rows and add the derived facts once, for every rule to use."""
    events = add_facts(events.with_row_index(ROW), connections)
    connections = connections.with_row_index(ROW)
    return events, connections


def run_rules(rules: list[Rule], events: pl.DataFrame, connections: pl.DataFrame) -> RuleRun:
    """Run every rule; a rule whose sources are all absent is reported as not concluded."""
    events, connections = prepare(events, connections)
    present = set(events["source"].unique().to_list()) if events.height else set()
    totals = _totals(events, connections)
    run = RuleRun(findings=[])
    for rule in rules:
        if not present.intersection(rule.sources):
            run.not_concluded.append((rule.id, f"needs {' or '.join(rule.sources)} logs, none given"))
            continue
        hits = run_match(rule, events, connections)
        if hits.height == 0:
            continue
        hits = hits.sort("_count", descending=True).head(MAX_FINDINGS_PER_RULE)
        for hit in hits.iter_rows(named=True):
            run.findings.append(_finding(rule, hit, events, connections, totals))
    link_root_causes(run.findings, {r.id: r for r in rules})
    run.findings = rank(run.findings)
    return run


def _totals(events: pl.DataFrame, connections: pl.DataFrame) -> dict[str, int]:
    sio_conns = connections.height
    sio_events = int(events["is_sio"].sum()) if events.height else 0
    return {"connections": max(sio_conns, 1), "sio_events": max(sio_events, 1)}


def _event_rows(
    rule: Rule, hit: dict[str, Any], events: pl.DataFrame, connections: pl.DataFrame
) -> pl.DataFrame:
    rows = hit.get("_rows") or []
    if rule.match.target == "connections":
        conn_ids = connections.filter(pl.col(ROW).is_in(rows))["conn_id"]
        return events.filter(pl.col("conn_id").is_in(conn_ids.implode()))
    return events.filter(pl.col(ROW).is_in(pl.Series(rows, dtype=pl.UInt32).implode()))


def _finding(
    rule: Rule,
    hit: dict[str, Any],
    events: pl.DataFrame,
    connections: pl.DataFrame,
    totals: dict[str, int],
) -> Finding:
    rows = _event_rows(rule, hit, events, connections)
    count = int(hit["_count"])
    conn_ids = sorted(c for c in rows["conn_id"].unique().to_list() if c is not None)
    first = rows["ts"].min() if rows.height else None
    last = rows.select(pl.max_horizontal("ts", "ts_end").max()).item() if rows.height else None
    share = (
        min(1.0, len(conn_ids) / totals["connections"])
        if conn_ids
        else min(1.0, rows.height / totals["sio_events"])
    )
    keys = {k: _text(hit.get(k)) for k in (rule.keys or rule.match.group_by) if hit.get(k) is not None}
    evidence = _evidence(rows, rule.evidence_limit)
    values = {k: _text(v) for k, v in hit.items() if not k.startswith("_")}
    values |= {
        "count": str(count),
        "connections": str(len(conn_ids)),
        "share_pct": f"{100 * share:.0f}",
        "first_seen": _text(first),
        "last_seen": _text(last),
        "sources": ", ".join(sorted(set(rows["source"].to_list()))),
        "examples": "; ".join(_clip(e.text, 160) for e in evidence[:2]),
    }
    if rule.match.within_ms is not None:
        values["within"] = _duration(rule.match.within_ms)
    severity = rule.severity if share >= rule.min_share else "low"
    return Finding(
        rule=rule.id,
        title=rule.title,
        severity=severity,
        count=count,
        explanation=_fill(rule.explanation, values),
        remediation=_fill(rule.remediation, values),
        first_seen=first,  # type: ignore[arg-type]
        last_seen=last,
        keys=keys,
        evidence=evidence,
        share=share,
        connections=conn_ids,
        tags=list(rule.tags),
    )


def _evidence(rows: pl.DataFrame, limit: int) -> list[Evidence]:
    """Up to ``limit`` lines, spread over the sources so each one that saw the failure is shown.

    The lines are the logs' own: reports mask them on the way out (``report.boundary``)."""
    if rows.height == 0:
        return []
    ordered = rows.sort(["ts", "file", "line"], nulls_last=True)
    sources = ordered["source"].unique(maintain_order=True).to_list()
    per_source = max(1, limit // max(1, len(sources)))
    picked = ordered.filter(pl.int_range(pl.len()).over("source") < per_source)
    if picked.height < limit:
        extra = ordered.join(picked.select(ROW), on=ROW, how="anti").head(limit - picked.height)
        picked = pl.concat([picked, extra])
    picked = picked.sort(["ts", "file", "line"], nulls_last=True).head(limit)
    out = []
    for row in picked.iter_rows(named=True):
        text = row["raw"] or row["message"] or ""
        out.append(
            Evidence(
                source=row["source"],
                path=row["file"],
                line=row["line"],
                ts=row["ts"],
                text=text,
                stream=row["stream"],
                offset_ms=row["clock_offset_ms"],
                conn_id=row["conn_id"],
            )
        )
    return out


def link_root_causes(findings: list[Finding], rules: dict[str, Rule]) -> None:
    """A finding whose rule lists another's id in ``explains`` is that finding's root cause."""
    fired = {f.rule for f in findings}
    by_strength = sorted(findings, key=lambda f: f.sort_key())
    for cause in by_strength:
        if cause.explained_by:
            continue
        rule = rules.get(cause.rule)
        for effect_id in rule.explains if rule else ():
            if effect_id not in fired:
                continue
            if effect_id not in cause.explains:
                cause.explains.append(effect_id)
            for effect in findings:
                if effect.rule == effect_id and effect.explained_by is None and effect is not cause:
                    effect.explained_by = cause.rule


class _Defaulting(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def _fill(template: str, values: dict[str, str]) -> str:
    """Fill a template; single line breaks (TOML's wrapped lines) become spaces, paragraphs stay."""
    text = re.sub(r"(?<!\n)\n(?!\n)", " ", template)
    try:
        return string.Formatter().vformat(text, (), _Defaulting(values))
    except (ValueError, IndexError, KeyError):
        return text


def _text(value: Any) -> str:
    """A value for a template: log-derived text loses backticks and control characters, so it can
    neither close a code span in Markdown nor drive a terminal."""
    if isinstance(value, str):
        return re.sub(r"[`\x00-\x1f\x7f-\x9f]", "'", value)
    if value is None:
        return "?"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() or abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _clip(text: str, limit: int) -> str:
    """``text`` cut at ``limit`` on a separator: half a secret would escape masking in the report."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind(sep, 0, limit) for sep in " ,&;")
    return f"{text[:cut]}…" if cut > 0 else "…"


def _duration(ms: float) -> str:
    if ms >= 60_000 and ms % 60_000 == 0:
        return f"{ms / 60_000:.0f} min"
    if ms >= 1000:
        return f"{ms / 1000:g} s"
    return f"{ms:.0f} ms"
