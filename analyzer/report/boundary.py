"""The one door out: what an analysis or a scan shows, with every string from the logs masked.

Every report format renders what :func:`outbound` / :func:`outbound_scan` return, never the raw result.
They copy the result with each string that can carry log content — findings' titles, explanations and
fixes (rule templates copy URL paths, ``ServiceURL`` values and router lists from the logs), their keys
and evidence, input names, errors and notes, incidents' keys, affected hosts, routers and clients, and
the re-analysis commands — passed through :func:`analyzer.redact.redact_texts` in one vectorised batch
(unless the user asked for ``--no-redact``). They also state the gaps: paths that could not be read at
all, and which source the diagnosis therefore lacks, so that a report never reads as health when part of
the input was not seen.

Log lines a renderer pulls from the event table itself (the HTML report's connection stories, the
timeline) are masked where they are selected, on those rows' columns only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from analyzer.model import SOURCES
from analyzer.redact import redact_texts

if TYPE_CHECKING:
    from analyzer.analysis import Analysis
    from analyzer.findings import Change, Evidence, Finding
    from analyzer.ingest import InputInfo
    from analyzer.scan.incidents import Incident
    from analyzer.scan.pipeline import ScanResult

_Map = Callable[[str], str]
#: Sources a diagnosis draws on (configuration files only add to them).
_LOG_SOURCES = tuple(s for s in SOURCES if s != "config")


def outbound(analysis: Analysis) -> Analysis:
    """The analysis as reports show it: strings masked (unless ``--no-redact``), gaps stated."""

    def walk(
        f: _Map,
    ) -> tuple[list[Finding], list[InputInfo], list[tuple[str, str]], list[Change], list[str]]:
        findings = _walk_findings(analysis.findings, f)
        not_concluded = [(rule, f(why)) for rule, why in analysis.not_concluded]
        changes = [_walk_change(c, f) for c in analysis.changes]
        said = [f(w) for w in (*analysis.clock_warnings, *analysis.config_changes)]
        return findings, _walk_inputs(analysis.inputs, f), not_concluded, changes, said

    mask = _masker(analysis.redact, walk)
    findings, inputs, not_concluded, changes, said = walk(mask)
    warnings = len(analysis.clock_warnings)
    return replace(
        analysis,
        findings=findings,
        inputs=inputs,
        not_concluded=not_concluded,
        changes=changes,
        clock_warnings=said[:warnings],
        config_changes=said[warnings:],
        gaps=[mask(g) for g in gaps(analysis.inputs)],
    )


def outbound_scan(result: ScanResult) -> ScanResult:
    """The scan result as reports show it (see :func:`outbound`)."""

    def walk(f: _Map) -> tuple[list[Finding], list[Incident], list[InputInfo]]:
        findings = _walk_findings(result.findings, f)
        by_id = {id(old): new for old, new in zip(result.findings, findings, strict=True)}
        incidents = [_walk_incident(i, f, by_id) for i in result.incidents]
        return findings, incidents, _walk_inputs(result.inputs, f)

    mask = _masker(result.redact, walk)
    findings, incidents, inputs = walk(mask)
    return replace(
        result,
        findings=findings,
        incidents=incidents,
        inputs=inputs,
        not_concluded=[(rule, mask(why)) for rule, why in result.not_concluded],
        gaps=[mask(g) for g in gaps(result.inputs)],
    )


def outbound_inputs(inputs: list[InputInfo], message: str) -> tuple[list[InputInfo], str]:
    """Inputs and an error message as a report of a run that read nothing shows them (always masked)."""
    mask = _masker(True, lambda f: (_walk_inputs(inputs, f), f(message)))
    return _walk_inputs(inputs, mask), mask(message)


def gaps(inputs: list[InputInfo]) -> list[str]:
    """One sentence when some paths could not be read at all, saying what the diagnosis lacks."""
    unread = [i for i in inputs if i.unread]
    if not unread:
        return []
    read = {i.source for i in inputs if i.error is None}
    missing = [s for s in _LOG_SOURCES if s not in read]
    what = "; ".join(f"{i.label}: {i.error}" for i in unread[:5]) + (
        f"; and {len(unread) - 5} more" if len(unread) > 5 else ""
    )
    head = (
        f"{unread[0].label} could not be read ({unread[0].error})"
        if len(unread) == 1
        else f"{len(unread)} paths could not be read ({what})"
    )
    lacks = (
        f"the diagnosis lacks the {' and the '.join(missing)}"
        if missing
        else "the diagnosis may lack some of the lines it needs"
    )
    return [f"{head}: {lacks}."]


def _masker(enabled: bool, walk: Callable[[_Map], object]) -> _Map:
    """A function that masks the strings ``walk`` visits, all computed in one batch up front."""
    if not enabled:
        return lambda text: text
    seen: dict[str, str] = {}

    def collect(text: str) -> str:
        seen[text] = text
        return text

    walk(collect)
    originals = list(seen)
    for text, masked in zip(originals, redact_texts(originals), strict=True):
        seen[text] = masked or ""

    def mask(text: str) -> str:
        found = seen.get(text)
        return found if found is not None else (redact_texts([text])[0] or "")

    return mask


def _opt(text: str | None, f: _Map) -> str | None:
    return None if text is None else f(text)


def _walk_evidence(ev: Evidence, f: _Map) -> Evidence:
    return replace(ev, path=f(ev.path), text=f(ev.text), stream=_opt(ev.stream, f))


def _walk_change(change: Change, f: _Map) -> Change:
    return replace(change, what=f(change.what), evidence=_walk_evidence(change.evidence, f))


def _walk_findings(findings: list[Finding], f: _Map) -> list[Finding]:
    return [
        replace(
            x,
            title=f(x.title),
            explanation=f(x.explanation),
            remediation=f(x.remediation),
            keys={k: f(v) for k, v in x.keys.items()},
            evidence=[_walk_evidence(e, f) for e in x.evidence],
            support=_opt(x.support, f),
            began_after=None if x.began_after is None else _walk_change(x.began_after, f),
        )
        for x in findings
    ]


def _walk_inputs(inputs: list[InputInfo], f: _Map) -> list[InputInfo]:
    return [
        replace(
            i,
            path=f(i.path),
            stream=_opt(i.stream, f),
            notes=[f(n) for n in i.notes],
            error=_opt(i.error, f),
            first_line=_opt(i.first_line, f),
            location=_opt(i.location, f),
        )
        for i in inputs
    ]


def _walk_incident(incident: Incident, f: _Map, findings: dict[int, Finding]) -> Incident:
    finding = incident.finding
    if finding is not None:
        finding = findings.get(id(finding)) or _walk_findings([finding], f)[0]
    return replace(
        incident,
        title=f(incident.title),
        keys={k: f(v) for k, v in incident.keys.items()},
        hosts=[f(h) for h in incident.hosts],
        routers=[f(r) for r in incident.routers],
        clients=[f(c) for c in incident.clients],
        sources=[f(s) for s in incident.sources],
        command=f(incident.command),
        finding=finding,
    )
