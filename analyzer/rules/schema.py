"""Rule files: TOML in ``patterns/``, one rule per file, loaded into frozen dataclasses.

The loader collects every error of every file before giving up, each with its path and, where it
applies, its line (pySigma style), so a user fixing a rule folder sees all problems at once. A key the
format does not define is an error wherever it is (a misplaced ``min_share`` would otherwise be silently
ignored). See ``docs/rules.md`` for the format.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, get_args

from analyzer.errors import RuleError
from analyzer.findings import SEVERITIES, Severity
from analyzer.model import COLUMNS, SOURCES
from analyzer.rules.lines import KeyLines
from analyzer.timeparse import parse_duration

MatchKind = Literal["single", "aggregate", "absence", "sequence", "distribution"]
MATCH_KINDS: Final[tuple[str, ...]] = get_args(MatchKind)
Op = Literal[
    "eq", "ne", "in", "not_in", "regex", "not_regex", "contains", "startswith", "endswith",
    "gt", "gte", "lt", "lte", "between", "exists", "missing",
]  # fmt: skip
OPS: Final[tuple[str, ...]] = get_args(Op)
#: Operators that hold when the positive test does not (a null satisfies them).
NEGATED_OPS: Final = {"ne": "eq", "not_in": "in", "not_regex": "regex"}
MetricFn = Literal["count", "n_unique", "unique", "min", "max", "mean", "median", "sum", "any"]
METRIC_FNS: Final[tuple[str, ...]] = get_args(MetricFn)
TEST_EXPECT: Final = ("match", "no_match", "todo_match", "todo_no_match")

#: The keys each table of a rule file may hold; anything else is an error with its file and line.
TOP_KEYS: Final = frozenset(
    {"id", "title", "severity", "sources", "uses", "tags", "explains", "experimental", "min_share",
     "full_share", "full_count", "doc", "report", "match", "tests"}
)  # fmt: skip
DOC_KEYS: Final = frozenset({"detects", "why", "false_positives", "remediation", "references", "wording"})
REPORT_KEYS: Final = frozenset({"keys", "explanation", "remediation", "evidence_limit", "fix"})
#: The proxies a rule may word its own fix for (``[report.fix]``): the first word of their parsers' names.
PROXIES: Final = ("traefik", "nginx", "haproxy", "caddy")
MATCH_KEYS: Final = frozenset(
    {"kind", "target", "where", "group_by", "metrics", "having", "key", "within", "steps", "value", "bin",
     "min_share", "min_value", "evidence", "min_count"}
)  # fmt: skip
METRIC_KEYS: Final = frozenset({"fn", "field", "where", "over"})
STEP_KEYS: Final = frozenset({"label", "where"})
CONDITION_KEYS: Final = frozenset({"field", "op", "value"})
TEST_KEYS: Final = frozenset({"name", "expect", "events", "keys"})
MACRO_FILE_KEYS: Final = frozenset({"macros"})
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
    #: The remediation in a proxy's own terms (``nginx`` → ``proxy_read_timeout …``), used instead of
    #: ``remediation`` when the capture's proxy is that one.
    fixes: dict[str, str] = field(default_factory=dict)
    uses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    explains: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    #: Below this share of the relevant traffic a finding is reported at ``low`` severity.
    min_share: float = 0.02
    #: Below this share it is reported one step below ``severity``.
    full_share: float = 0.1
    #: Fewer affected connections (or decisive lines) than this: at most ``medium``, "seen once".
    full_count: int = 2
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

    Raises :class:`RuleError` listing every problem of every file, each with its path and line.
    """
    errors: list[str] = []
    macros: dict[str, tuple[Predicate, ...]] = {}
    files: list[Path] = []
    for folder in dirs:
        if not folder.is_dir():
            errors.append(f"{folder}: not a folder of rules")
            continue
        for path in sorted(folder.glob("_*.toml")):
            src = _read_toml(path, errors)
            if src is None:
                continue
            src.unknown_keys(src.data, MACRO_FILE_KEYS, ())
            body = src.data.get("macros", {})
            for name, conditions in (body if isinstance(body, dict) else {}).items():
                macros[name] = _predicates(conditions, src, ("macros", name), {})
        files.extend(sorted(p for p in folder.glob("*.toml") if not p.name.startswith("_")))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        src = _read_toml(path, errors)
        if src is None:
            continue
        rule = _rule(src, macros)
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


