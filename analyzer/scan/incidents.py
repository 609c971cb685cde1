"""Merge the windows' findings into incidents: one per run of consecutive windows where a root cause fired.

A root cause is a finding that no other finding of its window explains (``explained_by`` is empty). An
incident is one rule: its findings in one window (one per router, say, or Traefik's own router-less
``502`` lines beside the access log's) are one incident, whose keys list every value seen
(``router = a@docker, b@docker``) and whose ``affected`` lists say who. The incident starts at the first failing event of its first window and ends at the last
failing event of its last window, so start and end are exact up to the window granularity only where
the failure itself is continuous.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from analyzer.findings import SEVERITY_RANK, Finding

if TYPE_CHECKING:
    from analyzer.scan.worker import WindowFinding, WindowResult

_TOP = 20


@dataclass
class Incident:
    """A contiguous stretch of windows in which one root cause fired."""

    rule: str
    title: str
    severity: str
    keys: dict[str, str]
    start: datetime | None
    end: datetime | None
    window_start: datetime
    window_end: datetime
    windows: int
    count: int
    connections: int
    hosts: list[str] = field(default_factory=list)
    routers: list[str] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)
    clients_total: int = 0
    sources: list[str] = field(default_factory=list)
    explains: list[str] = field(default_factory=list)
    #: The finding of the window where it counted most, with the incident's totals: what the report shows.
    finding: Finding | None = None
    #: Start of that window: the explanation's own numbers are that window's.
    busiest: datetime | None = None
    #: ``wsdiag analyze`` command that re-reads this incident's files and time range in detail.
    command: str = ""
    all_clients: set[str] = field(default_factory=set, repr=False)
    key_values: dict[str, set[str]] = field(default_factory=dict, repr=False)


def merge_incidents(
    results: list[WindowResult], explains: dict[str, tuple[str, ...]] | None = None
) -> list[Incident]:
    """Incidents in time order (then by severity and rule) from every window's root-cause findings.

    ``explains`` maps a rule id to the rules it explains (``Rule.explains``). Inside a window the engine
    already links a cause to its effects; across a window edge it cannot (the tail of a failure may fall
    in the next window with too few rows for the cause's own rule), so an incident whose rule another
    incident's rule explains, lying within one window of it, is folded into that incident.
    """
    open_: dict[str, Incident] = {}
    last_window: dict[str, int] = {}
    best: dict[str, int] = {}
    done: list[Incident] = []
    for result in sorted(results, key=lambda r: r.index):
        by_rule: dict[str, list[WindowFinding]] = {}
        for wf in result.findings:
            if not wf.finding.explained_by:
                by_rule.setdefault(wf.finding.rule, []).append(wf)
        for rule, group in by_rule.items():
            incident = open_.get(rule)
            if incident is not None and last_window[rule] != result.index - 1:
                done.append(incident)
                incident = None
            if incident is None:
                incident = open_[rule] = _start(group[0], result)
                best[rule] = group[0].finding.count
                group = group[1:]
            for wf in group:
                _extend(incident, wf, result)
            for wf in by_rule[rule]:
                if wf.finding.count > best[rule]:
                    incident.finding, best[rule] = wf.finding, wf.finding.count
                    incident.busiest = result.start
            last_window[rule] = result.index
    done.extend(open_.values())
    done = _fold_explained(done, explains or {})
    for incident in done:
        incident.keys = {
            name: ", ".join(sorted(values)) for name, values in sorted(incident.key_values.items())
        }
        incident.finding = _representative(incident)
    return sorted(done, key=lambda i: (i.window_start, -SEVERITY_RANK[i.severity], i.rule))


def _fold_explained(incidents: list[Incident], explains: dict[str, tuple[str, ...]]) -> list[Incident]:
    """Drop incidents that are the edge of another one's effects (see :func:`merge_incidents`)."""
    strongest_first = sorted(incidents, key=lambda i: (-SEVERITY_RANK[i.severity], -i.count, i.rule))
    folded: set[int] = set()
    for effect in reversed(strongest_first):
        slack = (effect.window_end - effect.window_start) / effect.windows
        for cause in strongest_first:
            if cause is effect or id(cause) in folded or effect.rule not in explains.get(cause.rule, ()):
                continue
            if (
                cause.window_start - slack <= effect.window_start
                and effect.window_end <= cause.window_end + slack
            ):
                folded.add(id(effect))
                cause.explains = sorted({*cause.explains, effect.rule})
                break
    return [i for i in incidents if id(i) not in folded]


def _start(wf: WindowFinding, result: WindowResult) -> Incident:
    f = wf.finding
    return Incident(
        rule=f.rule,
        title=f.title,
        severity=f.severity,
        keys={},
        start=f.first_seen,
        end=f.last_seen,
        window_start=result.start,
        window_end=result.end,
        windows=1,
        count=f.count,
        connections=len(f.connections),
        hosts=list(wf.hosts),
        routers=list(wf.routers),
        clients=wf.clients[:_TOP],
        clients_total=len(set(wf.clients)),
        all_clients=set(wf.clients),
        sources=list(wf.sources),
        explains=sorted(f.explains),
        finding=f,
        busiest=result.start,
        key_values={k: {v} for k, v in f.keys.items()},
    )


def _extend(incident: Incident, wf: WindowFinding, result: WindowResult) -> None:
    """Add another finding of the incident's rule (same window or the next one)."""
    f = wf.finding
    if SEVERITY_RANK[f.severity] > SEVERITY_RANK[incident.severity]:
        incident.severity = f.severity
    incident.start = _earliest(incident.start, f.first_seen)
    incident.end = _latest(incident.end, f.last_seen)
    if result.end > incident.window_end:
        incident.window_end = result.end
        incident.windows += 1
    incident.count += f.count
    incident.connections += len(f.connections)
    incident.hosts = _union(incident.hosts, wf.hosts)
    incident.routers = _union(incident.routers, wf.routers)
    incident.clients = _union(incident.clients, wf.clients)
    incident.all_clients.update(wf.clients)
    incident.clients_total = len(incident.all_clients)
    incident.sources = sorted(set(incident.sources) | set(wf.sources))
    incident.explains = sorted(set(incident.explains) | set(f.explains))
    for name, value in f.keys.items():
        incident.key_values.setdefault(name, set()).add(value)


def _representative(incident: Incident) -> Finding:
    assert incident.finding is not None
    return replace(
        incident.finding,
        severity=incident.severity,  # type: ignore[arg-type]
        count=incident.count,
        first_seen=incident.start,
        last_seen=incident.end,
        explains=list(incident.explains),
    )


def _union(a: list[str], b: list[str]) -> list[str]:
    return (a + [x for x in b if x not in a])[:_TOP]


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(x for x in (a, b) if x is not None) if (a or b) else None


def analyze_command(
    incident: Incident,
    files: list[tuple[str, datetime | None, datetime | None]],
    margin: timedelta,
    options: list[str],
) -> str:
    """``wsdiag analyze FILES --since … --until …`` over the files that overlap the incident's windows."""
    low, high = incident.window_start - margin, incident.window_end + margin
    chosen = [
        path
        for path, first, last in files
        if (first is None or first < high) and (last is None or last >= low)
    ]
    since = incident.window_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    until = incident.window_end.strftime("%Y-%m-%dT%H:%M:%SZ")
    words = ["wsdiag", "analyze", *chosen, "--since", since, "--until", until, *options]
    return shlex.join(words)
