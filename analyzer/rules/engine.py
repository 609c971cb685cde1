"""Run rules over the correlated tables and turn their hits into ranked findings with evidence.

Severity follows the evidence (``docs/rules.md``, "Severity"): a rule's ``severity`` is what a finding
gets at full strength; below the rule's ``min_share`` of the connections it is ``low``, below its
``full_share`` one step lower, and resting on fewer than ``full_count`` connections (or decisive lines)
it is at most ``medium`` and says "seen once". The finding's text then gives the share or the count.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from analyzer.findings import SUBSTANTIAL, Evidence, Finding, Severity, lower, rank, step_down
from analyzer.model import PARTITION, partitions
from analyzer.report.human import fmt_duration
from analyzer.rules.compile import ROW, run_match
from analyzer.rules.facts import add_facts, connection_facts

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
    connections = connection_facts(connections, events).with_row_index(ROW)
    return events, connections


def run_rules(rules: list[Rule], events: pl.DataFrame, connections: pl.DataFrame) -> RuleRun:
    """Run every rule; a rule whose sources are all absent is reported as not concluded."""
    return run_rules_partitions(rules, events, connections).get(None, RuleRun(findings=[]))


def run_rules_partitions(
    rules: list[Rule], events: pl.DataFrame, connections: pl.DataFrame
) -> dict[Any, RuleRun]:
    """:func:`run_rules` for each partition of the tables (:data:`~analyzer.model.PARTITION`), each rule
    matched once over all of them: partition -> its run, for every partition that has events (the key
    None, always present, when the tables have no partition column)."""
    events, connections = prepare(events, connections)
    part = partitions(events)
    if part:
        found = events.group_by(PARTITION).agg(pl.col("source").unique())
        present = {key: set(sources) for key, sources in found.iter_rows()}
        counts = dict(connections.group_by(PARTITION).len().iter_rows())
    else:
        present = {None: set(events["source"].unique().to_list()) if events.height else set()}
        counts = {None: connections.height}
    runs = {key: RuleRun(findings=[]) for key in sorted(present, key=lambda k: (k is None, k))}
    scope = _Scopes(events)
    for rule in rules:
        absent = {key for key in runs if not present[key].intersection(rule.sources)}
        for key in absent:
            runs[key].not_concluded.append((rule.id, f"needs {' or '.join(rule.sources)} logs, none given"))
        if len(absent) == len(runs):
            continue
        hits = run_match(rule, events, connections)
        if hits.height == 0:
            continue
        hits = hits.sort("_count", descending=True)
        first = pl.int_range(pl.len()).over(part) if part else pl.int_range(pl.len())
        hits = hits.filter(first < MAX_FINDINGS_PER_RULE)
        for hit in hits.iter_rows(named=True):
            key = hit[PARTITION] if part else None
            if key in absent:
                continue
            totals = {"connections": max(counts.get(key, 0), 1)}
            finding = _finding(rule, hit, scope.of(key), connections, totals)
            if finding is not None:
                runs[key].findings.append(finding)
    by_id = {r.id: r for r in rules}
    for run in runs.values():
        run.findings = conclude(run.findings, by_id)
    return runs


class _Scopes:
    """The events of one partition, cut once when a finding first needs them."""

    def __init__(self, events: pl.DataFrame) -> None:
        self.events = events
        self.cut: dict[Any, pl.DataFrame] = {}

    def of(self, key: Any) -> pl.DataFrame:
        if key is None:
            return self.events
        if key not in self.cut:
            self.cut[key] = self.events.filter(pl.col(PARTITION) == key)
        return self.cut[key]


def conclude(findings: list[Finding], rules: dict[str, Rule]) -> list[Finding]:
    """Weigh the findings against the failure window, link effects to their causes, cap the light ones,
    rank them."""
    weigh(findings)
    link_root_causes(findings, rules)
    cap_light(findings)
    return rank(findings)


def cap_light(findings: list[Finding]) -> None:
    """A root-cause candidate that rests on a handful of connections beside a far heavier failure (a
    stray 502 while a server is stopped, in a capture full of ping timeouts) is reported at ``low``, and
    says beside what."""
    candidates = [f for f in findings if not f.explained_by and f.from_traffic]
    if not candidates:
        return
    heaviest = max(candidates, key=lambda f: f.weight)
    for f in candidates:
        if f is heaviest or f.weight >= SUBSTANTIAL * heaviest.weight or f.severity in ("low", "info"):
            continue
        f.severity = "low"
        beside = (
            f"{f.affected} connection(s) beside the {heaviest.affected} of {heaviest.rule}: "
            "too few to be the cause of this failure"
        )
        if f.support is None:
            f.explanation = f"{f.explanation} ({beside[0].upper()}{beside[1:]}.)"
        f.support = beside if f.support is None else f"{f.support}; {beside}"


def weigh(findings: list[Finding]) -> None:
    """Set each traffic finding's weight: its affected connections, counted at a quarter for a finding seen
    at one instant and in full for one that spans the whole failure window (from the first evidence of
    any finding to the last)."""
    spans = {id(f): _window(f) for f in findings if f.from_traffic}
    timed = [w for w in spans.values() if w is not None]
    window = (max(e for _, e in timed) - min(s for s, _ in timed)).total_seconds() if timed else 0.0
    for f in findings:
        if not f.from_traffic:
            continue
        mine = spans[id(f)]
        span = (mine[1] - mine[0]).total_seconds() if mine else 0.0
        coverage = min(1.0, span / window) if window > 0 else 1.0
        f.weight = f.affected * (0.25 + 0.75 * coverage)


def _window(f: Finding) -> tuple[datetime, datetime] | None:
    """[first, last] evidence of a finding, None when it is untimed."""
    if f.first_seen is None:
        return None
    return f.first_seen, f.last_seen or f.first_seen


def _affected(rows: pl.DataFrame, conn_ids: list[str]) -> tuple[int, str]:
    """How many connections the rows cover, and in what unit: distinct connections, else distinct
    Socket.IO sockets, else the events the decisive lines report. Loggers of one process that tell the
    same event in the same second count once (socket.io's ``client close with reason ping timeout`` and
    ``closing socket - reason ping timeout``); twenty sockets closing in that second are twenty. Lines
    without a time of their own count once per failure they name."""
    if conn_ids:
        return len(conn_ids), "connection"
    if rows.height == 0:
        return 0, "line"
    sockets = rows["socket_id"].drop_nulls().n_unique()
    if sockets:
        return sockets, "socket"
    # lines without a time of their own placed at one instant cannot be told apart by time: the same
    # failure said twice there (python-engineio's bare warning and its logger's line) is one
    estimated = pl.col("ts_estimated").fill_null(False) | pl.col("ts").is_null()
    said = pl.coalesce("error_name", "reason", "message", pl.col("line").cast(pl.String))
    placed = pl.col("ts").dt.truncate("1s").alias("_placed")
    # and an untimed line that says what a timed line of the file says is that line's twin (basicConfig
    # prints python-engineio's warning bare and through its formatter)
    timed_said = rows.filter(~estimated).select("file", said.alias("_said"))
    untimed = (
        rows.filter(estimated)
        .with_columns(said.alias("_said"))
        .join(timed_said, on=["file", "_said"], how="anti")
        .select(pl.struct("file", "_said", placed).n_unique())
        .item()
    )
    per_logger = (
        rows.filter(~estimated)
        .group_by(
            "file",
            pl.col("ts").dt.truncate("1s").alias("_second"),
            pl.coalesce("logger", pl.lit("")).alias("_logger"),
        )
        .len()
    )
    timed = per_logger.group_by("file", "_second").agg(pl.col("len").max())["len"].sum()
    events = untimed + timed
    return int(events), "line"


def _graded(
    rule: Rule, affected: int, unit: str, share: float, population: int
) -> tuple[Severity, str | None]:
    """The finding's severity from its share and count, and the sentence that says why it is lowered."""
    severity: Severity = rule.severity
    support = None
    if share < rule.min_share:
        severity = "low"
        support = (
            f"{affected} of {population} {unit}s ({_pct(share)}): too few for the cause of a general failure"
        )
    elif share < rule.full_share:
        severity = step_down(severity)
        support = f"{affected} of {population} {unit}s ({_pct(share)})"
    if affected < rule.full_count:
        severity = lower(severity, "medium")
        seen = "seen once" if affected == 1 else f"seen {affected} times"
        support = seen if support is None else f"{seen}; {support}"
    return severity, support


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %" if share >= 0.01 else "< 1 %"


