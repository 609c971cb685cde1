"""Rule files: TOML in ``patterns/``, one rule per file, loaded into frozen dataclasses.

The loader collects every error of every file before giving up, each with its path (pySigma style), so
a user fixing a rule folder sees all problems at once. See ``docs/rules.md`` for the format.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

from analyzer.errors import RuleError
from analyzer.findings import SEVERITIES, Severity
from analyzer.model import COLUMNS, SOURCES
from analyzer.timeparse import parse_duration

MatchKind = Literal["single", "aggregate", "absence", "sequence", "distribution"]
MATCH_KINDS: Final = ("single", "aggregate", "absence", "sequence", "distribution")
OPS: Final = (
    "eq", "ne", "in", "not_in", "regex", "not_regex", "contains", "startswith", "endswith",
    "gt", "gte", "lt", "lte", "between", "exists", "missing",
)  # fmt: skip
METRIC_FNS: Final = ("count", "n_unique", "unique", "min", "max", "mean", "median", "sum", "any")
TEST_EXPECT: Final = ("match", "no_match", "todo_match", "todo_no_match")
_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Predicate:
    """One condition: ``field op value``, or a combination (``any`` = OR of AND-lists, ``not``)."""

    field: str | None = None
    op: str | None = None
    value: Any = None
    any_of: tuple[tuple[Predicate, ...], ...] = ()
    negate: tuple[Predicate, ...] = ()


@dataclass(frozen=True)
class Metric:
    """A per-group statistic: ``fn`` over ``field`` (optionally of the rows matching ``where``)."""

    name: str
    fn: str
    field: str | None = None
    where: tuple[Predicate, ...] = ()
    #: Compute this metric over the groups sharing these keys (a window over the aggregated table).
    over: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One step of an absence or sequence match."""

    label: str
    where: tuple[Predicate, ...]


@dataclass(frozen=True)
class Match:
    """How a rule finds its evidence (see docs/rules.md for each kind)."""

    kind: MatchKind
    target: Literal["events", "connections"] = "events"
    where: tuple[Predicate, ...] = ()
    group_by: tuple[str, ...] = ()
    metrics: tuple[Metric, ...] = ()
    having: tuple[Predicate, ...] = ()
    #: absence / sequence: the key that ties steps together, and the window.
    key: tuple[str, ...] = ()
    within_ms: float | None = None
    steps: tuple[Step, ...] = ()
    #: distribution: the numeric column, bin width and thresholds.
    value: str | None = None
    bin_ms: float = 1000.0
    min_share: float = 0.5
    min_value: float | None = None
    #: rows of the matched events that become evidence (default: all matched rows)
    evidence: tuple[Predicate, ...] = ()
    min_count: int = 1


@dataclass(frozen=True)
class RuleTest:
    """An embedded test case: events that must (or must not) make the rule fire."""

    name: str
    expect: str
    events: tuple[dict[str, Any], ...]
    keys: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """A failure signature: what to match, how to explain it, how to test it."""

    id: str
    title: str
    severity: Severity
    sources: tuple[str, ...]
    match: Match
    explanation: str
    remediation: str
    doc: dict[str, Any]
    path: str
    uses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    explains: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    #: Below this share of the relevant traffic a finding is reported at ``low`` severity.
    min_share: float = 0.0
    evidence_limit: int = 8
    tests: tuple[RuleTest, ...] = ()
    experimental: bool = False


def default_rule_dirs() -> list[Path]:
    """The rules shipped with wsdiag: inside the installed package, or the repository's ``patterns/``."""
    packaged = Path(str(resources.files("analyzer"))) / "patterns"
    if packaged.is_dir():
        return [packaged]
    return [Path(__file__).resolve().parents[2] / "patterns"]


