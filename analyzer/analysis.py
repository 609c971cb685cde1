"""The whole job of ``wsdiag analyze``: read, correlate, run the rules — as one library call."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from analyzer.correlate import Correlated, correlate
from analyzer.correlate.changes import began_after, find_changes
from analyzer.correlate.clocks import ClockOptions
from analyzer.errors import NoInputError, UsageError
from analyzer.findings import Change, Finding, rank, root_causes
from analyzer.ingest import Ingested, InputInfo, ReadOptions, load
from analyzer.model import EXPORT_ONLY
from analyzer.rules import Rule, default_rule_dirs, load_rules, run_rules

if TYPE_CHECKING:
    from analyzer.config import ConfigSet, Router


@dataclass(frozen=True)
class AnalyzeOptions:
    """Options of ``analyze`` beyond reading (``--patterns``, ``--only``, ``--disable``, time window)."""

    read: ReadOptions = field(default_factory=ReadOptions)
    rule_dirs: tuple[Path, ...] = ()
    only: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    redact: bool = True
    #: ``--clock FILE=+2.3s`` and ``--no-align``
    clock: ClockOptions = field(default_factory=ClockOptions)


@dataclass
class Analysis:
    """Everything a report needs."""

    inputs: list[InputInfo]
    events: pl.DataFrame
    connections: pl.DataFrame
    findings: list[Finding]
    not_concluded: list[tuple[str, str]]
    rules: list[Rule]
    correlated: Correlated
    #: Whether log lines a report pulls from ``events`` must be masked (``--no-redact`` turns it off).
    redact: bool = True
    #: What the diagnosis lacks because paths could not be read (set by ``report.boundary.outbound``).
    gaps: list[str] = field(default_factory=list)
    #: What the verdict must say about the clocks: a shift over 10 minutes, a second proxy moved, a file
    #: re-dated by the other sources.
    clock_warnings: list[str] = field(default_factory=list)
    #: Configuration reloads, provider events and (re)starts while the system was serving, in time order.
    changes: list[Change] = field(default_factory=list)
    #: How the routing table differs between a configuration file and its previous version beside it
    #: (``dynamic.before.yml`` → ``dynamic.yml``), as "path → path: change" lines.
    config_changes: list[str] = field(default_factory=list)

    @property
    def root_causes(self) -> list[Finding]:
        """Every independent root cause the verdict names (see :func:`analyzer.findings.root_causes`)."""
        return root_causes(self.findings)


def select_rules(options: AnalyzeOptions) -> list[Rule]:
    """The shipped rules plus ``--patterns`` folders, filtered by ``--only`` / ``--disable``."""
    rules = load_rules([*default_rule_dirs(), *options.rule_dirs])
    known = {r.id for r in rules}
    for rule_id in (*options.only, *options.disable):
        if rule_id not in known:
            raise UsageError(f"unknown rule id {rule_id!r} (see `wsdiag rules list`)")
    if options.only:
        rules = [r for r in rules if r.id in options.only]
    return [r for r in rules if r.id not in options.disable]


def unread_columns(rules: list[Rule]) -> tuple[str, ...]:
    """The columns of :data:`~analyzer.model.EXPORT_ONLY` that none of ``rules`` names (a ``--patterns``
    rule may match the user agent: then it is read)."""
    named = " ".join(repr(rule.match) for rule in rules)
    return tuple(name for name in EXPORT_ONLY if repr(name) not in named)


def within_window(events: pl.DataFrame, since: datetime | None, until: datetime | None) -> pl.DataFrame:
    """Events inside ``[since, until]`` (undated events are kept: they cannot be placed outside)."""
    if since is not None:
        events = events.filter(pl.col("ts").is_null() | (pl.col("ts") >= since))
    if until is not None:
        events = events.filter(pl.col("ts").is_null() | (pl.col("ts") <= until))
    return events


def analyze(paths: list[str], options: AnalyzeOptions | None = None) -> Analysis:
    """Read every log under ``paths``, correlate them and run the rules."""
    options = options or AnalyzeOptions()
    rules = select_rules(options)
    ingested = load(paths, replace(options.read, unread=unread_columns(rules)))
    if not ingested.anything_read:
        raise NoInputError(_nothing_read(ingested), inputs=ingested.inputs)
    return analyze_ingested(ingested, rules, options)


def analyze_ingested(ingested: Ingested, rules: list[Rule], options: AnalyzeOptions) -> Analysis:
    """The analysis of events already read (used by ``analyze`` and by ``scan`` per window)."""
    events = within_window(ingested.events, options.since, options.until)
    correlated = correlate(events, ingested.inputs, options.clock)
    run = run_rules(rules, correlated.events, correlated.connections)
    findings = run.findings
    shown = {
        i.location: i.path for i in ingested.inputs if i.source == "config" and i.error is None and i.location
    }
    config_changes: list[str] = []
    if shown:
        from analyzer.config.analysis import previous_versions

        previous = previous_versions(shown)
        config_changes = _config_changes(previous, shown)
        current = {location: path for location, path in shown.items() if location not in previous}
        findings = with_configuration(findings, current, rules, options)
    findings = rank(findings)
    changes = find_changes(correlated.events)
    for cause in root_causes(findings):
        after = began_after(cause.first_seen, changes)
        if after is not None:
            cause.began_after, cause.began_after_s = after
    return Analysis(
        inputs=ingested.inputs,
        events=correlated.events,
        connections=correlated.connections,
        findings=findings,
        not_concluded=run.not_concluded,
        rules=rules,
        correlated=correlated,
        redact=options.redact,
        clock_warnings=correlated.warnings,
        changes=changes,
        config_changes=config_changes,
    )


def _config_changes(previous: dict[str, str], shown: dict[str, str]) -> list[str]:
    """The router-table changes between each configuration file and its previous version."""
    from analyzer.config import load_configs
    from analyzer.config.analysis import router_table_changes

    out = []
    for before, after in sorted(previous.items()):
        for change in router_table_changes(load_configs([before]), load_configs([after])):
            out.append(f"{shown[before]} → {shown[after]}: {change}")
    return out


def _nothing_read(ingested: Ingested) -> str:
    return nothing_read_message(ingested.inputs)


def nothing_read_message(inputs: list[InputInfo]) -> str:
    """Why nothing could be read: each input's reason, and the first line of a file no parser knows."""
    from analyzer.redact import redact

    reasons = "; ".join(
        f"{i.label}: {i.error}" + (f" (first line: {redact(i.first_line)!r})" if i.first_line else "")
        for i in inputs
    )
    return f"no input could be read ({reasons or 'no files found'})"


