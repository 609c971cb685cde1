"""The whole job of ``wsdiag analyze``: read, correlate, run the rules — as one library call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from analyzer.correlate import Correlated, correlate
from analyzer.errors import NoInputError, UsageError
from analyzer.findings import Finding, rank
from analyzer.ingest import Ingested, InputInfo, ReadOptions, load
from analyzer.rules import Rule, default_rule_dirs, load_rules, run_rules


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
        raise NoInputError(_nothing_read(ingested))
    return analyze_ingested(ingested, rules, options)


def analyze_ingested(ingested: Ingested, rules: list[Rule], options: AnalyzeOptions) -> Analysis:
    """The analysis of events already read (used by ``analyze`` and by ``scan`` per window)."""
    events = within_window(ingested.events, options.since, options.until)
    correlated = correlate(events, ingested.inputs)
    run = run_rules(rules, correlated.events, correlated.connections, redact_evidence=options.redact)
    return Analysis(
        inputs=ingested.inputs,
        events=correlated.events,
        connections=correlated.connections,
        findings=rank(run.findings),
        not_concluded=run.not_concluded,
        rules=rules,
        correlated=correlated,
        redact=options.redact,
    )


def _nothing_read(ingested: Ingested) -> str:
    reasons = "; ".join(f"{i.label}: {i.error}" for i in ingested.inputs) or "no files found"
    return f"no input could be read ({reasons})"