def load_rules(dirs: list[Path]) -> list[Rule]:
    """Load every ``*.toml`` rule under ``dirs`` (files starting with ``_`` hold macros).

    Raises :class:`RuleError` listing every problem of every file.
    """
    errors: list[str] = []
    macros: dict[str, tuple[Predicate, ...]] = {}
    files: list[Path] = []
    for folder in dirs:
        if not folder.is_dir():
            errors.append(f"{folder}: not a folder of rules")
            continue
        for path in sorted(folder.glob("_*.toml")):
            data = _read_toml(path, errors)
            for name, body in (data or {}).get("macros", {}).items():
                macros[name] = _predicates(body, f"{path}: macro {name}", errors, {})
        files.extend(sorted(p for p in folder.glob("*.toml") if not p.name.startswith("_")))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        data = _read_toml(path, errors)
        if data is None:
            continue
        rule = _rule(data, path, errors, macros)
        if rule is None:
            continue
        if rule.id in seen:
            errors.append(f"{path}: rule id {rule.id!r} is also defined in {seen[rule.id]}")
            continue
        seen[rule.id] = str(path)
        rules.append(rule)
    if errors:
        raise RuleError("invalid rules:\n  " + "\n  ".join(errors))
    return rules


def _read_toml(path: Path, errors: list[str]) -> dict[str, Any] | None:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        errors.append(f"{path}: not valid TOML: {exc}")
    except OSError as exc:
        errors.append(f"{path}: cannot read: {exc.strerror or exc}")
    return None


def parse_duration_ms(text: str) -> float:
    """``"10s"`` → 10000.0, in the grammar of every wsdiag duration (:func:`analyzer.timeparse.parse_duration`)."""
    return parse_duration(text).total_seconds() * 1000