@dataclass
class _Source:
    """One rule file being loaded: its data, where its keys are written, and the errors found so far."""

    path: Path
    data: dict[str, Any]
    lines: KeyLines
    errors: list[str]

    def error(self, message: str, key: str | None = None, table: tuple[str | int, ...] = ()) -> None:
        """Record an error, located at ``key`` of ``table`` when given."""
        line = self.lines.line_of(key, table) if key else None
        self.errors.append(f"{self.path}{f':{line}' if line else ''}: {message}")

    def unknown_keys(self, table: Any, allowed: frozenset[str], where: tuple[str | int, ...]) -> None:
        """Every key of ``table`` that the format does not define is an error."""
        if not isinstance(table, dict):
            return
        name = _table_name(where)
        for key in table:
            if key not in allowed:
                self.error(
                    f"unknown key {key!r} in {name} (allowed: {', '.join(sorted(allowed))})", key, where
                )


def _table_name(where: tuple[str | int, ...]) -> str:
    if not where:
        return "the top level"
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return f"[{text}]"


def _read_toml(path: Path, errors: list[str]) -> _Source | None:
    try:
        text = path.read_text(encoding="utf-8")
        return _Source(path, tomllib.loads(text), KeyLines(text), errors)
    except tomllib.TOMLDecodeError as exc:
        errors.append(f"{path}: not valid TOML: {exc}")
    except UnicodeDecodeError:
        errors.append(f"{path}: not valid TOML: not UTF-8 text")
    except OSError as exc:
        errors.append(f"{path}: cannot read: {exc.strerror or exc}")
    return None


def parse_duration_ms(text: str) -> float:
    """``"10s"`` → 10000.0, in the grammar of every wsdiag duration (:func:`analyzer.timeparse.parse_duration`)."""
    return parse_duration(text).total_seconds() * 1000


def _rule(src: _Source, macros: dict[str, tuple[Predicate, ...]]) -> Rule | None:
    data = src.data
    before = len(src.errors)
    src.unknown_keys(data, TOP_KEYS, ())

    def need(key: str, kind: type) -> Any:
        value = data.get(key)
        if not isinstance(value, kind):
            src.error(f"'{key}' is required and must be a {kind.__name__}", key if key in data else None)
            return kind()
        return value

    rule_id = need("id", str)
    if rule_id and not _ID.match(rule_id):
        src.error(f"id {rule_id!r} must be kebab-case (e.g. handshake-wrong-router)", "id")
    if rule_id and src.path.stem != rule_id:
        src.error(f"the file must be named after its id ({rule_id}.toml)", "id")
    title = need("title", str)
    severity = data.get("severity")
    if severity not in SEVERITIES:
        src.error(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}", "severity")
    sources = tuple(need("sources", list))
    uses = tuple(data.get("uses", []))
    for key, names in (("sources", sources), ("uses", uses)):
        for name in names:
            if name not in SOURCES:
                src.error(f"unknown source {name!r} (known: {', '.join(SOURCES)})", key)
    doc = data.get("doc") or {}
    src.unknown_keys(doc, DOC_KEYS, ("doc",))
    for part in ("detects", "why", "false_positives", "remediation"):
        if not isinstance(doc.get(part), str) or not doc[part].strip():
            src.error(f"[doc] needs a non-empty '{part}'", "doc")
    report = data.get("report") or {}
    src.unknown_keys(report, REPORT_KEYS, ("report",))
    explanation = report.get("explanation", "")
    remediation = report.get("remediation", "")
    if not explanation or not remediation:
        src.error("[report] needs 'explanation' and 'remediation' templates", "report")
    fixes = report.get("fix") or {}
    if not isinstance(fixes, dict):
        src.error("[report.fix] must be a table of proxy = template", "report")
        fixes = {}
    for proxy, text in fixes.items():
        if proxy not in PROXIES or not isinstance(text, str) or not text.strip():
            src.error(
                f"[report.fix] {proxy!r}: a non-empty template for one of {', '.join(PROXIES)}", "report"
            )
    match = _match(data.get("match"), src, macros)
    tests = tuple(_test(t, i, src) for i, t in enumerate(data.get("tests", [])))
    if match is not None:
        templates = explanation + remediation + "".join(t for t in fixes.values() if isinstance(t, str))
        _check_template_fields(templates, match, tuple(report.get("keys", [])), src)
    scale = _scale(data, src)
    experimental = bool(data.get("experimental", False))
    if not experimental and (
        not any(t.expect == "match" for t in tests) or not any(t.expect == "no_match" for t in tests)
    ):
        src.error("needs at least one 'match' and one 'no_match' test")
    if len(src.errors) > before or match is None:
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
        fixes={proxy: text.strip() for proxy, text in fixes.items()},
        doc=doc,
        path=str(src.path),
        tags=tuple(data.get("tags", [])),
        explains=tuple(data.get("explains", [])),
        keys=tuple(report.get("keys", [])),
        min_share=scale[0],
        full_share=scale[1],
        full_count=scale[2],
        evidence_limit=int(report.get("evidence_limit", 8)),
        tests=tests,
        experimental=experimental,
    )