def _event_rows(
    rule: Rule, hit: dict[str, Any], events: pl.DataFrame, connections: pl.DataFrame
) -> pl.DataFrame:
    """The event rows of a hit, with the columns a finding reads of them (a hit can cover most of a
    million-line table: all ~50 columns of its rows would be copied to read a dozen)."""
    rows = hit.get("_rows") or []
    if rule.match.target == "connections":
        # ``events``: the hit's partition (the same conn_id can be another connection in another one)
        conn_ids = connections.filter(pl.col(ROW).is_in(rows))["conn_id"]
        keep = pl.col("conn_id").is_in(conn_ids.implode())
    else:
        keep = pl.col(ROW).is_in(pl.Series(rows, dtype=pl.UInt32).implode())
    return events.lazy().filter(keep).select(_FINDING_COLUMNS).collect()


#: What a finding reads of its rows: the connections and sockets it covers, its times, its evidence lines
#: and the proxies they come from.
_FINDING_COLUMNS = (
    ROW, "ts", "ts_end", "ts_estimated", "source", "format", "file", "line", "stream", "conn_id",
    "socket_id", "logger", "error_name", "reason", "message", "raw", "clock_offset_ms",
)  # fmt: skip


def _finding(
    rule: Rule,
    hit: dict[str, Any],
    events: pl.DataFrame,
    connections: pl.DataFrame,
    totals: dict[str, int],
) -> Finding | None:
    """The finding of one hit, or None when it covers no connection and no line (nothing to report)."""
    rows = _event_rows(rule, hit, events, connections)
    count = int(hit["_count"])
    conn_ids = sorted(c for c in rows["conn_id"].unique().to_list() if c is not None)
    affected, unit = _affected(rows, conn_ids)
    if affected == 0:
        return None
    first = rows["ts"].min() if rows.height else None
    last = rows.select(pl.max_horizontal("ts", "ts_end").max()).item() if rows.height else None
    # a line without a connection still ended (or failed) at most one: its share is of the connections too
    population = max(totals["connections"], affected)
    share = min(1.0, affected / population)
    keys = {k: _text(hit.get(k)) for k in (rule.keys or rule.match.group_by) if hit.get(k) is not None}
    evidence = _evidence(rows, rule.evidence_limit)
    values = {k: _text(v) for k, v in hit.items() if not k.startswith("_")}
    values |= {
        "count": str(count),
        "connections": str(affected),
        "share_pct": f"{100 * share:.0f}",
        "first_seen": _text(first),
        "last_seen": _text(last),
        "sources": ", ".join(sorted(set(rows["source"].to_list()))),
        "examples": "; ".join(_clip(e.text, 160) for e in evidence[:2]),
    }
    if rule.match.within_ms is not None:
        values["within"] = _duration(rule.match.within_ms)
    value = rule.match.value
    if value is not None and value.endswith("_ms") and hit.get("mode_value") is not None:
        values["mode_duration"] = fmt_duration(float(hit["mode_value"]))
    severity, support = _graded(rule, affected, unit, share, population)
    explanation = _fill(rule.explanation, values)
    if support:
        explanation = f"{explanation} ({support[0].upper()}{support[1:]}.)"
    return Finding(
        rule=rule.id,
        title=rule.title,
        severity=severity,
        count=count,
        explanation=explanation,
        remediation=_fill(_fix_for(rule, rows, events), values),
        first_seen=first,  # type: ignore[arg-type]
        last_seen=last,
        keys=keys,
        evidence=evidence,
        share=share,
        connections=conn_ids,
        tags=list(rule.tags),
        affected=affected,
        population=population,
        support=support,
    )