def _rule(
    data: dict[str, Any], path: Path, errors: list[str], macros: dict[str, tuple[Predicate, ...]]
) -> Rule | None:
    where = str(path)
    before = len(errors)

    def need(key: str, kind: type) -> Any:
        value = data.get(key)
        if not isinstance(value, kind):
            errors.append(f"{where}: '{key}' is required and must be a {kind.__name__}")
            return kind()
        return value

    rule_id = need("id", str)
    if rule_id and not _ID.match(rule_id):
        errors.append(f"{where}: id {rule_id!r} must be kebab-case (e.g. handshake-wrong-router)")
    if rule_id and path.stem != rule_id:
        errors.append(f"{where}: the file must be named after its id ({rule_id}.toml)")
    title = need("title", str)
    severity = data.get("severity")
    if severity not in SEVERITIES:
        errors.append(f"{where}: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    sources = tuple(need("sources", list))
    uses = tuple(data.get("uses", []))
    for src in (*sources, *uses):
        if src not in SOURCES:
            errors.append(f"{where}: unknown source {src!r} (known: {', '.join(SOURCES)})")
    doc = data.get("doc") or {}
    for part in ("detects", "why", "false_positives", "remediation"):
        if not isinstance(doc.get(part), str) or not doc[part].strip():
            errors.append(f"{where}: [doc] needs a non-empty '{part}'")
    report = data.get("report") or {}
    explanation = report.get("explanation", "")
    remediation = report.get("remediation", "")
    if not explanation or not remediation:
        errors.append(f"{where}: [report] needs 'explanation' and 'remediation' templates")
    match = _match(data.get("match"), where, errors, macros)
    tests = tuple(_test(t, where, errors) for t in data.get("tests", []))
    if match is not None:
        _check_template_fields(explanation + remediation, match, tuple(report.get("keys", [])), where, errors)
    experimental = bool(data.get("experimental", False))
    if not experimental and (
        not any(t.expect == "match" for t in tests) or not any(t.expect == "no_match" for t in tests)
    ):
        errors.append(f"{where}: needs at least one 'match' and one 'no_match' test")
    if len(errors) > before or match is None:
        return None
    return Rule(
        id=rule_id,
        title=title,
        severity=severity,  # type: ignore[arg-type]
        sources=sources,
        uses=uses,
        match=match,
        explanation=explanation.strip(),
        remediation=remediation.strip(),
        doc=doc,
        path=where,
        tags=tuple(data.get("tags", [])),
        explains=tuple(data.get("explains", [])),
        keys=tuple(report.get("keys", [])),
        min_share=float(data.get("min_share", 0.0)),
        evidence_limit=int(report.get("evidence_limit", 8)),
        tests=tests,
        experimental=experimental,
    )


def _match(
    data: Any, where: str, errors: list[str], macros: dict[str, tuple[Predicate, ...]]
) -> Match | None:
    if not isinstance(data, dict):
        errors.append(f"{where}: [match] table is required")
        return None
    kind = data.get("kind")
    if kind not in MATCH_KINDS:
        errors.append(f"{where}: match.kind must be one of {', '.join(MATCH_KINDS)}, not {kind!r}")
        return None
    target = data.get("target", "events")
    if target not in ("events", "connections"):
        errors.append(f"{where}: match.target must be 'events' or 'connections'")
    ctx = f"{where}: match"
    within = None
    if "within" in data:
        try:
            within = parse_duration_ms(str(data["within"]))
        except ValueError as exc:
            errors.append(f"{ctx}.within: {exc}")
    metrics = []
    for name, body in (data.get("metrics") or {}).items():
        fn = body.get("fn")
        if fn not in METRIC_FNS:
            errors.append(f"{ctx}.metrics.{name}: fn must be one of {', '.join(METRIC_FNS)}")
            continue
        if fn not in ("count", "any") and not body.get("field") and not body.get("over"):
            errors.append(f"{ctx}.metrics.{name}: fn {fn!r} needs a 'field'")
        metrics.append(
            Metric(
                name=name,
                fn=fn,
                field=body.get("field"),
                where=_predicates(body.get("where", []), f"{ctx}.metrics.{name}", errors, macros),
                over=tuple(body.get("over", [])),
            )
        )
    steps = tuple(
        Step(
            label=str(s.get("label", f"step{i + 1}")),
            where=_predicates(s.get("where", []), f"{ctx}.steps", errors, macros),
        )
        for i, s in enumerate(data.get("steps", []))
    )
    if kind in ("absence", "sequence"):
        if len(steps) < 2:
            errors.append(f"{ctx}: kind {kind!r} needs at least two [[match.steps]]")
        if not data.get("key") or within is None:
            errors.append(f"{ctx}: kind {kind!r} needs 'key' and 'within'")
    if kind == "distribution" and not data.get("value"):
        errors.append(f"{ctx}: kind 'distribution' needs 'value' (the numeric column)")
    bin_ms = 1000.0
    if "bin" in data:
        try:
            bin_ms = parse_duration_ms(str(data["bin"]))
        except ValueError as exc:
            errors.append(f"{ctx}.bin: {exc}")
    return Match(
        kind=kind,
        target=target,
        where=_predicates(data.get("where", []), f"{ctx}.where", errors, macros),
        group_by=tuple(data.get("group_by", [])),
        metrics=tuple(metrics),
        having=_predicates(data.get("having", []), f"{ctx}.having", errors, macros, check_fields=False),
        key=tuple([data["key"]] if isinstance(data.get("key"), str) else data.get("key", [])),
        within_ms=within,
        steps=steps,
        value=data.get("value"),
        bin_ms=bin_ms,
        min_share=float(data.get("min_share", 0.5)),
        min_value=float(data["min_value"]) if "min_value" in data else None,
        evidence=_predicates(data.get("evidence", []), f"{ctx}.evidence", errors, macros),
        min_count=int(data.get("min_count", 1)),
    )


def _predicates(
    items: Any,
    ctx: str,
    errors: list[str],
    macros: dict[str, tuple[Predicate, ...]],
    *,
    check_fields: bool = True,
) -> tuple[Predicate, ...]:
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        errors.append(f"{ctx}: expected a list of conditions")
        return ()
    out: list[Predicate] = []
    for item in items:
        if not isinstance(item, dict):
            errors.append(f"{ctx}: a condition must be a table, got {item!r}")
            continue
        if "macro" in item:
            name = item["macro"]
            if name not in macros:
                errors.append(f"{ctx}: unknown macro {name!r}")
            else:
                out.extend(macros[name])
            continue
        if "any" in item:
            out.append(
                Predicate(
                    any_of=tuple(
                        _predicates(alt, ctx, errors, macros, check_fields=check_fields)
                        for alt in item["any"]
                    )
                )
            )
            continue
        if "not" in item:
            out.append(
                Predicate(negate=_predicates(item["not"], ctx, errors, macros, check_fields=check_fields))
            )
            continue
        fld, op = item.get("field"), item.get("op", "eq")
        if not isinstance(fld, str):
            errors.append(f"{ctx}: condition {item!r} needs a 'field'")
            continue
        if check_fields and fld not in KNOWN_FIELDS:
            errors.append(f"{ctx}: unknown field {fld!r}")
        if op not in OPS:
            errors.append(f"{ctx}: unknown op {op!r} (known: {', '.join(OPS)})")
            continue
        if op not in ("exists", "missing") and "value" not in item:
            errors.append(f"{ctx}: op {op!r} on {fld!r} needs a 'value'")
        if op == "between" and not (isinstance(item.get("value"), list) and len(item["value"]) == 2):
            errors.append(f"{ctx}: op 'between' needs value = [low, high]")
        if op in ("regex", "not_regex"):
            try:
                re.compile(str(item.get("value")))
            except re.error as exc:
                errors.append(f"{ctx}: bad regex {item.get('value')!r}: {exc}")
        out.append(Predicate(field=fld, op=op, value=item.get("value")))
    return tuple(out)


def _test(data: dict[str, Any], where: str, errors: list[str]) -> RuleTest:
    name = str(data.get("name", "unnamed"))
    expect = data.get("expect")
    if expect not in TEST_EXPECT:
        errors.append(f"{where}: test {name!r}: expect must be one of {', '.join(TEST_EXPECT)}")
    events = data.get("events")
    if not isinstance(events, list) or not events:
        errors.append(f"{where}: test {name!r} needs a non-empty 'events' list")
        events = []
    for ev in events:
        unknown = set(ev) - set(COLUMNS)
        if unknown:
            errors.append(f"{where}: test {name!r}: unknown event field(s) {', '.join(sorted(unknown))}")
    return RuleTest(name=name, expect=str(expect), events=tuple(events), keys=dict(data.get("keys", {})))


def _check_template_fields(
    text: str, match: Match, keys: tuple[str, ...], where: str, errors: list[str]
) -> None:
    allowed = set(ALWAYS_PLACEHOLDERS) | set(match.group_by) | set(keys) | {m.name for m in match.metrics}
    allowed |= {s.label for s in match.steps} | set(match.key)
    if match.within_ms is not None:
        allowed.add("within")
    if match.kind == "distribution":
        allowed |= {"mode_value", "mode_share_pct", "mode_count", "value_count"}
    for _, name, _, _ in string.Formatter().parse(text):
        if name and name.split(".")[0] not in allowed:
            errors.append(
                f"{where}: template field {{{name}}} is not known (known: {', '.join(sorted(allowed))})"
            )


#: Placeholders every template may use.
ALWAYS_PLACEHOLDERS: Final = (
    "count", "connections", "share_pct", "first_seen", "last_seen", "sources", "examples",
)  # fmt: skip

#: Columns rules may test: the event table, the connections table and the derived facts.
KNOWN_FIELDS: Final[frozenset[str]] = frozenset(
    [
        *COLUMNS,
        # connections table (analyzer/correlate/connections.py)
        "transports", "request_ids", "routers", "upstreams", "backend_streams", "first_ts", "last_ts",
        "handshake_status", "browser_handshake_status", "upgrade_status", "upgrade_attempted", "opened",
        "upgrade_refused", "upgrade_aborted", "open_ts", "lifetime_ms", "disconnect_reason", "browser_error",
        "engine_error_code", "handshake_ok_seen", "browser_failed", "proxy_events", "backend_events",
        "browser_events", "upgrade_outcome", "outcome",
        # facts (analyzer/rules/facts.py)
        "is_sio", "is_handshake", "router_sio_ok", "router_rest", "router_ws_config", "sio_routers_ok",
        "ws_routers_config", "upstream_sio", "config_present", "sid_upstreams", "sid_backends", "conn_outcome",
        "conn_upgrade_outcome", "conn_polling_ok", "polling_requests", "polling_ok", "span_ms", "server_closed",
        "conn_server_closed", "conn_engine_error",
    ]
)  # fmt: skip
