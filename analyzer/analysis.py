"""The whole job of ``wsdiag analyze``: read, correlate, run the rules — as one library call."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from analyzer.correlate import Correlated, correlate
from analyzer.errors import NoInputError, UsageError
from analyzer.findings import Finding, rank
from analyzer.ingest import Ingested, InputInfo, ReadOptions, load
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
    ingested = load(paths, options.read)
    if not ingested.anything_read:
        raise NoInputError(_nothing_read(ingested), inputs=ingested.inputs)
    return analyze_ingested(ingested, rules, options)


def analyze_ingested(ingested: Ingested, rules: list[Rule], options: AnalyzeOptions) -> Analysis:
    """The analysis of events already read (used by ``analyze`` and by ``scan`` per window)."""
    events = within_window(ingested.events, options.since, options.until)
    correlated = correlate(events, ingested.inputs)
    run = run_rules(rules, correlated.events, correlated.connections, redact_evidence=options.redact)
    findings = run.findings
    shown = {
        i.location: i.path for i in ingested.inputs if i.source == "config" and i.error is None and i.location
    }
    if shown:
        findings = with_configuration(findings, shown, rules, options)
    return Analysis(
        inputs=ingested.inputs,
        events=correlated.events,
        connections=correlated.connections,
        findings=rank(findings),
        not_concluded=run.not_concluded,
        rules=rules,
        correlated=correlated,
        redact=options.redact,
    )


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
    from analyzer.rules.engine import link_root_causes

    config = load_configs(list(shown))
    allowed = {r.id for r in rules}
    by_rule = {f.rule: f for f in findings}
    for found in analyze_config(config):
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
            wrong.remediation = wrong.remediation.replace("<ws-router>", intended.name)
            wrong.keys.setdefault("intended_router", intended.qualified)
            routers = [r for r in (wrong.keys.get("router"), intended.qualified) if r]
            extra = Finding(
                wrong.rule, "", wrong.severity, 0, "", "", evidence=router_evidence(config, *routers)
            )
            _show_paths(extra, shown)
            wrong.evidence.extend(e for e in extra.evidence if e not in wrong.evidence)
    link_root_causes(findings, {r.id: r for r in rules if r.id in allowed})
    return findings


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