def _scale(data: dict[str, Any], src: _Source) -> tuple[float, float, int]:
    """``min_share``, ``full_share`` and ``full_count``: how severity follows the evidence."""
    defaults = Rule.__dataclass_fields__
    values: list[Any] = []
    for key, kind in (("min_share", float), ("full_share", float), ("full_count", int)):
        value = data.get(key, defaults[key].default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            src.error(f"'{key}' must be a number ≥ 0, not {value!r}", key)
            value = defaults[key].default
        if key.endswith("share") and value > 1:
            src.error(f"'{key}' is a share of the traffic, between 0 and 1, not {value!r}", key)
        values.append(kind(value))
    min_share, full_share, full_count = values
    if full_share < min_share:
        src.error(f"'full_share' ({full_share}) must not be below 'min_share' ({min_share})", "full_share")
    return min_share, full_share, full_count


def _match(data: Any, src: _Source, macros: dict[str, tuple[Predicate, ...]]) -> Match | None:
    if not isinstance(data, dict):
        src.error("[match] table is required")
        return None
    here: tuple[str | int, ...] = ("match",)
    src.unknown_keys(data, MATCH_KEYS, here)
    kind = data.get("kind")
    if kind not in MATCH_KINDS:
        src.error(f"match.kind must be one of {', '.join(MATCH_KINDS)}, not {kind!r}", "kind", here)
        return None
    target = data.get("target", "events")
    if target not in ("events", "connections"):
        src.error("match.target must be 'events' or 'connections'", "target", here)
    within = None
    if "within" in data:
        try:
            within = parse_duration_ms(str(data["within"]))
        except ValueError as exc:
            src.error(f"match.within: {exc}", "within", here)
    metrics = []
    bodies = data.get("metrics") or {}
    for name, body in bodies.items() if isinstance(bodies, dict) else ():
        at = (*here, "metrics", name)
        if not isinstance(body, dict):
            src.error(
                f"match.metrics.{name} must be a table {{ fn = …, field = … }}", name, (*here, "metrics")
            )
            continue
        src.unknown_keys(body, METRIC_KEYS, at)
        fn = body.get("fn")
        if fn not in METRIC_FNS:
            src.error(
                f"match.metrics.{name}: fn must be one of {', '.join(METRIC_FNS)}", name, (*here, "metrics")
            )
            continue
        if fn not in ("count", "any") and not body.get("field") and not body.get("over"):
            src.error(f"match.metrics.{name}: fn {fn!r} needs a 'field'", name, (*here, "metrics"))
        metrics.append(
            Metric(
                name=name,
                fn=fn,
                field=body.get("field"),
                where=_predicates(body.get("where", []), src, at, macros),
                over=tuple(body.get("over", [])),
            )
        )
    steps = []
    for i, step in enumerate(data.get("steps", [])):
        at = (*here, "steps", i)
        src.unknown_keys(step, STEP_KEYS, at)
        steps.append(
            Step(
                label=str(step.get("label", f"step{i + 1}")),
                where=_predicates(step.get("where", []), src, at, macros),
            )
        )
    if kind in ("absence", "sequence"):
        if len(steps) < 2:
            src.error(f"match: kind {kind!r} needs at least two [[match.steps]]", "kind", here)
        if not data.get("key") or within is None:
            src.error(f"match: kind {kind!r} needs 'key' and 'within'", "kind", here)
    if kind == "distribution" and not data.get("value"):
        src.error("match: kind 'distribution' needs 'value' (the numeric column)", "kind", here)
    if data.get("value") and data["value"] not in known_fields():
        src.error(f"match.value: unknown field {data['value']!r}", "value", here)
    bin_ms = 1000.0
    if "bin" in data:
        try:
            bin_ms = parse_duration_ms(str(data["bin"]))
        except ValueError as exc:
            src.error(f"match.bin: {exc}", "bin", here)
    return Match(
        kind=kind,
        target=target,
        where=_predicates(data.get("where", []), src, (*here, "where"), macros),
        group_by=tuple(data.get("group_by", [])),
        metrics=tuple(metrics),
        having=_predicates(data.get("having", []), src, (*here, "having"), macros, check_fields=False),
        key=tuple([data["key"]] if isinstance(data.get("key"), str) else data.get("key", [])),
        within_ms=within,
        steps=tuple(steps),
        value=data.get("value"),
        bin_ms=bin_ms,
        min_share=float(data.get("min_share", 0.5)),
        min_value=float(data["min_value"]) if "min_value" in data else None,
        evidence=_predicates(data.get("evidence", []), src, (*here, "evidence"), macros),
        min_count=int(data.get("min_count", 1)),
    )


def _predicates(
    items: Any,
    src: _Source,
    at: tuple[str | int, ...],
    macros: dict[str, tuple[Predicate, ...]],
    *,
    check_fields: bool = True,
) -> tuple[Predicate, ...]:
    ctx = _table_name(at)
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        src.error(f"{ctx}: expected a list of conditions", None)
        return ()
    out: list[Predicate] = []
    for item in items:
        if not isinstance(item, dict):
            src.error(f"{ctx}: a condition must be a table, got {item!r}")
            continue
        special = [k for k in ("macro", "any", "not") if k in item]
        if special:
            extra = sorted(set(item) - {special[0]})
            if extra:
                src.error(
                    f"{ctx}: a {{ {special[0]} = … }} condition takes no other key, found {', '.join(extra)}",
                    extra[0],
                    at,
                )
        if "macro" in item:
            name = item["macro"]
            if name not in macros:
                src.error(f"{ctx}: unknown macro {name!r}", "macro", at)
            else:
                out.extend(macros[name])
            continue
        if "any" in item:
            alternatives = item["any"] if isinstance(item["any"], list) else []
            out.append(
                Predicate(
                    any_of=tuple(
                        _predicates(alt, src, at, macros, check_fields=check_fields) for alt in alternatives
                    )
                )
            )
            continue
        if "not" in item:
            out.append(Predicate(negate=_predicates(item["not"], src, at, macros, check_fields=check_fields)))
            continue
        for key in item:
            if key not in CONDITION_KEYS:
                src.error(
                    f"{ctx}: unknown key {key!r} in a condition (allowed: field, op, value; or macro, any, not)",
                    key,
                    at,
                )
        fld, op = item.get("field"), item.get("op", "eq")
        if not isinstance(fld, str):
            src.error(f"{ctx}: condition {item!r} needs a 'field'", None)
            continue
        if check_fields and fld not in known_fields():
            src.error(f"{ctx}: unknown field {fld!r}", "field", at)
        if op not in OPS:
            src.error(f"{ctx}: unknown op {op!r} (known: {', '.join(OPS)})", "op", at)
            continue
        if op not in ("exists", "missing") and "value" not in item:
            src.error(f"{ctx}: op {op!r} on {fld!r} needs a 'value'", "op", at)
        if op == "between" and not (isinstance(item.get("value"), list) and len(item["value"]) == 2):
            src.error(f"{ctx}: op 'between' needs value = [low, high]", "op", at)
        if op in ("regex", "not_regex"):
            try:
                re.compile(str(item.get("value")))
            except re.error as exc:
                src.error(f"{ctx}: bad regex {item.get('value')!r}: {exc}", "value", at)
        out.append(Predicate(field=fld, op=op, value=item.get("value")))
    return tuple(out)


def _test(data: Any, index: int, src: _Source) -> RuleTest:
    at: tuple[str | int, ...] = ("tests", index)
    if not isinstance(data, dict):
        src.error(f"[[tests]] #{index + 1} must be a table")
        return RuleTest(name="invalid", expect="invalid", events=())
    src.unknown_keys(data, TEST_KEYS, at)
    name = str(data.get("name", "unnamed"))
    expect = data.get("expect")
    if expect not in TEST_EXPECT:
        src.error(f"test {name!r}: expect must be one of {', '.join(TEST_EXPECT)}", "expect", at)
    events = data.get("events")
    if not isinstance(events, list) or not events:
        src.error(
            f"test {name!r} needs a non-empty 'events' list", "events" if "events" in data else "name", at
        )
        events = []
    for ev in events:
        unknown = sorted(set(ev) - set(COLUMNS)) if isinstance(ev, dict) else ["(not a table)"]
        if unknown:
            src.error(f"test {name!r}: unknown event field(s) {', '.join(unknown)}", unknown[0], at)
    return RuleTest(name=name, expect=str(expect), events=tuple(events), keys=dict(data.get("keys", {})))


def _check_template_fields(text: str, match: Match, keys: tuple[str, ...], src: _Source) -> None:
    allowed = set(ALWAYS_PLACEHOLDERS) | set(match.group_by) | set(keys) | {m.name for m in match.metrics}
    allowed |= {s.label for s in match.steps} | set(match.key)
    if match.within_ms is not None:
        allowed.add("within")
    if match.kind == "distribution":
        allowed |= {"mode_value", "mode_count", "mode_share_pct", "value_count"}
        if match.value is not None and match.value.endswith("_ms"):
            allowed.add("mode_duration")  # the mode of a duration, for people (``20 s``)
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name]
    except ValueError as exc:
        src.error(f"[report] template does not parse: {exc}", "report")
        return
    for name in fields:
        if name.split(".")[0] not in allowed:
            src.error(
                f"template field {{{name}}} is not known (known: {', '.join(sorted(allowed))})", "report"
            )


#: Placeholders every template may use.
ALWAYS_PLACEHOLDERS: Final = (
    "count", "connections", "share_pct", "first_seen", "last_seen", "sources", "examples",
)  # fmt: skip


@functools.cache
def known_fields() -> frozenset[str]:
    """Columns rules may test: the event table, the connections table and the derived facts — taken from
    the code that makes them (an empty capture run through correlation and the facts), never retyped."""
    from analyzer.correlate.connections import connections
    from analyzer.model import empty_events
    from analyzer.rules.facts import add_facts, connection_facts

    events = empty_events()
    conns = connections(events)
    return frozenset([*add_facts(events, conns).columns, *connection_facts(conns, events).columns, *COLUMNS])