def _fix_for(rule: Rule, rows: pl.DataFrame, events: pl.DataFrame) -> str:
    """The rule's fix in the terms of the proxy in front: the one whose lines are the evidence, else the
    one the capture holds; the general remediation when there is none, or several."""
    if not rule.fixes:
        return rule.remediation
    for frame in (rows, events):
        proxies = _proxies(frame)
        if len(proxies) == 1:
            return rule.fixes.get(proxies.pop(), rule.remediation)
        if proxies:
            break
    return rule.remediation


def _proxies(frame: pl.DataFrame) -> set[str]:
    """The proxies (first word of their parsers' names: ``nginx``, ``traefik``) whose lines are in ``frame``."""
    if not frame.height:
        return set()
    formats = frame.filter(pl.col("source") == "proxy")["format"].drop_nulls().unique().to_list()
    return {f.split("-")[0] for f in formats}


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


#: An effect follows from a cause when their windows overlap, give or take this much.
LINK_MARGIN = timedelta(seconds=30)


def link_root_causes(findings: list[Finding], rules: dict[str, Rule]) -> None:
    """A finding whose rule lists another's id in ``explains`` is that finding's root cause, when the
    effect happened while the cause did (their windows overlap): a failure at noon does not follow from
    one at dawn, nor from another day's."""
    for f in findings:
        f.explains.clear()
        f.explained_by = None
    for cause in rank(findings):
        if cause.explained_by:
            continue
        rule = rules.get(cause.rule)
        for effect_id in rule.explains if rule else ():
            for effect in findings:
                if effect.rule != effect_id or effect.explained_by is not None or effect is cause:
                    continue
                if not _overlap(cause, effect):
                    continue
                effect.explained_by = cause.rule
                if effect_id not in cause.explains:
                    cause.explains.append(effect_id)