def with_configuration(
    findings: list[Finding], shown: dict[str, str], rules: list[Rule], options: AnalyzeOptions
) -> list[Finding]:
    """Add what the routing configuration found beside the logs proves.

    A configuration finding with the id of a log finding strengthens it (its config lines join the
    evidence, its exact fix replaces the generic one); the others are added as they are. When the logs
    show a handshake on the wrong router, the configuration names the router that should have won.
    """
    from analyzer.config import analyze_config, intended_websocket_router, load_configs, router_evidence
    from analyzer.config.analysis import websocket_priority_fix
    from analyzer.rules.engine import link_root_causes

    config = load_configs(list(shown))
    allowed = {r.id for r in rules}
    by_rule = {f.rule: f for f in findings}
    found_all = analyze_config(config)
    conflict = by_rule.get("router-priority-conflict")
    if (
        conflict is not None
        and conflict.from_traffic
        and "router-priority-conflict" not in {f.rule for f in found_all}
    ):
        fix = websocket_priority_fix(
            config, conflict.keys.get("working_names", ""), conflict.keys.get("failing_names", "").split(", ")
        )
        if fix:
            conflict.remediation = _shown(f"{fix} Then check with `wsdiag check-config --explain`.", shown)
    for found in found_all:
        _show_paths(found, shown)
        if (options.only and found.rule not in options.only) or found.rule in options.disable:
            continue
        same = by_rule.get(found.rule)
        if same is None:
            findings.append(found)
            by_rule[found.rule] = found
            continue
        same.evidence.extend(e for e in found.evidence if e not in same.evidence)
        same.explanation = f"{same.explanation}\n\nThe routing configuration confirms it: {found.explanation}"
        same.remediation = found.remediation
    wrong = by_rule.get("handshake-wrong-router")
    if wrong is not None:
        intended = intended_websocket_router(config, wrong.keys.get("host") or "") or _only_websocket_router(
            config
        )
        if intended is not None:
            fix = websocket_priority_fix(config, intended.qualified, [wrong.keys.get("router", "")])
            if (
                fix
                and wrong.from_traffic
                and not any(f.rule == wrong.rule and not f.from_traffic for f in found_all)
            ):
                wrong.remediation = _shown(f"{fix} {_path_alternative(wrong.remediation)}".strip(), shown)
            wrong.keys.setdefault("intended_router", intended.qualified)
            routers = [r for r in (wrong.keys.get("router"), intended.qualified) if r]
            extra = Finding(
                wrong.rule, "", wrong.severity, 0, "", "", evidence=router_evidence(config, *routers)
            )
            _show_paths(extra, shown)
            wrong.evidence.extend(e for e in extra.evidence if e not in wrong.evidence)
    link_root_causes(findings, {r.id: r for r in rules if r.id in allowed})
    return findings


def _shown(text: str, shown: dict[str, str]) -> str:
    """Configuration files named as the inputs table shows them."""
    for location, path in shown.items():
        text = text.replace(location, path)
    return text


def _path_alternative(remediation: str) -> str:
    """The rule's other way out (excluding the Socket.IO path from the rival), kept beside the exact fix."""
    start = remediation.find(" or add ")
    return f"Or{remediation[start + 3 :]}" if start >= 0 else ""


def _only_websocket_router(config: ConfigSet) -> Router | None:
    """Without a host (CLF logs carry none): the configuration's WebSocket router, when there is one."""
    from analyzer.config.analysis import live_routers, websocket_guess

    candidates = [r for r in live_routers(config) if websocket_guess(r).is_websocket]
    return max(candidates, key=lambda r: r.priority) if len({r.qualified for r in candidates}) == 1 else None


def _show_paths(finding: Finding, shown: dict[str, str]) -> None:
    """Configuration evidence cites files as the inputs table shows them, and so does its text."""
    for i, ev in enumerate(finding.evidence):
        if ev.path in shown:
            finding.evidence[i] = replace(ev, path=shown[ev.path])
    for location, path in shown.items():
        finding.explanation = finding.explanation.replace(location, path)
        finding.remediation = finding.remediation.replace(location, path)
