"""The ``wsdiag.report/1`` JSON document (see CONTRACT.md): built once, rendered by every format."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from analyzer import __version__
from analyzer.findings import SEVERITIES, Evidence, Finding, rank
from analyzer.redact import redact

if TYPE_CHECKING:
    from analyzer.ingest import InputInfo

SCHEMA_ID = "wsdiag.report/1"


def iso(ts: datetime | None) -> str | None:
    """UTC ISO 8601 with milliseconds and ``Z`` (``2026-11-25T10:00:00.123Z``), or None."""
    if ts is None:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def input_entry(info: InputInfo) -> dict[str, Any]:
    """One element of the report's ``inputs`` list."""
    entry: dict[str, Any] = {
        "path": info.path,
        "source": info.source,
        "format": info.format,
        "events": info.events,
        "unparsed_lines": info.unparsed_lines,
        "first_ts": iso(info.first_ts),
        "last_ts": iso(info.last_ts),
        "clock_offset_ms": None if info.clock_offset_ms is None else round(info.clock_offset_ms),
    }
    if info.stream:
        entry["stream"] = info.stream
    if info.aligned is not None:
        entry["aligned"] = info.aligned
    if info.tz:
        entry["assumed_tz"] = info.tz
    if info.unparsed_examples:
        entry["unparsed_examples"] = info.unparsed_examples
    if info.error:
        entry["error"] = info.error
    if info.notes:
        entry["notes"] = info.notes
    if info.wrappers:
        entry["wrappers"] = info.wrappers
    if len(info.formats) > 1:
        entry["formats"] = info.formats
    if info.first_line is not None:
        entry["first_unparsed_line"] = redact(info.first_line)
    return entry


def evidence_entry(ev: Evidence) -> dict[str, Any]:
    """One element of a finding's ``evidence`` list."""
    entry: dict[str, Any] = {
        "source": ev.source,
        "path": ev.path,
        "line": ev.line,
        "ts": iso(ev.ts),
        "text": ev.text,
    }
    if ev.stream:
        entry["stream"] = ev.stream
    if ev.offset_ms:
        entry["clock_offset_ms"] = round(ev.offset_ms)
    if ev.conn_id:
        entry["connection"] = ev.conn_id
    return entry


def finding_entry(f: Finding) -> dict[str, Any]:
    """One element of the report's ``findings`` list."""
    entry: dict[str, Any] = {
        "rule": f.rule,
        "title": f.title,
        "severity": f.severity,
        "count": f.count,
        "first_seen": iso(f.first_seen),
        "last_seen": iso(f.last_seen),
        "keys": dict(sorted(f.keys.items())),
        "explanation": f.explanation,
        "remediation": f.remediation,
        "evidence": [evidence_entry(e) for e in f.evidence],
    }
    if f.explains:
        entry["explains"] = sorted(f.explains)
    if f.explained_by:
        entry["explained_by"] = f.explained_by
    return entry


def build_report(
    findings: list[Finding],
    inputs: list[InputInfo],
    *,
    events: int,
    connections: int = 0,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the whole report as plain JSON-ready values, findings ranked most important first."""
    ranked = rank(findings)
    by_severity = Counter(f.severity for f in ranked)
    report: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "tool": {"name": "wsdiag", "version": __version__},
        "inputs": [input_entry(i) for i in inputs],
        "summary": {
            "events": events,
            "connections": connections,
            "findings": len(ranked),
            "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
        },
        "findings": [finding_entry(f) for f in ranked],
    }
    if extra:
        report.update(extra)
    return report


def unread_report(inputs: list[InputInfo], message: str) -> dict[str, Any]:
    """The report of a run that could read nothing: the inputs with their reasons, and the error."""
    return build_report([], inputs, events=0, extra={"error": message})


def dumps(report: dict[str, Any]) -> str:
    """Serialize deterministically: the same input gives byte-identical JSON."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