def _overlap(cause: Finding, effect: Finding) -> bool:
    """Whether the two findings' windows overlap within :data:`LINK_MARGIN` (untimed ones always do)."""
    a, b = _window(cause), _window(effect)
    if a is None or b is None:
        return True
    return b[0] <= a[1] + LINK_MARGIN and a[0] <= b[1] + LINK_MARGIN


class _Defaulting(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


#: ``[[ … ]]`` in a template: a part left out when a field inside it has no value.
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
#: What a field without a value renders as (a template never shows it: see :func:`_fill`).
_EMPTY = ("", "?")


def _fill(template: str, values: dict[str, str]) -> str:
    """Fill a template; single line breaks (TOML's wrapped lines) become spaces, paragraphs stay.

    A part written ``[[ … ]]`` is kept only when every field in it has a value, so a finding never shows
    an empty field (``router(s) ;``); a field without a value outside such a part shows as ``?``.
    """
    text = re.sub(r"(?<!\n)\n(?!\n)", " ", template)

    def optional(m: re.Match[str]) -> str:
        names = [name.split(".")[0] for _, name, _, _ in string.Formatter().parse(m.group(1)) if name]
        return m.group(1) if all(values.get(n, "") not in _EMPTY for n in names) else ""

    try:
        text = _OPTIONAL.sub(optional, text)
        filled = string.Formatter().vformat(text, (), _Defaulting(values))
    except (ValueError, IndexError, KeyError):
        return text
    return re.sub(r"  +", " ", filled).replace(" .", ".").replace(" ,", ",")


def _text(value: Any) -> str:
    """A value for a template: log-derived text loses backticks and control characters, so it can
    neither close a code span in Markdown nor drive a terminal. A list shows each value once (an address
    written with and without its scheme, ``http://10.0.0.2:80`` and ``10.0.0.2:80``, is one)."""
    if isinstance(value, str):
        return re.sub(r"[`\x00-\x1f\x7f-\x9f]", "'", value)
    if value is None:
        return "?"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() or abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, list):
        shown = [_text(v) for v in value if v is not None]
        with_scheme = {re.sub(r"^[a-z][a-z0-9+.-]*://", "", v) for v in shown if "://" in v}
        return ", ".join(dict.fromkeys(v for v in shown if "://" in v or v not in with_scheme))
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
